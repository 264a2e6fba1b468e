"""Sessions, which are also this app's tokens: the one owner of how they start and are found.

The token *is* the session key, so a cookie and a bearer token share Django's session
machinery: ``login()``, ``logout()`` and a password change act on both alike.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user,
)
from django.contrib.auth.models import update_last_login as django_update_last_login
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import router, transaction
from django.http import HttpRequest

from .crypto import csrf_secret, random_token

#: The ``dispatch_uid`` of Django's ``update_last_login`` receiver (``django.contrib.auth.apps``).
DJANGO_LAST_LOGIN_RECEIVER = "update_last_login"


def user_for_token(request: HttpRequest, token: str) -> Any | None:
    """Run ``request`` on the session whose key is ``token``; return its signed-in user.

    ``None`` when the token names no signed-in session (unknown, expired, its user
    gone or its password changed); the request then keeps the session it had, so a
    browser's session cookie is never touched by a bad token beside it.
    """
    if not token.isprintable():  # NUL and control characters: no key has them
        return None
    had_session = request.session
    request.session = stored_session(token)
    user = get_user(request)
    if user.is_authenticated:
        return user
    request.session = had_session
    return None


def reopen_session(request: HttpRequest, key: str | None) -> None:
    """Put the stored session ``key`` back on ``request``, as a rolled-back logout left it.

    ``logout()`` empties the request's session object in place; when its transaction
    rolls back, the row is there again, and this makes the request use it, so that
    SessionMiddleware keeps the browser's cookie.
    """
    if key is not None:
        getattr(request, "_request", request).session = stored_session(key)


def stored_session(key: str) -> SessionBase:
    """The project's session named ``key``, loaded when first read."""
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


#: Marks a user whose row was inserted with its ``last_login``, for the login that follows.
LAST_LOGIN_INSERTED = "_anonymous_auth_last_login_inserted"


def store_new_visitor_session(request: HttpRequest, user: Any, *, backend: str) -> None:
    """Store a brand-new session signed in to ``user``, just inserted with its ``last_login``.

    Call it inside the transaction that created ``user``: the session row, written by
    one INSERT with its final data, then commits with it. ``log_in_new_visitor()``
    afterwards keeps it, and ``update_last_login`` leaves the user's row alone;
    SessionMiddleware writes the session again only if something changed it since. The
    key is drawn here, never taken from the client, so session fixation stays
    impossible.
    """
    setattr(user, LAST_LOGIN_INSERTED, True)
    session = replace_session(
        request,
        {
            SESSION_KEY: user._meta.pk.value_to_string(user),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        },
    )
    session.create()


def log_in_new_visitor(request: HttpRequest, user: Any) -> None:
    """``login()``, for the session ``store_new_visitor_session()`` has just stored.

    What ``login()`` would check and write is there already: the session is new and
    names ``user``, its backend and its hash. What is left is done here as Django
    does it: ``request.user`` (and ``request.auser``) become ``user``, the CSRF
    secret is replaced, so a token planted before the sign-in is worthless after it,
    and ``user_logged_in`` is sent.
    """
    request.user = user
    django_request = getattr(request, "_request", request)
    if hasattr(django_request, "auser"):  # AuthenticationMiddleware's, else none

        async def auser() -> Any:
            return user

        django_request.auser = auser
    # rotate_token(), with a secret drawn in one call to the OS.
    django_request.META.update({"CSRF_COOKIE": csrf_secret(), "CSRF_COOKIE_NEEDS_UPDATE": True})
    user_logged_in.send(sender=user.__class__, request=request, user=user)


def update_last_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """Django's ``update_last_login`` receiver, minus the UPDATE of a row inserted with it."""
    if getattr(user, LAST_LOGIN_INSERTED, False):
        setattr(user, LAST_LOGIN_INSERTED, False)
        return
    django_update_last_login(sender, user, **kwargs)


def take_over_update_last_login() -> None:
    """Stand in for Django's ``update_last_login`` receiver, if it is connected.

    Same ``dispatch_uid``, so a project that disconnects Django's disconnects this
    one, and one that had disconnected it keeps it disconnected.
    """
    if user_logged_in.disconnect(dispatch_uid=DJANGO_LAST_LOGIN_RECEIVER):
        user_logged_in.connect(update_last_login, dispatch_uid=DJANGO_LAST_LOGIN_RECEIVER)


def rotate_session(request: HttpRequest, user: Any) -> None:
    """Keep this session signed in to ``user``, whose password just changed, under a new key.

    What ``update_session_auth_hash()`` does, in one INSERT of the final data and
    the removal of the old key: every other session of ``user`` still holds the
    old hash, and ``get_user()`` signs them out on their next request.
    """
    old = request.session
    session = replace_session(request, {**old, HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.create()
    old.delete()


def replace_session(request: HttpRequest, data: dict[str, Any]) -> SessionBase:
    """Put a new, not yet stored session holding ``data`` on ``request``, and return it."""
    session = new_session_class(settings.SESSION_ENGINE)()
    session.update(data)
    # On Django's request, where SessionMiddleware looks; a DRF Request reads it there.
    getattr(request, "_request", request).session = session
    return session


class InsertInCallersTransaction(DatabaseSessionStore):
    """A database-backed store whose new row is one INSERT in the caller's transaction.

    Django's ``save()`` wraps every write in ``atomic()``: inside a transaction that
    is a SAVEPOINT and its RELEASE around the INSERT, two more statements (two more
    round trips on PostgreSQL) so that a taken key can be retried. A key of 160
    random bits is never taken; if it were, the IntegrityError would roll back the
    caller's whole transaction, which is what its other failures do too.
    """

    def save(self, must_create: bool = False) -> None:
        if not must_create or self.session_key is None:
            return super().save(must_create=must_create)
        # The row Django's save() writes for a new session (no data to load: none yet).
        row = self.create_model_instance(self._get_session(no_load=True))  # type: ignore[attr-defined]
        using = router.db_for_write(self.model, instance=row)
        if not transaction.get_connection(using).in_atomic_block:
            return super().save(must_create=must_create)
        row.save(force_insert=True, using=using)


@cache
def new_session_class(engine: str) -> type[SessionBase]:
    """The project's session store, doing for a new session only the writes it needs."""

    store: Any = import_module(engine).SessionStore
    # The engine's salt names its class: the data must decode with the engine's own.
    salt = store().key_salt

    class NewSession(*store_bases(store)):  # type: ignore[misc]
        #: The data as last written, so that SessionMiddleware's save after the view
        #: does not write the same row again.
        written: dict[str, Any] | None = None

        key_salt = salt

        def _get_new_session_key(self) -> str:
            # Django's looks for the key with a SELECT first. Outside a transaction
            # create() retries when the INSERT of a taken key fails; inside one,
            # the INSERT fails the transaction (see InsertInCallersTransaction).
            return random_token()

        def save(self, must_create: bool = False) -> None:
            data = dict(self.items())
            if not must_create and self.session_key is not None and data == self.written:
                return
            super().save(must_create=must_create)
            self.written = data

    return NewSession


def store_bases(store: type[SessionBase]) -> tuple[type[SessionBase], ...]:
    """``store``, with ``InsertInCallersTransaction`` when its rows are in the database.

    Placed after the project's store and before Django's database store in the
    method order, so that cached_db (or a project's subclass) still does its own part
    of ``save()`` around the INSERT.
    """
    if store is DatabaseSessionStore:
        return (InsertInCallersTransaction,)
    if issubclass(store, DatabaseSessionStore):
        return (store, InsertInCallersTransaction)
    return (store,)

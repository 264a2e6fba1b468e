"""Sessions, which are also this app's tokens: the one owner of how they start and are found.

The token *is* the session key, so a cookie and a bearer token share Django's session
machinery: ``login()``, ``logout()`` and a password change act on both alike.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, login
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, SessionBase
from django.http import HttpRequest
from django.utils.crypto import get_random_string


def session_for_token(token: str) -> SessionBase:
    """The session whose key is ``token``, in the project's session engine."""
    return import_module(settings.SESSION_ENGINE).SessionStore(token)


def log_in_new_visitor(request: HttpRequest, user: Any, *, backend: str) -> None:
    """Log ``user``, just created, in on a brand-new session, written by one INSERT.

    Call it inside the transaction that created ``user``: the session row then
    commits with it, holding its final data. Django's ``login()`` does the logging
    in (CSRF rotation, ``user_logged_in``); the session it finds already names
    ``user``, so it keeps it instead of first storing an empty one. The key is
    drawn here, never taken from the client, so session fixation stays impossible.
    """
    session = replace_session(
        request,
        {
            SESSION_KEY: user._meta.pk.value_to_string(user),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        },
    )
    login(request, user, backend=backend)
    session.create()


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


@cache
def new_session_class(engine: str) -> type[SessionBase]:
    """The project's session store, doing for a new session only the writes it needs."""

    store: Any = import_module(engine).SessionStore
    # The engine's salt names its class: the data must decode with the engine's own.
    salt = store().key_salt

    class NewSession(store):
        #: The data as last written, so that SessionMiddleware's save after the view
        #: does not write the same row again.
        written: dict[str, Any] | None = None

        key_salt = salt

        def _get_new_session_key(self) -> str:
            # Django's looks for the key with a SELECT first; create() already
            # retries when the INSERT of a taken key fails, so that SELECT can go.
            return get_random_string(32, VALID_KEY_CHARS)

        def save(self, must_create: bool = False) -> None:
            data = dict(self.items())
            if not must_create and data == self.written:
                return
            super().save(must_create=must_create)
            self.written = data

    return NewSession

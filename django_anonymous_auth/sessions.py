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
    session = new_visitor_session_class(settings.SESSION_ENGINE)()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # On Django's request, where SessionMiddleware looks; a DRF Request reads it there.
    getattr(request, "_request", request).session = session
    login(request, user, backend=backend)
    session.create()


@cache
def new_visitor_session_class(engine: str) -> type[SessionBase]:
    """The project's session store, doing for a new visitor only the writes it needs."""

    store: Any = import_module(engine).SessionStore
    # The engine's salt names its class: the data must decode with the engine's own.
    salt = store().key_salt

    class NewVisitorSession(store):
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

    return NewVisitorSession

"""Who was signed in when the request began: the one owner of that piece of request state.

``login()`` flushes the session and replaces ``request.user`` before it sends
``user_logged_in``, so the merge of a guest into the account they sign in to needs
the guest captured earlier. ``AnonymousAuthMiddleware`` notes it for session-cookie
requests, ``BearerSessionAuthentication`` for bearer-token requests, and the merge
takes it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import is_signed_in_anonymous_user

ATTRIBUTE = "_anonymous_auth_previous_user"


def remember(request: HttpRequest, user: Any) -> None:
    """Note who signed ``request``: ``user`` if it is an anonymous user, else nobody."""
    setattr(request, ATTRIBUTE, user if is_signed_in_anonymous_user(user) else None)


def peek(request: Any) -> Any:
    """Return the anonymous user noted for ``request`` (Django's or DRF's), and keep it noted."""
    return getattr(getattr(request, "_request", request), ATTRIBUTE, None)


def take(request: Any) -> Any:
    """Return the anonymous user noted for ``request`` (Django's or DRF's), and forget it.

    At most once per request: a view that calls ``login()`` twice merges once.
    """
    user = peek(request)
    setattr(getattr(request, "_request", request), ATTRIBUTE, None)  # a DRF Request wraps Django's
    return user

"""Remember who was signed in before a ``login()``; keep anonymous users' activity fresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .conf import app_settings

#: The request attribute holding the anonymous user signed in when the request began.
PREVIOUS_USER = "anonymous_auth_previous_user"


def remember_anonymous_user(request: HttpRequest, user: Any) -> None:
    """Note who signed the request: ``user`` if it is an anonymous user, else nobody."""
    is_anonymous_user = user.is_authenticated and getattr(user, "is_anonymous_user", False)
    setattr(request, PREVIOUS_USER, user if is_anonymous_user else None)


class AnonymousAuthMiddleware:
    """Place after ``AuthenticationMiddleware``.

    ``login()`` flushes the session and replaces ``request.user`` before it sends
    ``user_logged_in``, so the user a sign-in replaces must be read before the view
    runs. Only requests with a session cookie have one: requests without pay no query.
    Bearer-token requests are noted by ``BearerSessionAuthentication``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            remember_anonymous_user(request, request.user)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refresh_last_seen(request, user)
        return response


def refresh_last_seen(request: HttpRequest, user: Any) -> None:
    """Move an anonymous user's ``last_seen`` to now, at most once per interval.

    One UPDATE, and the session is marked modified so that its expiry slides too:
    the session is an anonymous user's only credential, and an active guest must
    keep it as long as the cleanup keeps the account.
    """
    if not getattr(user, "is_anonymous_user", False):
        return
    now = timezone.now()
    if user.last_seen is not None and now - user.last_seen < app_settings.ACTIVITY_UPDATE_INTERVAL:
        return
    user.__class__._default_manager.filter(pk=user.pk).update(last_seen=now)
    user.last_seen = now
    request.session.modified = True

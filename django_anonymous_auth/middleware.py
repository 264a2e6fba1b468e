"""Remember who was signed in before a ``login()``; keep anonymous users' activity fresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import LazyObject

from . import previous_user
from .conf import app_settings
from .models import is_signed_in_anonymous_user


class AnonymousAuthMiddleware:
    """Place after ``AuthenticationMiddleware``.

    Notes the anonymous user a sign-in may replace (see ``previous_user``) before the
    view runs. Only requests with a session cookie can have one: requests without
    pay no query. Having loaded the user, it hands the view the user itself rather
    than Django's lazy proxy, as ``login()`` does: every attribute read through the
    proxy costs a call.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            request.user = loaded(request.user)
            previous_user.remember(request, request.user)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if is_signed_in_anonymous_user(user):
            refresh_last_seen(request, user)
        return response


def loaded(user: Any) -> Any:
    """``user`` itself, out of the lazy proxy ``AuthenticationMiddleware`` sets, now loaded."""
    if isinstance(user, LazyObject):
        user.pk  # noqa: B018  loads it
        return user._wrapped
    return user


def refresh_last_seen(request: HttpRequest, user: Any) -> None:
    """Move the signed-in anonymous user's ``last_seen`` to now, at most once per interval.

    One UPDATE, and the session is marked modified so that its expiry slides too:
    the session is an anonymous user's only credential, and an active guest must
    keep it as long as the cleanup keeps the account.
    """
    now = timezone.now()
    if user.last_seen is not None and now - user.last_seen < app_settings.ACTIVITY_UPDATE_INTERVAL:
        return
    user.__class__._default_manager.filter(pk=user.pk).update(last_seen=now)
    user.last_seen = now
    request.session.modified = True

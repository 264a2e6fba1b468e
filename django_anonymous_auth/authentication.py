"""DRF authentication by Django session: a ``Bearer`` token or the session cookie.

The session auth hash check of ``django.contrib.auth.get_user`` applies to tokens
as it does to cookies (see ``sessions``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from . import previous_user
from .exceptions import CsrfFailed
from .sessions import user_for_token


class BearerSessionAuthentication(authentication.BaseAuthentication):
    """Authenticate ``Authorization: Bearer <session key>``; no CSRF token needed.

    The request then runs on that session, so signing out, linking and signing in
    change the token's session exactly as they would change a cookie's.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, str] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed bearer token."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Malformed bearer token.")) from None
        django_request = request._request
        user = user_for_token(django_request, key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        previous_user.remember(django_request, user)
        return user, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class CsrfSessionAuthentication(authentication.SessionAuthentication):
    """DRF's session-cookie authentication, failing with our ``CSRF_FAILED`` error."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            # Django's request, not DRF's: the CSRF check reads request.POST, which on
            # DRF's would parse the body, and sign-in/anonymous never reads its body.
            super().enforce_csrf(request._request)  # type: ignore[arg-type]
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed() from exc


def origin_is_trusted(request: HttpRequest) -> bool:
    """Tell whether the request comes from this site or a trusted one, as far as it says.

    The ``Origin`` header decides when present, by the rule of Django's
    ``CsrfViewMiddleware``: the request's own scheme and host, or an entry of
    ``CSRF_TRUSTED_ORIGINS`` (``https://*.example.com`` allowed). Without it, a
    request that changes state is refused when ``Sec-Fetch-Site`` says
    ``cross-site``, and otherwise judged by the origin of its ``Referer``, if any.
    This also guards requests that carry no session, which CSRF tokens cannot: a
    foreign page must not sign a visitor in to an account of its choosing.
    """
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return is_trusted_origin(request, origin)
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return True
    if request.META.get("HTTP_SEC_FETCH_SITE") == "cross-site":
        return False
    referer = request.META.get("HTTP_REFERER")
    if referer is None:
        return True  # not a browser, or one that tells nothing: the CSRF token decides
    try:
        parsed = urlsplit(referer)
    except ValueError:
        return False
    return is_trusted_origin(request, f"{parsed.scheme}://{parsed.netloc}")


def is_trusted_origin(request: HttpRequest, origin: str) -> bool:
    """Tell whether ``origin`` (``scheme://host[:port]``) is this site or a trusted one."""
    try:
        own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    except DisallowedHost:
        own = None
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin == own or origin in trusted:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, pattern.split("://", 1)[1][1:])
        for pattern in trusted
        if "://*." in pattern and pattern.split("://", 1)[0] == parsed.scheme
    )

"""The per-IP throttle of anonymous sign-in."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .conf import app_settings


class AnonymousSignInRateThrottle(SimpleRateThrottle):
    """Limit anonymous sign-ins per client IP to ``SIGN_IN_RATE``.

    The rate comes from ``ANONYMOUS_AUTH``, not DRF's ``DEFAULT_THROTTLE_RATES``; the
    count lives in the project's default cache.
    """

    scope = "anonymous_sign_in"

    def get_rate(self) -> str | None:
        return app_settings.SIGN_IN_RATE

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request: Request) -> str:
        """The client IP: ``REMOTE_ADDR``, or the ``X-Forwarded-For`` entry ``NUM_PROXIES`` picks.

        DRF's default (``NUM_PROXIES = None``) trusts the whole ``X-Forwarded-For``
        header, which any client can set to a new value per request: that would make
        this throttle a formality. Behind proxies, set ``NUM_PROXIES``.
        """
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)

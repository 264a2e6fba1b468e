"""The per-IP throttle of anonymous sign-in."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .conf import app_settings


class AnonymousSignInRateThrottle(SimpleRateThrottle):
    """Limit anonymous sign-ins per client IP to ``SIGN_IN_RATE``.

    The rate comes from ``ANONYMOUS_AUTH``, not DRF's ``DEFAULT_THROTTLE_RATES``; the
    count lives in the project's default cache; the client IP follows DRF's
    ``NUM_PROXIES`` rules.
    """

    scope = "anonymous_sign_in"

    def get_rate(self) -> str | None:
        return app_settings.SIGN_IN_RATE

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

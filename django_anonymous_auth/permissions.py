"""DRF permissions, usable by a project's own views too."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsAnonymousUser(BasePermission):
    """Allow only a signed-in anonymous user (nobody signed in: 401; a linked user: 403)."""

    message = _("Only an anonymous user can do this.")
    code = "USER_IS_NOT_ANONYMOUS"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_anonymous_user", False))

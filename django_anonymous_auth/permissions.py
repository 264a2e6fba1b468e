"""DRF permissions, usable by a project's own views too."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .exceptions import UserIsNotAnonymous
from .models import is_signed_in_anonymous_user


class IsAnonymousUser(BasePermission):
    """Allow only a signed-in anonymous user (nobody signed in: 401; a linked user: 403)."""

    message = UserIsNotAnonymous.default_detail
    code = UserIsNotAnonymous.default_code

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_signed_in_anonymous_user(request.user)

"""An anonymous user deletes itself."""

from __future__ import annotations

from django.contrib.auth import get_user_model, logout
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest

from .. import exceptions
from ..conf import app_settings


def delete_anonymous_user(*, request: HttpRequest) -> None:
    """Delete the signed-in anonymous user and end its session."""
    if not app_settings.ALLOW_SELF_DELETE:
        raise exceptions.SelfDeleteDisabled()
    user = request.user
    model = get_user_model()
    with transaction.atomic():
        # Lock the row link-account locks: an account being saved right now is
        # either saved first (and then not anonymous here) or deleted first.
        locked = model._default_manager.select_for_update().filter(pk=user.pk).first()
        if locked is None:  # deleted meanwhile (another tab, the cleanup)
            raise exceptions.Unauthorized()
        if not locked.is_anonymous_user:
            raise exceptions.UserIsNotAnonymous()
        try:
            locked.delete()
        except (ProtectedError, RestrictedError):
            raise exceptions.UserHasProtectedData() from None
    logout(request)

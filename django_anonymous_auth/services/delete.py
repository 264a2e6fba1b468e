"""An anonymous user deletes itself."""

from __future__ import annotations

from django.contrib.auth import logout
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest

from ..conf import app_settings
from ..exceptions import SelfDeleteDisabled, UserHasProtectedData
from .locks import lock_anonymous_user


def delete_anonymous_user(*, request: HttpRequest) -> None:
    """Delete the signed-in anonymous user and end its session."""
    if not app_settings.ALLOW_SELF_DELETE:
        raise SelfDeleteDisabled()
    with transaction.atomic():
        # An account being saved right now is either saved first (and then not
        # anonymous here) or deleted first.
        locked = lock_anonymous_user(request.user.pk)
        try:
            locked.delete()
        except (ProtectedError, RestrictedError):
            raise UserHasProtectedData() from None
    logout(request)

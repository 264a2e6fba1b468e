"""An anonymous user signs in to an existing account: its data follows it there."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from ..conf import app_settings
from ..middleware import PREVIOUS_USER
from ..signals import anonymous_user_merged

logger = logging.getLogger("django_anonymous_auth")


def merge_anonymous_user(*, anonymous_user: Any, user: Any, request: HttpRequest | None) -> bool:
    """Run ``ON_LINK_ACCOUNT``, send ``anonymous_user_merged``, delete the anonymous user.

    All in one transaction with the anonymous user's row locked (a concurrent
    link-account or cleanup waits). If anything raises, all of it rolls back, the
    error is logged with both ids and ``False`` is returned: the guest and its data
    stay, and the sign-in that led here still succeeds.
    """
    model = anonymous_user.__class__
    try:
        with transaction.atomic():
            locked = (
                model._default_manager.select_for_update()
                .filter(pk=anonymous_user.pk, is_anonymous_user=True)
                .first()
            )
            if locked is None:  # linked or deleted meanwhile: nothing to merge
                return False
            app_settings.import_hook("ON_LINK_ACCOUNT")(
                anonymous_user=locked, user=user, request=request
            )
            anonymous_user_merged.send(
                sender=model, anonymous_user=locked, user=user, request=request
            )
            if app_settings.DELETE_ANONYMOUS_USER_ON_LINK:
                locked.delete()
    except Exception:
        logger.exception(
            "Merging anonymous user %s into user %s failed and was rolled back; "
            "the anonymous user and its data are kept.",
            anonymous_user.pk,
            user.pk,
        )
        return False
    return True


def merge_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: merge the request's anonymous user into ``user``.

    Never when the new user is that anonymous user (link-account) or is itself
    anonymous (anonymous sign-in), and at most once per request.
    """
    if request is None:
        return
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    previous = getattr(request, PREVIOUS_USER, None)
    if previous is None or previous.pk == user.pk or getattr(user, "is_anonymous_user", False):
        return
    setattr(request, PREVIOUS_USER, None)
    merge_anonymous_user(anonymous_user=previous, user=user, request=request)

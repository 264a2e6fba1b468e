"""An anonymous user signs in to an existing account: its data follows it there."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from .. import previous_user
from ..conf import app_settings
from ..exceptions import Unauthorized, UserIsNotAnonymous
from ..models import is_signed_in_anonymous_user
from ..signals import anonymous_user_merged
from .locks import lock_anonymous_user

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
            try:
                locked = lock_anonymous_user(anonymous_user.pk)
            except (Unauthorized, UserIsNotAnonymous):  # linked or deleted meanwhile
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
    if request is None or is_signed_in_anonymous_user(user):
        return
    previous = previous_user.take(request)
    if previous is None or previous.pk == user.pk:
        return
    merge_anonymous_user(anonymous_user=previous, user=user, request=request)

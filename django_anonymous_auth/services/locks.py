"""Lock an anonymous user's row and re-check it: the step every change of one begins with."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from ..exceptions import Unauthorized, UserIsNotAnonymous
from ..models import user_queryset


def lock_anonymous_user(pk: Any) -> Any:
    """Return the user ``pk``, its row locked until the transaction ends; it must be anonymous.

    Link, self-delete and merge lock the same row, so of two that race, the second
    sees what the first did. Raises ``Unauthorized`` when the user is gone (deleted
    in another tab, by the cleanup) and ``UserIsNotAnonymous`` when it was linked.
    Call it inside ``transaction.atomic()``.
    """
    locked = user_queryset(get_user_model()).select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Unauthorized()
    if not locked.is_anonymous_user:
        raise UserIsNotAnonymous()
    return locked

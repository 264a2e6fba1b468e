"""Delete abandoned anonymous users (the rule that says which, over the batch engine),
and the sign-in limit's ended counters."""

from __future__ import annotations

import time
from datetime import timedelta

from django.contrib.auth import get_user_model

from ..conf import app_settings
from ..models import RateCounter, expiry_cutoff, user_queryset
from .bulk_delete import Progress, bulk_delete_anonymous_users


def delete_expired_anonymous_users(
    *,
    older_than: timedelta | None = None,
    batch_size: int = 1000,
    workers: int = 1,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Delete anonymous users not seen for ``older_than``; return how many were deleted.

    ``older_than`` defaults to ``ANONYMOUS_AUTH["EXPIRE_AFTER"]`` and must be longer
    than ``ACTIVITY_UPDATE_INTERVAL``. An anonymous user is expired when its
    ``last_seen`` (or, if never set, its ``date_joined``) is older. With ``dry_run``
    nothing is deleted and the number that would be is returned. Users that protected
    data refers to are kept and counted in the ``protected`` of the stats given to
    ``progress``. See ``bulk_delete_anonymous_users`` for ``batch_size`` and ``workers``.
    """
    cutoff = expiry_cutoff(app_settings.EXPIRE_AFTER if older_than is None else older_than)
    expired = user_queryset(get_user_model()).expired(cutoff)
    if dry_run:
        return expired.count()
    stats = bulk_delete_anonymous_users(
        expired, batch_size=batch_size, workers=workers, progress=progress
    )
    return stats.deleted


def delete_ended_rate_counters() -> int:
    """Delete the database store's counters whose window has ended; return how many.

    A client's next request would start its counter afresh anyway; without this,
    the table keeps a row for every client ever seen.
    """
    deleted, _ = RateCounter.objects.filter(window_end__lt=time.time()).delete()
    return deleted

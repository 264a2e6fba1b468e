"""Delete anonymous users: abandoned ones in bulk, or a chosen set from the admin.

Set-based and batched, so the work per batch is a fixed number of statements and
memory stays flat whatever the table size: the primary keys of one batch are
selected, then deleted with ``QuerySet.delete()`` (whose collector removes the rows
that reference them, by their ``on_delete`` rules), then the next batch follows on
from the last primary key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.utils import timezone

from ..conf import app_settings
from ..models import AnonymousUserQuerySet

logger = logging.getLogger("django_anonymous_auth")


@dataclass
class DeletionStats:
    """How far a bulk deletion has got; passed to ``progress`` after each batch."""

    deleted: int = 0
    #: Anonymous users kept because a ``PROTECT`` or ``RESTRICT`` reference holds them.
    protected: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Users deleted per second so far."""
        return self.deleted / self.elapsed if self.elapsed > 0 else 0.0


Progress = Callable[[DeletionStats], None]


def delete_expired_anonymous_users(
    *,
    older_than: timedelta | None = None,
    batch_size: int = 1000,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Delete anonymous users not seen for ``older_than``; return how many were deleted.

    ``older_than`` defaults to ``ANONYMOUS_AUTH["EXPIRE_AFTER"]``. An anonymous user
    is expired when its ``last_seen`` (or, if never set, its ``date_joined``) is
    older. With ``dry_run`` nothing is deleted and the number that would be is
    returned. Users that protected data refers to are kept and counted in the
    ``protected`` of the stats given to ``progress``.
    """
    if older_than is None:
        older_than = app_settings.EXPIRE_AFTER
    if older_than <= timedelta(0):
        raise ValueError("older_than must be a positive duration")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    # Any manager will do: the selection needs the queryset methods, not the project's manager.
    expired = AnonymousUserQuerySet(model=get_user_model()).expired(timezone.now() - older_than)
    if dry_run:
        return expired.count()
    return bulk_delete_anonymous_users(expired, batch_size=batch_size, progress=progress).deleted


def bulk_delete_anonymous_users(
    queryset: QuerySet[Any], *, batch_size: int = 1000, progress: Progress | None = None
) -> DeletionStats:
    """Delete the anonymous users of ``queryset`` a batch at a time; linked ones stay.

    Every batch is one transaction that selects the next primary keys and deletes
    the rows that *still* match ``queryset`` and are still anonymous, so a user
    linked between the two statements is kept. On databases with ``SKIP LOCKED``
    (PostgreSQL) the selection locks its rows and skips those another transaction
    holds, such as a link-account in progress: cleanup neither waits for them nor
    deletes them. A user that a ``PROTECT``/``RESTRICT`` reference holds is kept,
    logged and counted; the rest of its batch is deleted.
    """
    queryset = queryset.filter(is_anonymous_user=True).order_by()
    stats = DeletionStats()
    last_pk = None
    while True:
        with transaction.atomic(using=queryset.db):
            pks = select_batch(queryset, after=last_pk, size=batch_size)
            if not pks:
                break
            deleted, protected = delete_or_split(queryset, pks)
        # Paging by primary key rather than re-running the selection from the start
        # keeps every batch cheap and never revisits kept (protected, locked) rows.
        last_pk = pks[-1]
        stats.deleted += deleted
        stats.protected += len(protected)
        stats.batches += 1
        for pk in protected:
            logger.warning("Kept anonymous user %s: protected data refers to it.", pk)
        if progress is not None:
            progress(stats)
    return stats


def select_batch(queryset: QuerySet[Any], *, after: Any, size: int) -> list[Any]:
    """Return up to ``size`` primary keys of ``queryset`` above ``after``, in order.

    Must run inside the batch's transaction: the rows stay locked until it ends.
    """
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    if connections[queryset.db].features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:size])


def delete_or_split(queryset: QuerySet[Any], pks: list[Any]) -> tuple[int, list[Any]]:
    """Delete the users of ``queryset`` among ``pks``; return (deleted, protected pks).

    When a protected reference stops the whole set, halve it and retry each half,
    so k protected users in a batch of n cost about k * log2(n) extra attempts and
    the others are still deleted.
    """
    try:
        # A savepoint, so a failed attempt leaves the batch's transaction usable.
        with transaction.atomic(using=queryset.db):
            _, per_model = queryset.filter(pk__in=pks).delete()
    except (ProtectedError, RestrictedError):
        if len(pks) == 1:
            return 0, pks
        middle = len(pks) // 2
        first_deleted, first_protected = delete_or_split(queryset, pks[:middle])
        rest_deleted, rest_protected = delete_or_split(queryset, pks[middle:])
        return first_deleted + rest_deleted, first_protected + rest_protected
    return per_model.get(queryset.model._meta.label, 0), []

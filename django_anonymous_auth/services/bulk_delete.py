"""Delete a set of anonymous users in batches: the engine under the cleanup and the admin action.

Set-based and batched, so memory stays flat and the work per batch is a fixed
number of statements whatever the table size: the primary keys of one batch are
selected (and, on PostgreSQL, locked), then deleted with one statement per table
that references users, then the next batch follows on from the last key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.models import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    ForeignObject,
    ForeignObjectRel,
    ProtectedError,
    QuerySet,
    RestrictedError,
    signals,
)
from django.db.models.deletion import Collector, get_candidate_relations_to_delete
from django.db.models.expressions import RawSQL

from ..models import ANONYMOUS

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


def bulk_delete_anonymous_users(
    queryset: QuerySet[Any],
    *,
    batch_size: int = 1000,
    workers: int = 1,
    progress: Progress | None = None,
) -> DeletionStats:
    """Delete the anonymous users of ``queryset`` a batch at a time; linked ones stay.

    Every batch is one transaction that selects the next primary keys, then deletes
    the rows that *still* match ``queryset`` and are still anonymous, so a user
    linked between the two statements is kept. On databases with ``SKIP LOCKED``
    (PostgreSQL) the selection locks its rows and skips those another transaction
    holds, such as a link-account in progress: cleanup neither waits for them nor
    deletes them. A user that a ``PROTECT``/``RESTRICT`` reference holds is kept,
    logged and counted; the rest of its batch is deleted.

    ``workers`` > 1 runs that many batches at once, each in its own thread and
    database connection (databases with ``SKIP LOCKED`` only, outside any
    transaction): the database's own per-row foreign-key checks at commit are most
    of the cost, and they then use more than one CPU.
    """
    if batch_size < 1 or workers < 1:
        raise ValueError("batch_size and workers must be at least 1")
    deletion = BulkDeletion(queryset, batch_size=batch_size, progress=progress)
    if workers == 1:
        deletion.run()
    else:
        deletion.run_in_threads(workers)
    return deletion.stats


class BulkDeletion:
    """The state that the batches of one bulk deletion share."""

    def __init__(
        self, queryset: QuerySet[Any], *, batch_size: int, progress: Progress | None
    ) -> None:
        # Deletes and row locks go to the database that takes the writes, whatever the
        # router says for reads (queryset.db is the read alias).
        self.db = router.db_for_write(queryset.model)
        self.queryset = queryset.filter(ANONYMOUS).using(self.db).order_by()
        self.batch_size = batch_size
        self.progress = progress
        self.plan = set_based_plan(self.queryset.model, using=self.db)
        self.stats = DeletionStats()
        # Paging by primary key, rather than re-running the selection from the start,
        # keeps every batch cheap and never revisits kept (protected, locked) rows.
        self.last_pk: Any = None
        self.lock = threading.Lock()
        self.failed = False

    def run(self) -> None:
        """Delete batch after batch until the selection is exhausted."""
        while not self.failed:
            with transaction.atomic(using=self.db):
                with self.lock:  # workers take consecutive, disjoint batches
                    pks = select_batch(self.queryset, after=self.last_pk, size=self.batch_size)
                    if pks:
                        self.last_pk = pks[-1]
                if not pks:
                    return
                if self.plan is None:
                    deleted, protected = delete_or_split(self.queryset, pks)
                else:
                    deleted, protected = self.plan.delete(self.queryset, pks)
            self.record(deleted, protected)

    def record(self, deleted: int, protected: list[Any]) -> None:
        for pk in protected:
            logger.warning("Kept anonymous user %s: protected data refers to it.", pk)
        with self.lock:
            self.stats.deleted += deleted
            self.stats.protected += len(protected)
            self.stats.batches += 1
            if self.progress is not None:
                self.progress(self.stats)

    def run_in_threads(self, workers: int) -> None:
        """Run ``workers`` threads of :meth:`run`; raise the first error any of them hit."""
        if not connections[self.db].features.has_select_for_update_skip_locked:
            raise ValueError("workers > 1 needs a database with SKIP LOCKED, such as PostgreSQL")
        if transaction.get_connection(self.db).in_atomic_block:
            raise ValueError("workers > 1 commits in other connections: call it outside atomic()")
        errors: list[BaseException] = []

        def work() -> None:
            try:
                self.run()
            except BaseException as exc:
                errors.append(exc)
                self.failed = True  # the other workers stop after their current batch
            finally:
                connections.close_all()  # this thread's connections only

        threads = [threading.Thread(target=work) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]


def select_batch(queryset: QuerySet[Any], *, after: Any, size: int) -> list[Any]:
    """Return up to ``size`` primary keys of ``queryset`` above ``after``, in order.

    Must run inside the batch's transaction: the rows stay locked until it ends.
    """
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    if connections[queryset.db].features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:size])


@dataclass(frozen=True)
class SetBasedPlan:
    """The relations to users, when each can be handled by one statement per batch."""

    cascades: tuple[ForeignObject, ...]
    protects: tuple[ForeignObject, ...]

    def delete(self, queryset: QuerySet[Any], pks: list[Any]) -> tuple[int, list[Any]]:
        """Delete the users of ``queryset`` among ``pks``; return (deleted, protected pks).

        Users that a ``PROTECT`` reference holds are left out first. Then every delete
        statement re-checks ``queryset`` (anonymous, expired), the cascades through a
        subquery, so a user linked meanwhile keeps its rows too.
        """
        db = queryset.db
        protected: set[Any] = set()
        for fk in self.protects:
            referencing = fk.model._base_manager.using(db).filter(
                **{f"{fk.attname}__in": key_list(queryset, pks)}
            )
            protected.update(referencing.values_list(fk.attname, flat=True).distinct())
        deletable = [pk for pk in pks if pk not in protected]
        if not deletable:
            return 0, sorted(protected)
        users = queryset.filter(pk__in=key_list(queryset, deletable))
        for fk in self.cascades:
            rows = fk.model._base_manager.using(db).filter(
                **{f"{fk.attname}__in": users.values("pk")}
            )
            # The one statement Django's own collector issues for a "fast delete".
            rows._raw_delete(db)
        return users._raw_delete(db), sorted(protected)


def set_based_plan(model: type[Any], *, using: str) -> SetBasedPlan | None:
    """Plan set-based deletion of ``model``'s rows, or None when Django's collector must.

    Possible when Django's collector itself would load no related rows: no delete
    signal receivers on the user model, no parent model or generic relation, and
    every foreign key to it targets its primary key and is ``DO_NOTHING``,
    ``PROTECT``, or ``CASCADE`` from a model the collector would "fast delete" (no
    receivers, nothing cascading further). Otherwise, loading instances is what it
    takes to send signals and follow the cascade.
    """
    opts = model._meta
    if (
        signals.pre_delete.has_listeners(model)
        or signals.post_delete.has_listeners(model)
        or opts.parents
        or any(hasattr(f, "bulk_related_objects") for f in opts.private_fields)
    ):
        return None
    collector = Collector(using=using)
    cascades, protects = [], []
    for related in get_candidate_relations_to_delete(opts):
        fk = cast(ForeignObjectRel, related).field
        on_delete = fk.remote_field.on_delete
        if fk.target_field != opts.pk:
            return None
        if on_delete is PROTECT:
            protects.append(fk)
        elif on_delete is CASCADE and collector.can_fast_delete(
            fk.model,  # type: ignore[arg-type]  # a model class, as Collector.collect passes
            from_field=fk,
        ):
            cascades.append(fk)
        elif on_delete is not DO_NOTHING:
            return None
    return SetBasedPlan(tuple(cascades), tuple(protects))


def key_list(queryset: QuerySet[Any], pks: list[Any]) -> Any:
    """Give ``pks`` as the right-hand side of an ``__in`` lookup on ``queryset``'s database.

    On PostgreSQL as one array parameter: a thousand placeholders cost Django and
    psycopg about 3 ms per statement to build and the server more to parse.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return pks
    element = queryset.model._meta.pk.rel_db_type(connection)
    return RawSQL(f"SELECT unnest(%s::{element}[])", [pks])


def delete_or_split(queryset: QuerySet[Any], pks: list[Any]) -> tuple[int, list[Any]]:
    """Delete through Django's collector; return (deleted, protected pks).

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

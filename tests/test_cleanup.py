from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models.signals import post_delete
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from django_anonymous_auth.models import RateCounter
from django_anonymous_auth.services import (
    DeletionStats,
    bulk_delete,
    delete_expired_anonymous_users,
)

from .helpers import api, make_anonymous_user, session_user, sign_in_anonymously
from .testapp.models import Invoice, Note

pytestmark = pytest.mark.django_db

THIRTY_DAYS = timedelta(days=30)


def idle_anonymous_user(
    *, seen: timedelta | None = timedelta(0), joined: timedelta = timedelta(0)
) -> Any:
    """Create an anonymous user last seen ``seen`` ago (None: never), joined ``joined`` ago."""
    now = timezone.now()
    return make_anonymous_user(
        last_seen=None if seen is None else now - seen, date_joined=now - joined
    )


@pytest.fixture(params=["set-based", "collector"])
def deletion_path(request: pytest.FixtureRequest, user_model: type[Any]) -> Iterator[list[Any]]:
    """Run a test on the set-based path, then on Django's collector.

    A ``post_delete`` receiver for the user model is what sends cleanup through the
    collector (signals need model instances); it records the users it was sent.
    """
    sent: list[Any] = []
    if request.param == "set-based":
        yield sent
        return

    def receiver(sender: type[Any], instance: Any, **kwargs: Any) -> None:
        sent.append(instance.pk)

    post_delete.connect(receiver, sender=user_model)
    try:
        yield sent
    finally:
        post_delete.disconnect(receiver, sender=user_model)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def existing(user_model: type[Any], *users: Any) -> set[Any]:
    """The primary keys of ``users`` that are still in the database."""
    return set(
        user_model._default_manager.filter(pk__in=[u.pk for u in users]).values_list(
            "pk", flat=True
        )
    )


class Recorder:
    """A ``progress`` callback that keeps a copy of every report."""

    def __init__(self) -> None:
        self.reports: list[DeletionStats] = []

    def __call__(self, stats: DeletionStats) -> None:
        self.reports.append(DeletionStats(stats.deleted, stats.protected, stats.batches))


# The selection ------------------------------------------------------------------------


def test_deletes_anonymous_users_not_seen_for_longer_than_the_cutoff(user_model, deletion_path):
    old = [idle_anonymous_user(seen=days(31), joined=days(90)) for _ in range(3)]
    recent = idle_anonymous_user(seen=days(29), joined=days(90))

    deleted = delete_expired_anonymous_users(older_than=THIRTY_DAYS)

    assert deleted == 3
    assert existing(user_model, *old, recent) == {recent.pk}


def test_a_never_seen_anonymous_user_expires_by_its_date_joined(user_model):
    old = idle_anonymous_user(seen=None, joined=days(31))
    new = idle_anonymous_user(seen=None, joined=days(29))

    assert delete_expired_anonymous_users(older_than=THIRTY_DAYS) == 1
    assert existing(user_model, old, new) == {new.pk}


def test_linked_users_are_never_deleted_however_long_unseen(make_user, user_model):
    linked = make_user()
    long_ago = timezone.now() - days(400)
    user_model._default_manager.filter(pk=linked.pk).update(
        last_seen=long_ago, date_joined=long_ago
    )

    assert delete_expired_anonymous_users(older_than=THIRTY_DAYS) == 0
    assert existing(user_model, linked) == {linked.pk}


def test_the_default_cutoff_is_expire_after(user_model, settings):
    settings.ANONYMOUS_AUTH = {"EXPIRE_AFTER": days(7)}
    old, recent = idle_anonymous_user(seen=days(8)), idle_anonymous_user(seen=days(6))

    assert delete_expired_anonymous_users() == 1
    assert existing(user_model, old, recent) == {recent.pk}


@pytest.mark.parametrize("older_than", [timedelta(0), -days(1), timedelta(hours=23), days(1)])
def test_a_cutoff_within_the_activity_interval_is_refused(user_model, older_than):
    # last_seen moves once a day: a guest active a minute ago may look 23 hours idle.
    active_a_minute_ago = idle_anonymous_user(seen=timedelta(hours=23))
    with pytest.raises(ValueError, match="ACTIVITY_UPDATE_INTERVAL"):
        delete_expired_anonymous_users(older_than=older_than)
    assert existing(user_model, active_a_minute_ago) == {active_a_minute_ago.pk}


def test_command_refuses_a_cutoff_within_the_activity_interval(user_model):
    active = idle_anonymous_user(seen=timedelta(hours=13))
    with pytest.raises(CommandError, match="ACTIVITY_UPDATE_INTERVAL"):
        run("--older-than", "12h")
    assert existing(user_model, active) == {active.pk}


def test_dry_run_counts_and_deletes_nothing(user_model):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(2)]

    assert delete_expired_anonymous_users(older_than=THIRTY_DAYS, dry_run=True) == 2
    assert existing(user_model, *old) == {u.pk for u in old}


# Batches ------------------------------------------------------------------------------


def test_deletes_in_batches_and_reports_progress_after_each(user_model, deletion_path):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(5)]
    progress = Recorder()

    deleted = delete_expired_anonymous_users(
        older_than=THIRTY_DAYS, batch_size=2, progress=progress
    )

    assert deleted == 5
    assert [(r.deleted, r.batches) for r in progress.reports] == [(2, 1), (4, 2), (5, 3)]
    assert existing(user_model, *old) == set()


def test_a_batch_costs_the_same_statements_whatever_its_size(user_model, deletion_path):
    """Set-based: one statement per table per batch, never one per user."""

    def statements_to_delete(count: int) -> int:
        for _ in range(count):
            Note.objects.create(owner=idle_anonymous_user(seen=days(31)), text="a guest's note")
        with CaptureQueriesContext(connection) as queries:
            assert delete_expired_anonymous_users(older_than=THIRTY_DAYS, batch_size=count) == (
                count
            )
        return len(queries)

    assert statements_to_delete(2) == statements_to_delete(40)


def test_delete_receivers_are_sent_every_deleted_user(user_model):
    old, recent = [idle_anonymous_user(seen=days(31)) for _ in range(3)], idle_anonymous_user()
    sent: list[Any] = []

    def receiver(sender: type[Any], instance: Any, **kwargs: Any) -> None:
        sent.append(instance.pk)

    post_delete.connect(receiver, sender=user_model)
    try:
        delete_expired_anonymous_users(older_than=THIRTY_DAYS, batch_size=2)
    finally:
        post_delete.disconnect(receiver, sender=user_model)

    assert sorted(sent) == sorted(u.pk for u in old)
    assert existing(user_model, *old, recent) == {recent.pk}


def test_rows_that_reference_a_deleted_user_go_by_their_on_delete_rule(user_model, deletion_path):
    old, recent = idle_anonymous_user(seen=days(31)), idle_anonymous_user()
    Note.objects.create(owner=old, text="gone with its owner")
    kept = Note.objects.create(owner=recent, text="stays")

    delete_expired_anonymous_users(older_than=THIRTY_DAYS)

    assert list(Note.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_protected_user_is_kept_and_the_rest_of_its_batch_is_deleted(
    user_model, caplog, deletion_path
):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(5)]
    invoice = Invoice.objects.create(owner=old[2], number="2026-001")
    progress = Recorder()

    with caplog.at_level(logging.WARNING, logger="django_anonymous_auth"):
        deleted = delete_expired_anonymous_users(
            older_than=THIRTY_DAYS, batch_size=5, progress=progress
        )

    assert deleted == 4
    assert existing(user_model, *old) == {old[2].pk}
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert progress.reports[-1].protected == 1
    assert f"Kept anonymous user {old[2].pk}" in caplog.text


def test_protected_users_never_stall_the_run(user_model, deletion_path):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(12)]
    protected = old[::2]
    for number, user in enumerate(protected):
        Invoice.objects.create(owner=user, number=str(number))
    progress = Recorder()

    deleted = delete_expired_anonymous_users(
        older_than=THIRTY_DAYS, batch_size=3, progress=progress
    )

    assert deleted == 6
    assert existing(user_model, *old) == {u.pk for u in protected}
    assert progress.reports[-1].protected == 6
    assert progress.reports[-1].batches == 4  # each user selected once, never again


def test_a_user_linked_between_selection_and_deletion_is_kept(
    user_model, monkeypatch, deletion_path
):
    """The delete statement re-checks the flag: what SKIP LOCKED guards against on PostgreSQL."""
    old = [idle_anonymous_user(seen=days(31)) for _ in range(3)]
    note = Note.objects.create(owner=old[1], text="must stay with its owner")
    select_batch = bulk_delete.select_batch

    def select_then_link(*args: Any, **kwargs: Any) -> list[Any]:
        pks = select_batch(*args, **kwargs)
        user_model._default_manager.filter(pk=old[1].pk).update(is_anonymous_user=False)
        return pks

    monkeypatch.setattr(bulk_delete, "select_batch", select_then_link)

    assert delete_expired_anonymous_users(older_than=THIRTY_DAYS) == 2
    assert existing(user_model, *old) == {old[1].pk}
    assert Note.objects.filter(pk=note.pk).exists()


def test_a_user_seen_again_between_selection_and_deletion_is_kept(
    user_model, monkeypatch, deletion_path
):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(3)]
    select_batch = bulk_delete.select_batch

    def select_then_touch(*args: Any, **kwargs: Any) -> list[Any]:
        pks = select_batch(*args, **kwargs)
        user_model._default_manager.filter(pk=old[0].pk).update(last_seen=timezone.now())
        return pks

    monkeypatch.setattr(bulk_delete, "select_batch", select_then_touch)

    assert delete_expired_anonymous_users(older_than=THIRTY_DAYS) == 2
    assert existing(user_model, *old) == {old[0].pk}


# Sessions -----------------------------------------------------------------------------


def test_the_sessions_of_deleted_users_stop_working(user_model):
    cache.clear()  # the sign-in throttle
    expired_client, active_client = APIClient(), APIClient()
    expired_id = sign_in_anonymously(expired_client)["user"]["id"]
    active_id = sign_in_anonymously(active_client)["user"]["id"]
    user_model._default_manager.filter(pk=expired_id).update(last_seen=timezone.now() - days(31))

    assert delete_expired_anonymous_users(older_than=THIRTY_DAYS) == 1

    response = expired_client.get(api("get-session"))
    assert response.status_code == 200
    assert response.content == b"null"
    assert session_user(active_client)["id"] == active_id


# The command --------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    """Run delete_anonymous_users; return (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("delete_anonymous_users", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_deletes_and_reports_progress_on_stderr_and_the_count_on_stdout(user_model):
    old, recent = (
        [idle_anonymous_user(seen=days(31)) for _ in range(3)],
        idle_anonymous_user(seen=days(1)),
    )

    out, err = run("--older-than", "30d", "--batch-size", "2")

    assert existing(user_model, *old, recent) == {recent.pk}
    assert out == "Deleted 3 anonymous users not seen for 30 days.\n"
    assert "Deleted 3 anonymous users in 2 batches" in err
    assert "users/s" in err


def test_command_at_verbosity_2_reports_every_batch():
    for _ in range(3):
        idle_anonymous_user(seen=days(31))

    _, err = run("--older-than", "30d", "--batch-size", "1", "--verbosity", "2")

    assert [line.split(",")[0] for line in err.splitlines()] == [
        "Deleted 1 anonymous user in 1 batches",
        "Deleted 2 anonymous users in 2 batches",
        "Deleted 3 anonymous users in 3 batches",
    ]


@pytest.mark.parametrize(
    ("older_than", "deleted"), [("90m", True), ("12h", False), ("1d", False), ("100m", True)]
)
def test_command_older_than_takes_days_hours_or_minutes(user_model, settings, older_than, deleted):
    settings.ANONYMOUS_AUTH = {"ACTIVITY_UPDATE_INTERVAL": timedelta(minutes=10)}
    seen_two_hours_ago = idle_anonymous_user(seen=timedelta(hours=2))

    run("--older-than", older_than)

    assert bool(existing(user_model, seen_two_hours_ago)) is not deleted


def test_command_defaults_to_expire_after(user_model, settings):
    settings.ANONYMOUS_AUTH = {"EXPIRE_AFTER": days(7)}
    old, recent = idle_anonymous_user(seen=days(8)), idle_anonymous_user(seen=days(6))

    out, _ = run()

    assert existing(user_model, old, recent) == {recent.pk}
    assert out == "Deleted 1 anonymous user not seen for 7 days.\n"


def test_command_dry_run_counts_and_deletes_nothing(user_model):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(2)]

    out, _ = run("--older-than", "30d", "--dry-run")

    assert out == "Would delete 2 anonymous users not seen for 30 days.\n"
    assert existing(user_model, *old) == {u.pk for u in old}


def test_command_reports_the_users_that_protected_data_kept(user_model):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(3)]
    Invoice.objects.create(owner=old[0], number="2026-001")

    out, err = run("--older-than", "30d")

    assert existing(user_model, *old) == {old[0].pk}
    assert "Kept 1 anonymous user that protected data refers to." in err
    assert out == "Deleted 2 anonymous users not seen for 30 days.\n"


@pytest.mark.parametrize("value", ["30", "30x", "d", "0d", "-1d", "1.5d", "30 days", ""])
def test_command_refuses_a_malformed_older_than(user_model, value):
    old = idle_anonymous_user(seen=days(31))

    with pytest.raises(CommandError, match=r"--older-than must be .* such as 30d, 12h or 90m"):
        run(f"--older-than={value}")

    assert existing(user_model, old) == {old.pk}


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_command_refuses_a_batch_size_below_one(db, value):
    with pytest.raises(CommandError, match="--batch-size"):
        run(f"--batch-size={value}")


# Concurrency on PostgreSQL --------------------------------------------------------------


def link_in_place(user_model: type[Any], pk: Any, *, while_locked: Callable[[], None]) -> bool:
    """Link a user as link-account does (row locked); False if it was deleted first."""
    with transaction.atomic():
        user = user_model._default_manager.select_for_update().filter(pk=pk).first()
        if user is None:
            return False
        user.is_anonymous_user = False
        user.save(update_fields=["is_anonymous_user"])
        while_locked()
    return True


def in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    """A thread that runs ``target``, records what it raises and closes its connection."""

    def run() -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real row locks and SKIP LOCKED")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 2])
def test_users_being_linked_are_skipped_not_waited_for_and_kept(postgres_only, user_model, workers):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(10)]
    linking = old[::2]
    all_locked = threading.Barrier(len(linking) + 1, timeout=10)
    committed = threading.Event()
    errors: list[BaseException] = []

    def link(pk: Any) -> None:
        def hold_the_lock() -> None:
            all_locked.wait()
            time.sleep(2)  # link-account is in progress while the cleanup runs

        link_in_place(user_model, pk, while_locked=hold_the_lock)
        committed.set()

    threads = [in_thread(lambda pk=u.pk: link(pk), errors) for u in linking]
    all_locked.wait()
    deleted = delete_expired_anonymous_users(older_than=THIRTY_DAYS, batch_size=3, workers=workers)
    finished_while_locked = not committed.is_set()
    for thread in threads:
        thread.join()

    assert errors == []
    assert finished_while_locked  # skipped the locked rows rather than waiting for them
    assert deleted == len(old) - len(linking)
    assert set(user_model._default_manager.values_list("pk", "is_anonymous_user")) == {
        (u.pk, False) for u in linking
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_links_racing_a_cleanup_never_lose_a_linked_user(postgres_only, user_model, deletion_path):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(150)]
    targets = [u.pk for u in old[::2]]
    random.Random(5).shuffle(targets)
    linked: list[Any] = []
    gone: list[Any] = []
    start = threading.Barrier(4, timeout=10)
    errors: list[BaseException] = []

    def linker(pks: list[Any]) -> None:
        start.wait()
        for pk in pks:
            done = link_in_place(user_model, pk, while_locked=lambda: time.sleep(0.002))
            (linked if done else gone).append(pk)

    threads = [in_thread(lambda part=targets[i::3]: linker(part), errors) for i in range(3)]
    start.wait()
    deleted = delete_expired_anonymous_users(older_than=THIRTY_DAYS, batch_size=5)
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(linked + gone) == sorted(targets)
    assert deleted == len(old) - len(linked)
    assert set(user_model._default_manager.values_list("pk", "is_anonymous_user")) == {
        (pk, False) for pk in linked
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_delete_every_expired_user_exactly_once(postgres_only, user_model):
    old = [idle_anonymous_user(seen=days(31)) for _ in range(60)]
    protected = old[::10]
    for number, user in enumerate(protected):
        Invoice.objects.create(owner=user, number=str(number))
    fresh = [idle_anonymous_user(seen=days(1)) for _ in range(5)]
    progress = Recorder()

    deleted = delete_expired_anonymous_users(
        older_than=THIRTY_DAYS, batch_size=4, workers=3, progress=progress
    )

    assert deleted == 54
    assert progress.reports[-1].protected == 6
    assert progress.reports[-1].deleted == 54
    assert existing(user_model, *old, *fresh) == {u.pk for u in [*protected, *fresh]}


@pytest.mark.postgres
def test_workers_refuse_to_run_inside_a_transaction(postgres_only, user_model):
    old = idle_anonymous_user(seen=days(31))
    with transaction.atomic(), pytest.raises(ValueError, match="outside atomic"):
        delete_expired_anonymous_users(older_than=THIRTY_DAYS, workers=2)
    assert existing(user_model, old) == {old.pk}


def test_workers_need_a_database_with_skip_locked(user_model):
    if connection.features.has_select_for_update_skip_locked:
        pytest.skip("this database can run workers")
    old = idle_anonymous_user(seen=days(31))

    with pytest.raises(CommandError, match="SKIP LOCKED"):
        run("--workers", "2")

    assert existing(user_model, old) == {old.pk}


def test_command_deletes_the_rate_counters_whose_window_ended(db):
    now = int(time.time())
    RateCounter.objects.create(key="ended", hits=3, window_end=now - 1)
    RateCounter.objects.create(key="open", hits=3, window_end=now + 60)

    _, err = run("--older-than", "30d")

    assert list(RateCounter.objects.values_list("key", flat=True)) == ["open"]
    assert "Deleted 1 ended rate-limit counter." in err


@pytest.mark.parametrize("older_than", ["999999999d", "99999999999999999999d"])
def test_an_age_python_cannot_count_back_is_a_command_error(db, older_than):
    with pytest.raises(CommandError, match=r"older-than|expiry age"):
        run("--older-than", older_than)

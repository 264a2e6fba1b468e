"""``manage.py delete_anonymous_users``: delete anonymous users not seen for a while."""

from __future__ import annotations

import re
import time
from argparse import ArgumentParser, ArgumentTypeError
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...conf import app_settings
from ...services import (
    DeletionStats,
    delete_ended_rate_counters,
    delete_expired_anonymous_users,
)

UNITS = {"d": "days", "h": "hours", "m": "minutes"}
DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")

#: Seconds between two progress lines at the default verbosity.
PROGRESS_INTERVAL = 1.0


def parse_duration(value: str) -> timedelta:
    """Turn ``30d``, ``12h`` or ``90m`` into a positive ``timedelta``."""
    match = DURATION.match(value)
    if match is None or int(match[1]) == 0:
        raise ValueError(
            f"--older-than must be a positive whole number followed by d (days), h (hours) "
            f"or m (minutes), such as 30d, 12h or 90m; got {value!r}."
        )
    try:
        return timedelta(**{UNITS[match[2]]: int(match[1])})
    except OverflowError:
        raise ValueError(f"--older-than {value} is longer than Python can count.") from None


def positive_int(value: str) -> int:
    """Parse ``--batch-size``: a whole number of at least 1."""
    if not value.isdigit() or int(value) < 1:
        raise ArgumentTypeError(f"must be a whole number of at least 1; got {value!r}")
    return int(value)


class Command(BaseCommand):
    help = (
        "Delete anonymous users whose last activity (or, if never seen, sign-up) is older "
        "than --older-than, in batches, then the rate limits' ended counters. Linked "
        "users are never deleted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than",
            metavar="AGE",
            help="30d, 12h or 90m (default: ANONYMOUS_AUTH['EXPIRE_AFTER']).",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=1000,
            metavar="N",
            help="Users deleted per transaction (default: 1000).",
        )
        parser.add_argument(
            "--workers",
            type=positive_int,
            default=1,
            metavar="N",
            help="Batches deleted at once, each in its own connection; PostgreSQL only "
            "(default: 1).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the users that would go; delete none."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = app_settings.EXPIRE_AFTER
        if options["older_than"] is not None:
            try:
                older_than = parse_duration(options["older_than"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        report = ProgressReport(self.stderr.write, verbosity=options["verbosity"])
        try:
            count = delete_expired_anonymous_users(
                older_than=older_than,
                batch_size=options["batch_size"],
                workers=options["workers"],
                dry_run=options["dry_run"],
                progress=report,
            )
        except ValueError as exc:  # a cutoff too short or too long; --workers it cannot run
            raise CommandError(str(exc)) from None
        age = describe(older_than)
        if options["dry_run"]:
            self.stdout.write(f"Would delete {users(count)} not seen for {age}.")
            return
        report.finish()
        if protected := report.stats.protected:
            kept = f"Kept {users(protected)} that protected data refers to."
            self.stderr.write(self.style.WARNING(kept))
        self.stdout.write(f"Deleted {users(count)} not seen for {age}.")
        counters = delete_ended_rate_counters()
        if counters and options["verbosity"] >= 1:
            plural = "" if counters == 1 else "s"
            self.stderr.write(f"Deleted {counters} ended rate-limit counter{plural}.")


class ProgressReport:
    """Write the progress of a deletion, at most one line a second unless verbose.

    A million users are a thousand batches: one line each would bury the result.
    """

    def __init__(self, write: Callable[[str], None], *, verbosity: int) -> None:
        self.write = write
        self.verbosity = verbosity
        self.stats = DeletionStats()
        self.written_at = time.monotonic()
        self.written_batches = 0

    def __call__(self, stats: DeletionStats) -> None:
        self.stats = stats
        due = time.monotonic() - self.written_at >= PROGRESS_INTERVAL
        if self.verbosity >= 2 or (self.verbosity == 1 and due):
            self.write_line()

    def finish(self) -> None:
        if self.verbosity >= 1 and self.stats.batches != self.written_batches:
            self.write_line()

    def write_line(self) -> None:
        stats = self.stats
        self.write(
            f"Deleted {users(stats.deleted)} in {stats.batches} batches, "
            f"{stats.elapsed:.1f} s, {stats.rate:,.0f} users/s"
        )
        self.written_at = time.monotonic()
        self.written_batches = stats.batches


def users(count: int) -> str:
    """Say "1 anonymous user" or "N anonymous users"."""
    return f"{count} anonymous user{'' if count == 1 else 's'}"


def describe(age: timedelta) -> str:
    """Say ``age`` in the largest whole unit: 30 days, 12 hours, 90 minutes."""
    seconds = int(age.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"

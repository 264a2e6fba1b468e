"""The example's SQLite backend: a write transaction holds the lock other processes queue on."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler

EXAMPLE = Path(__file__).resolve().parents[1] / "example_project"

#: Run in another process: exit 0 if the lock file is free, 1 if a transaction holds it.
TRY_LOCK = """
import fcntl, sys
with open(sys.argv[1], "ab") as queue:
    try:
        fcntl.lockf(queue, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit(1)
"""


@pytest.fixture
def connection(tmp_path, monkeypatch, django_db_blocker):
    """A connection of the example's backend to a file of its own, not the suite's database."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    handler = ConnectionHandler(
        {"default": {"ENGINE": "example.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}}
    )
    connection = handler["default"]
    with django_db_blocker.unblock():
        yield connection
        connection.close()


def lock_is_free(connection) -> bool:
    path = f"{connection.settings_dict['NAME']}-writers.lock"
    return subprocess.run([sys.executable, "-c", TRY_LOCK, path], check=False).returncode == 0


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_write_transaction_holds_the_queue_until_it_ends(connection, end):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE note (text TEXT)")

    # What atomic() does on SQLite: BEGIN, here after the file lock.
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    connection.cursor().execute("INSERT INTO note VALUES ('queued')")
    assert not lock_is_free(connection)
    getattr(connection, end)()
    connection.set_autocommit(True)

    assert lock_is_free(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM note")
        assert cursor.fetchone()[0] == (1 if end == "commit" else 0)


def test_reads_outside_a_transaction_leave_the_queue_alone(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert not connection.in_atomic_block
        assert lock_is_free(connection)


def rows_in_the_database_file(connection, tmp_path) -> int:
    """Notes in the database file alone, as if its log were lost: the checkpointed ones."""
    copy = tmp_path / "file-only.sqlite3"
    shutil.copyfile(connection.settings_dict["NAME"], copy)
    with closing(sqlite3.connect(copy)) as reader:
        return reader.execute("SELECT COUNT(*) FROM note").fetchone()[0]


def test_a_process_checkpoints_the_log_every_hundred_commits_after_its_turn(connection, tmp_path):
    from example.sqlite3.base import AUTOMATIC_CHECKPOINT_PAGES, CHECKPOINT_EVERY

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE note (text TEXT)")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == AUTOMATIC_CHECKPOINT_PAGES

    def commit_a_note() -> None:  # as atomic() does, on this connection
        connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        connection.cursor().execute("INSERT INTO note VALUES ('x')")
        connection.commit()
        connection.set_autocommit(True)

    for _ in range(CHECKPOINT_EVERY - 1):
        commit_a_note()
    assert rows_in_the_database_file(connection, tmp_path) == 0  # all in the log still
    commit_a_note()
    assert rows_in_the_database_file(connection, tmp_path) == CHECKPOINT_EVERY
    assert lock_is_free(connection)

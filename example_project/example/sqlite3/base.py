"""Django's SQLite backend, with server processes that queue for the write lock.

SQLite lets one connection write at a time. One that finds the write lock taken calls
SQLite's busy handler, which sleeps 1, 2, 5, 10 ... 100 ms between tries: with a few
server processes and write transactions of a fraction of a millisecond, the processes
spend much of their time asleep while the lock is free. Here a transaction first takes
a lock on a file next to the database, which the kernel hands to the next waiting
process as soon as it is released, and only then begins (``BEGIN IMMEDIATE``).

In WAL mode, the commit that makes the log reach 1000 pages also copies the log back
into the database and syncs the disk (SQLite's automatic checkpoint), all while its
process holds the file lock, so every other writer waits for the disk. Each process
therefore checkpoints every ``CHECKPOINT_EVERY`` commits itself, once its turn is over,
without blocking writers (``PRAGMA wal_checkpoint(PASSIVE)``), and SQLite's automatic
checkpoint waits for ``AUTOMATIC_CHECKPOINT_PAGES``: it stays on for the writes made
outside a transaction, which take no turn.

The file lock is only a queue, and SQLite's own locks still decide: writes outside a
transaction, other programs, and the threads of one process (a POSIX lock belongs to
the process) go by SQLite's busy handler as before. Nothing waits for the file lock
while it holds SQLite's, so the two cannot deadlock. A process waits for the file lock
as long as the transaction before it lasts, where SQLite alone would give up after its
``timeout`` with "database is locked": keep write transactions short, as every SQLite
site must. Without ``fcntl`` (Windows) this is Django's backend unchanged.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from typing import IO, Any

from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


#: Commits of a connection between its checkpoints. The processes sharing the file take
#: turns, so about this many commits of any of them go by between two checkpoints.
CHECKPOINT_EVERY = 100
#: The log's size, in pages, at which SQLite checkpoints on its own, in the commit that
#: reaches it (SQLite's default is 1000). A sign-in writes about ten; readers that keep
#: the log from starting over let it grow past a hundred commits' worth.
AUTOMATIC_CHECKPOINT_PAGES = 10_000


class DatabaseWrapper(base.DatabaseWrapper):
    #: The lock file, opened once per connection; a file object, so that the garbage
    #: collector closes it with a connection that was never closed.
    _queue: IO[bytes] | None = None
    _queued = False
    _commits = 0

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if fcntl is not None and not self.is_in_memory_db():
            connection.execute(f"PRAGMA wal_autocheckpoint={AUTOMATIC_CHECKPOINT_PAGES}")
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _commit(self) -> Any:
        try:
            committed = super()._commit()
        finally:
            self._end_turn()
        self._checkpoint_now_and_then()
        return committed

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            self._end_turn()

    def _close(self) -> Any:
        try:
            return super()._close()
        finally:
            self._end_turn()

    def _take_turn(self) -> None:
        if fcntl is None or self.is_in_memory_db():
            return
        if self._queue is None:
            # Mode "a": created if missing, with the umask's permissions, so that a
            # management command run by another user can take its turn too.
            self._queue = open(f"{self.settings_dict['NAME']}-writers.lock", "ab")  # noqa: SIM115
        fcntl.lockf(self._queue, fcntl.LOCK_EX)
        self._queued = True

    def _end_turn(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.lockf(self._queue, fcntl.LOCK_UN)

    def _checkpoint_now_and_then(self) -> None:
        if self._queue is None or self.connection is None:  # never queued: nothing to do
            return
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0:
            # Raised when another process is checkpointing: it copies these pages too.
            with suppress(sqlite3.OperationalError):
                self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

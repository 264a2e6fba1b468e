"""Serve the real example project in a subprocess, on a fresh SQLite database.

The only place in the suite that runs ``example_project``, and always in its own
process with its own settings, never with ``tests.settings``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example_project"
# The example must run on its own settings, database and cache, not on the suite's.
FOREIGN_ENV = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "TEST_USER_MODEL", "PYTHONPATH"}
FOREIGN_ENV.add("REDIS_URL")


class ServerError(Exception):
    """The example could not be set up or served; the message holds its output."""


@dataclass
class Site:
    """The example project, served on ``url`` from the SQLite file ``database``."""

    url: str
    database: Path

    def api(self, method: str, path: str, body: Any = None, token: str = "") -> Any:
        """Call the site's JSON API as a non-browser client does, with a bearer token."""
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()!r}") from None

    def create_account(self, email: str, password: str, notes: list[str]) -> tuple[int, str]:
        """Make a saved account with ``notes`` through the API; return its id and token."""
        token = self.api("POST", "/api/auth/sign-in/anonymous")["token"]
        credentials = {"email": email, "password": password}
        linked = self.api("POST", "/api/auth/anonymous/link-account", credentials, token)
        for text in notes:
            self.api("POST", "/api/notes/", {"text": text}, linked["token"])
        return linked["user"]["id"], linked["token"]

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read rows straight from the site's database, read-only."""
        uri = f"file:{self.database}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            return db.execute(sql, params).fetchall()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=EXAMPLE, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise ServerError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def wait_until_serving(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerError(f"the example server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/api/auth/get-session", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise ServerError(f"the example server did not answer within 30 s:\n{log.read_text()}")


@contextlib.contextmanager
def serve_example(folder: Path, **settings: str) -> Iterator[Site]:
    """Migrate a new database in ``folder`` and run ``manage.py runserver`` on a free port.

    ``settings`` are more variables of the example's environment (``ALLAUTH="1"``).
    """
    database = folder / "db.sqlite3"
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    # DEBUG=1: runserver then serves the static files (client.js) itself.
    env |= {"DATABASE_URL": f"sqlite:///{database}", "DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    env |= settings
    manage(env, "migrate", "--no-input")
    manage(env, "createcachetable")  # the sign-in throttle's cache
    address = f"127.0.0.1:{free_port()}"
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", address, "--noreload"],
            cwd=EXAMPLE,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(f"http://{address}", server, log)
        yield Site(url=f"http://{address}", database=database)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

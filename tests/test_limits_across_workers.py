"""The sign-in limit is exact across processes and threads: a real gunicorn, real races.

Four workers of four threads each take forty simultaneous sign-ins from one client with
a rate of five: exactly five get in, in the database store and in Redis.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(request):
    """Start gunicorn on the test database; yield its port; stop it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a server in other processes shares the test database")
    store = request.param
    port = free_port()
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_server",
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
        f"/{settings['NAME']}",
        "TEST_ANONYMOUS_AUTH": json.dumps({"SIGN_IN_RATE": "5/hour", "THROTTLE_STORE": store}),
        "PYTHONPATH": str(ROOT),
    }
    if store == "cache":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        env["TEST_CACHE_URL"] = REDIS_URL
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.wsgi:application", "--workers", "4",
         "--threads", "4", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "gunicorn exited"
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def sign_in(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/api/auth/sign-in/anonymous", headers={"Content-Length": "0"})
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize("server", ["database", "cache"], indirect=True, ids=["database", "redis"])
def test_forty_simultaneous_sign_ins_at_a_rate_of_five_let_five_in(server, user_model):
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = Counter(pool.map(lambda _: sign_in(server), range(40)))
    assert statuses == {200: 5, 429: 35}
    assert user_model.objects.filter(is_anonymous_user=True).count() == 5

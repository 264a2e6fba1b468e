"""Instructions per request, ours against the floor, counted by valgrind: no machine noise.

    .venv/bin/python bench/instructions.py                 # get-session and sign-in
    .venv/bin/python bench/instructions.py --scenarios get-session --requests 600
    .venv/bin/python bench/instructions.py --pg-url postgres://postgres@127.0.0.1:5432/postgres

The same two apps as the HTTP bench (``bench.apps.settings_ours`` and
``bench.apps.settings_floor``), each on a fresh SQLite database, called straight through
their WSGI application, as gunicorn calls it, minus the socket; with ``--pg-url``, on a
fresh PostgreSQL database instead, whose server's own work (another process) is not
counted. Each count runs in a process of its own under ``valgrind --tool=callgrind``
(Debian's ``valgrind``), twice: with a few requests and with ``--requests`` more; the
difference, divided by ``--requests``, is what one request costs, start-up and warm-up
cancelled out. A fixed ``PYTHONHASHSEED`` makes the same code count the same, so a
change of a few tenths of a percent shows; whatever else the machine does, it does not.

Instructions are not time: a request that waits for a lock or a disk costs few of them.
The HTTP bench says what the server serves; this says what the code costs.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from http_bench import pg_recreate

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"ours": "bench.apps.settings_ours", "floor": "bench.apps.settings_floor"}
PATHS = {
    "ours": {"get-session": "/api/auth/get-session", "sign-in": "/api/auth/sign-in/anonymous"},
    "floor": {"get-session": "/get-session", "sign-in": "/sign-in"},
}
WARM_UP = 50


def environ(method: str, path: str, cookie: str = "") -> dict[str, Any]:
    """A WSGI environ as gunicorn builds it for the HTTP bench's requests."""
    body = b"{}" if method == "POST" else b""
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) bench",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        env.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


def call(application: Any, env: dict[str, Any], start_response: Any) -> bytes:
    """The body of ``application``'s answer to ``env``, closed as a WSGI server closes it."""
    response = application(env, start_response)
    try:
        return b"".join(response)
    finally:
        response.close()


def serve(app: str, scenario: str, requests: int) -> None:
    """In this process: sign in once, then send ``WARM_UP + requests`` requests."""
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    from django.conf import settings

    from bench.apps.wsgi import application

    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)
        for name, value in headers:
            cookie = value.strip()
            if name == "Set-Cookie" and cookie.startswith(f"{settings.SESSION_COOKIE_NAME}="):
                cookies["session"] = cookie.split(";", 1)[0]

    def answer(env: dict[str, Any]) -> bytes:
        return call(application, env, start_response)

    cookies: dict[str, str] = {}
    answer(environ("POST", PATHS[app]["sign-in"]))
    # A page's browser holds the CSRF cookie its first get-session set, as in load.lua.
    cookie = f"{cookies['session']}; {settings.CSRF_COOKIE_NAME}={'b' * 32}"
    for _ in range(WARM_UP + requests):
        if scenario == "get-session":
            body = answer(environ("GET", PATHS[app]["get-session"], cookie))
            assert b'"id":' in body.replace(b" ", b""), body
        else:  # every sign-in a new visitor: no cookie
            answer(environ("POST", PATHS[app]["sign-in"]))
    bad = [status for status in statuses if not status.startswith("200")]
    assert not bad, bad[:3]


def new_database(name: str, tmp: Path, pg_url: str | None) -> str:
    """The URL of a new, empty database ``name``: an SQLite file, or on ``pg_url``'s server."""
    if pg_url is None:
        return f"sqlite:///{tmp / f'{name}.sqlite3'}"
    pg_recreate(pg_url, name)
    return pg_url.rsplit("/", 1)[0] + f"/{name}"


def count(app: str, scenario: str, requests: int, tmp: Path, pg_url: str | None) -> int:
    """Instructions of a whole process that serves ``requests`` after the warm-up."""
    database = f"bench_instructions_{app}_{scenario.replace('-', '_')}_{requests}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS[app],
        "DATABASE_URL": new_database(database, tmp, pg_url),
        "DEBUG": "0",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
    }
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--no-input", "-v", "0"], ["createcachetable"]):
        subprocess.run([sys.executable, "-m", "django", *command], env=env, check=True)
    out = tmp / f"callgrind.{app}.{scenario}.{requests}"
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--serve",
            app,
            scenario,
            str(requests),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if pg_url is not None:
        pg_recreate(pg_url, database, drop_only=True)
    match = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or match is None:
        raise SystemExit(f"{app} {scenario} failed:\n{result.stderr[-3000:]}")
    return int(match[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="get-session,sign-in")
    parser.add_argument("--requests", type=int, default=300, help="requests counted per app")
    parser.add_argument("--pg-url", help="count on PostgreSQL, in new databases beside this one")
    parser.add_argument(
        "--serve", nargs=3, metavar=("APP", "SCENARIO", "REQUESTS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        app, scenario, requests = args.serve
        serve(app, scenario, int(requests))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is missing: apt-get install -y valgrind", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    # floor / ours: the rate ratio these counts imply, read like the HTTP bench's ratios.
    print("| scenario | floor instructions/request | ours | floor / ours |")
    print("|---|---:|---:|---:|")
    for scenario in args.scenarios.split(","):
        per_request = {}
        for app in ("floor", "ours"):
            few, many = (count(app, scenario, n, tmp, args.pg_url) for n in (0, args.requests))
            per_request[app] = (many - few) / args.requests
        floor, ours = per_request["floor"], per_request["ours"]
        print(f"| {scenario} | {floor / 1e6:.3f} M | {ours / 1e6:.3f} M | {floor / ours:.3f}x |")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

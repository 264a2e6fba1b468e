"""Profile anonymous sign-in in-process: SQL statements of one sign-in, then cProfile of many.

    .venv/bin/python bench/profile_sign_in.py        # fresh SQLite file, database cache
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_profile \\
        REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/profile_sign_in.py

Runs the example's settings as the HTTP bench serves them (``bench.apps.settings_ours``:
DEBUG off, the sign-in rate lifted), straight through the WSGI application gunicorn
calls, with the environ ``instructions.py`` builds: the whole middleware stack and the
view run as under gunicorn, minus the socket and HTTP parsing. (Django's test client
would add work of its own to every request: it loads the middleware and connects
signals each time.) Without
``DATABASE_URL`` it migrates a new SQLite file in a temporary folder; with it, the
database must exist and is migrated (users it creates are left there).

The profiler counts CPU time (``time.process_time``), not wall time: on a busy disk the
wall time of a sign-in is mostly fsync at COMMIT, which hides where the CPU goes.
Wall and CPU time per sign-in are both printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/auth/sign-in/anonymous"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500, help="sign-ins under the profiler")
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-profile-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/profile.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.apps.settings_ours"
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.apps.wsgi import application
    from bench.instructions import call, environ

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)

    def sign_in() -> None:
        # No cookie: a new visitor every time, as in the HTTP bench.
        statuses: list[str] = []
        body = call(
            application,
            environ("POST", PATH),
            lambda status, headers, exc_info=None: statuses.append(status),
        )
        assert statuses[0].startswith("200"), (statuses, body[:300])

    for _ in range(50):  # warm-up: imports, caches, first pages of the tables
        sign_in()

    with CaptureQueriesContext(connection) as queries:
        sign_in()
    print(f"== One sign-in on {connection.vendor}: {len(queries.captured_queries)} statements")
    for query in queries.captured_queries:
        print(f"   {query['sql'][:150]}")

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.n):
        sign_in()
    profiler.disable()
    print(f"\n== {args.n} sign-ins under cProfile (CPU time)")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        body = out.getvalue()
        print(f"\n== Top {args.top} by {order}\n" + body[body.find("   ncalls") :])

    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        sign_in()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"== {args.n} sign-ins without the profiler: {wall / args.n * 1000:.2f} ms wall, "
        f"{cpu / args.n * 1000:.2f} ms CPU each (this process only, not a database server)"
    )


if __name__ == "__main__":
    main()

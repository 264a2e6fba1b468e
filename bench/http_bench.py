"""HTTP benchmark: the example project against a bare Django floor, under gunicorn and wrk.

    make bench                                  # or: .venv/bin/python bench/http_bench.py
    .venv/bin/python bench/http_bench.py --duration 5 --conns 16 --configs sqlite

For each database configuration (SQLite with the database cache; PostgreSQL with Redis
when both are reachable) it starts two gunicorn servers on 127.0.0.1, each on a fresh
database: the example site (``bench.apps.settings_ours``) and the floor
(``bench.apps.settings_floor``, same settings without this package). Then, for each
scenario and connection count, wrk loads both, back to back, for ``--rounds`` rounds
(5), the floor first in one round and ours first in the next. The ratio is the median
of the rounds' ours / floor, since one pair of runs on a shared machine can move by
10-30%; each server's run of median req/s gives the other columns:

* sign-in: cookie-less ``POST`` (no Origin, no CSRF token), every request a new visitor;
  users created must equal 2xx answers (up to one extra per connection: requests in
  flight when wrk stops are finished by the server but not counted by wrk).
* get-session: ``GET`` with the session cookie of one signed-in anonymous user.
* link: each request links a different pre-created anonymous session (``Bearer`` for
  ours, the session cookie for the floor) to a unique email; linked users must equal 2xx
  answers. Link is bound by the password hash, so the table also gives two ceilings,
  measured just before the database's link runs: "hasher limit" = cores / CPU time of
  one hash with the same hasher, and "hashing alone", as many processes as workers
  doing nothing but hash.

req/s counts 2xx answers only; every other answer is reported, and so is the CPU time
the server's processes spent per answer. Every process runs with Argon2's memory in huge
pages (``GLIBC_TUNABLES``, see bench/README.md). The table goes to stdout and to
``bench/results/last.md``; the exit status is 1 when a row check failed. Servers
run in their own process groups and are stopped at the end, on error too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LUA = BENCH / "load.lua"
PY = sys.executable
HOST = "127.0.0.1"  # all traffic stays on loopback
PATHS = {
    "ours": {
        "sign-in": "/api/auth/sign-in/anonymous",
        "get-session": "/api/auth/get-session",
        "link": "/api/auth/anonymous/link-account",
        "health": "/api/auth/get-session",
    },
    "floor": {
        "sign-in": "/sign-in",
        "get-session": "/get-session",
        "link": "/link",
        "health": "/healthz",
    },
}
SETTINGS = {"ours": "bench.apps.settings_ours", "floor": "bench.apps.settings_floor"}
SCENARIOS = ("sign-in", "get-session", "link")


class BenchError(Exception):
    pass


@dataclass
class Config:
    """A database + cache combination; each server gets its own database in it."""

    name: str  # sqlite | postgres
    pg_admin_url: str = ""
    redis_url: str = ""  # "" = the example's database cache

    def env(self, app: str, tmp: Path) -> dict[str, str]:
        env = {}
        if self.name == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp / f'{app}.sqlite3'}"
        else:
            env["DATABASE_URL"] = self.pg_url(app)
        if self.redis_url:
            env["REDIS_URL"] = f"{self.redis_url.rstrip('/')}/{redis_db(app)}"
        return env

    def pg_url(self, app: str) -> str:
        return self.pg_admin_url.rsplit("/", 1)[0] + f"/{pg_name(app)}"


def pg_name(app: str) -> str:
    # Created and dropped by this run only; the pid keeps two runs apart.
    return f"bench_http_{app}_{os.getpid()}"


def redis_db(app: str) -> int:
    # Dedicated db numbers, flushed before and after: nothing else in Redis is touched.
    return {"ours": 14, "floor": 15}[app]


@dataclass
class Server:
    app: str  # ours | floor
    config: Config
    tmp: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    token: str = ""
    log_offset: int = 0

    @property
    def label(self) -> str:
        return f"{self.app}/{self.config.name}"

    def path(self, scenario: str) -> str:
        return PATHS[self.app][scenario]

    def count(self, sql: str) -> int:
        """Run a ``select count(*)`` on this server's database."""
        url = self.env["DATABASE_URL"]
        if url.startswith("sqlite:"):
            with closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)) as conn:
                return int(conn.execute(sql).fetchone()[0])
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute(sql).fetchone()
            assert row is not None
            return int(row[0])

    def users(self) -> int:
        return self.count(f"select count(*) from {self.info['user_table']}")

    def linked(self) -> int:
        table = self.info["user_table"]
        return self.count(f"select count(*) from {table} where email like 'link-%'")


# --- processes -----------------------------------------------------------------------


def base_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH")
    }
    # This checkout's package and example come first, whatever is installed in the venv.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "example_project")])
    env["DEBUG"] = "0"
    # Argon2 allocates its memory_cost (100 MiB) afresh for every hash: in huge pages,
    # glibc's malloc faults it in 50 times rather than 25,600 (docs/production.md#passwords).
    # Servers and ceilings alike; GLIBC_TUNABLES=glibc.malloc.hugetlb=0 measures without.
    env.setdefault("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1")
    return env


def server_env(app: str, config: Config, tmp: Path) -> dict[str, str]:
    return {**base_env(), **config.env(app, tmp), "DJANGO_SETTINGS_MODULE": SETTINGS[app]}


def run_tool(server: Server, *args: str, timeout: float = 300) -> str:
    """Run ``bench.apps.tools`` (or ``django-admin``) under a server's settings."""
    result = subprocess.run(
        [PY, *args],
        env=server.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise BenchError(f"{server.label}: {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def gunicorn_flags() -> list[str]:
    # Newer gunicorn opens a control socket by default; it is of no use here.
    helptext = subprocess.run(
        [PY, "-m", "gunicorn", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    return ["--no-control-socket"] if "--no-control-socket" in helptext else []


def start(server: Server, workers: int, extra_flags: list[str]) -> None:
    server.port = free_port()
    log = open(server.tmp / f"{server.app}-{server.config.name}-gunicorn.log", "ab")  # noqa: SIM115
    server.proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "bench.apps.wsgi:application",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"{HOST}:{server.port}",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            *extra_flags,
        ],
        env=server.env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise BenchError(f"{server.label}: gunicorn exited:\n{log_tail(server)}")
        with suppress(OSError):
            status, _, _ = request(server, "GET", server.path("health"))
            if status < 500:
                return
        time.sleep(0.2)
    raise BenchError(f"{server.label}: no answer on port {server.port}:\n{log_tail(server)}")


def log_tail(server: Server) -> str:
    path = server.tmp / f"{server.app}-{server.config.name}-gunicorn.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def new_errors(server: Server) -> str:
    """The exceptions logged since the last call, most frequent first ("" if none)."""
    path = server.tmp / f"{server.app}-{server.config.name}-gunicorn.log"
    if not path.exists():
        return ""
    with path.open(errors="replace") as f:
        f.seek(server.log_offset)
        text = f.read()
        server.log_offset = f.tell()
    count = text.count("Internal Server Error")  # one django.request record per 500
    found = re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*)$", text, re.MULTILINE)
    if not count and not found:
        return ""
    kinds = "; ".join(line[:160] for line, _ in Counter(found).most_common(2))
    return f"{count} server errors ({kinds})"


def stop(server: Server) -> None:
    proc = server.proc
    if proc is None or proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


# --- databases -----------------------------------------------------------------------


def pg_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=3).ping())
    except Exception:
        return False


def pg_recreate(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def redis_flush(url: str, db: int) -> None:
    import redis

    redis.Redis.from_url(url, db=db, socket_timeout=5).flushdb()


def prepare_database(server: Server, seed: int = 0) -> None:
    """A fresh, migrated database (and cache) for one server; ``seed`` rows on PostgreSQL."""
    config = server.config
    if config.name == "postgres":
        pg_recreate(config.pg_admin_url, pg_name(server.app))
    else:
        Path(server.env["DATABASE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
    if config.redis_url:
        redis_flush(config.redis_url, redis_db(server.app))
    run_tool(server, "-m", "django", "migrate", "--no-input", "-v", "0")
    run_tool(server, "-m", "django", "createcachetable")
    if seed and config.name == "postgres":
        run_tool(server, "-m", "bench.apps.tools", "seed", str(seed), timeout=3600)
    server.info = json.loads(run_tool(server, "-m", "bench.apps.tools", "info"))


def drop_database(server: Server) -> None:
    config = server.config
    with suppress(Exception):
        if config.name == "postgres":
            pg_recreate(config.pg_admin_url, pg_name(server.app), drop_only=True)
    with suppress(Exception):
        if config.redis_url:
            redis_flush(config.redis_url, redis_db(server.app))


# --- HTTP ------------------------------------------------------------------------------


def request(
    server: Server, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        body = b"{}" if method == "POST" else None
        all_headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) bench", **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]
        return response.status, cookies, response.read()
    finally:
        conn.close()


def smoke(server: Server) -> None:
    """One cookie-less sign-in (no Origin, no CSRF token) and one get-session with its cookie.

    The sign-in's session becomes the signed-in session of the get-session runs.
    """
    before = server.users()
    status, cookies, body = request(server, "POST", server.path("sign-in"))
    cookie = server.info["session_cookie"]
    if status != 200 or cookie not in cookies:
        raise BenchError(
            f"{server.label}: sign-in without cookie or CSRF token answered {status} "
            f"{body[:300]!r}, cookies {sorted(cookies)}"
        )
    if server.users() != before + 1:
        raise BenchError(f"{server.label}: sign-in answered 200 but created no user")
    server.token = cookies[cookie]
    status, _, body = request(
        server, "GET", server.path("get-session"), {"Cookie": f"{cookie}={server.token}"}
    )
    if status != 200 or b'"id"' not in body:
        raise BenchError(f"{server.label}: get-session answered {status} {body[:300]!r}")


# --- load ------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    s2xx: int
    other: dict[str, int]
    #: CPU time of the server's processes (workers and their threads) per 2xx answer.
    cpu_ms: float = 0.0
    check: str = "-"
    ok: bool = True

    @property
    def non2xx(self) -> int:
        return sum(self.other.values())


def wrk(server: Server, scenario: str, conns: int, args: argparse.Namespace, **env: str) -> Run:
    duration = env.pop("duration", str(args.link_duration if scenario == "link" else args.duration))
    threads = min(args.threads, conns)
    run_env = {
        **os.environ,
        "BENCH_MODE": scenario,
        "BENCH_PATH": server.path(scenario),
        "BENCH_COOKIE": server.info["session_cookie"],
        "BENCH_TOKEN": server.token,
        "BENCH_THREADS": str(threads),
        "BENCH_AUTH": "bearer" if server.app == "ours" else "cookie",
        **env,
    }
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{conns}",
        f"-d{duration}s",
        # Longer than the run: a slow answer shows in p99 instead of being dropped.
        "--timeout",
        f"{int(duration) + 10}s",
        "-s",
        str(LUA),
        f"http://{HOST}:{server.port}",
    ]
    assert server.proc is not None
    cpu_before = group_cpu_seconds(server.proc.pid)
    result = subprocess.run(
        cmd, env=run_env, capture_output=True, text=True, timeout=float(duration) + 60
    )
    cpu = group_cpu_seconds(server.proc.pid) - cpu_before
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    other = {
        k: data[k]
        for k in (
            "s3xx",
            "s4xx",
            "s5xx",
            "no_user",
            "err_connect",
            "err_read",
            "err_write",
            "err_timeout",
        )
        if data[k]
    }
    return Run(
        rps=data["s2xx"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        s2xx=data["s2xx"],
        other=other,
        cpu_ms=cpu * 1000 / data["s2xx"] if data["s2xx"] else 0.0,
    )


def group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by the processes of one process group (gunicorn and workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # pgrp; utime and stime follow at 11 and 12
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_idle(*servers: Server, timeout: float = 120) -> None:
    """Wait until the servers have finished the requests wrk left behind.

    wrk stops with requests queued in gunicorn's accept backlog (64 Argon2 hashes after
    a link run): they would steal CPU from the next run and add rows after the count.
    """
    deadline = time.monotonic() + timeout
    for server in servers:
        assert server.proc is not None
        before = group_cpu_seconds(server.proc.pid)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = group_cpu_seconds(server.proc.pid)
            if now - before < 0.02:  # under 4% of a core: idle
                break
            before = now
        else:
            print(f"   warning: {server.label} still busy after {timeout:.0f} s", flush=True)


def checked(run: Run, created: int, conns: int, what: str) -> Run:
    # wrk stops with up to one request per connection in flight: the server completes
    # them (rows exist) but wrk never counts their answers.
    extra = created - run.s2xx
    run.ok = 0 <= extra <= conns
    run.check = f"{what} {created} = 2xx {run.s2xx}{'' if extra == 0 else f' {extra:+d}'}"
    if not run.ok:
        run.check = "MISMATCH: " + run.check
    return run


def load_sign_in(server: Server, conns: int, args: argparse.Namespace) -> Run:
    before = server.users()
    run = wrk(server, "sign-in", conns, args)
    wait_idle(server)
    return checked(run, server.users() - before, conns, "users")


def load_get_session(server: Server, conns: int, args: argparse.Namespace) -> Run:
    run = wrk(server, "get-session", conns, args)
    run.ok = run.non2xx == 0
    run.check = "all 2xx with a user" if run.ok else "FAILED: non-2xx or no user"
    return run


def load_link(server: Server, conns: int, args: argparse.Namespace, tokens: Path, tag: str) -> Run:
    """``tag`` makes the run's emails unique: no two runs link the same address."""
    before = server.linked()
    run = wrk(server, "link", conns, args, BENCH_TOKENS=str(tokens), BENCH_TAG=tag)
    wait_idle(server)
    return checked(run, server.linked() - before, conns, "linked")


def hashing_ceilings(server: Server, args: argparse.Namespace) -> dict[str, float]:
    """The two ceilings of link, measured now: the machine's speed drifts during a run.

    ``hasher_limit``: cores / CPU time of one hash. ``hashing_alone``: hashes a second of
    as many processes as the server has workers, doing nothing but hash.
    """
    tool = ("-m", "bench.apps.tools")
    hasher = json.loads(run_tool(server, *tool, "hasher"))
    alone = json.loads(
        run_tool(server, *tool, "hashing", str(args.workers), str(args.hashing_duration))
    )
    return {"hasher_limit": hasher["limit_per_s"], "hashing_alone": alone["per_s"]}


def make_pools(server: Server, sizes: list[int]) -> list[Path]:
    """One file of fresh anonymous sessions per wrk run: a linked session is spent."""
    whole = server.tmp / f"{server.app}-pool.txt"
    run_tool(server, "-m", "bench.apps.tools", "pool", str(sum(sizes)), str(whole))
    keys = whole.read_text().split()
    files = []
    for i, size in enumerate(sizes):
        path = server.tmp / f"{server.app}-pool-{i}.txt"
        path.write_text("\n".join(keys[:size]) + "\n")
        keys = keys[size:]
        files.append(path)
    return files


# --- orchestration ---------------------------------------------------------------------


@dataclass
class Row:
    """One scenario at one connection count: each server's run of median req/s, and the ratios."""

    scenario: str
    database: str
    conns: int
    floor: Run
    ours: Run
    #: ours / floor of each round, in order: the spread a single pair would hide.
    round_ratios: list[float] = field(default_factory=list)
    #: Link rows: the two ceilings, measured just before the database's link runs.
    hasher_limit: float = 0.0
    hashing_alone: float = 0.0


def median_run(runs: list[Run]) -> Run:
    """The run of median req/s, whose latencies go with it; every run's check counts."""
    median = sorted(runs, key=lambda run: run.rps)[(len(runs) - 1) // 2]
    failed = next((run for run in runs if not run.ok), None)
    if failed is None:
        return median
    return replace(median, ok=False, check=failed.check)


def bench_config(
    config: Config,
    args: argparse.Namespace,
    hasher: dict[str, Any],
    tmp: Path,
    flags: list[str],
    notes: list[str],
) -> list[Row]:
    servers = {app: Server(app, config, tmp) for app in ("floor", "ours")}
    rows: list[Row] = []
    try:
        for app, server in servers.items():
            server.env = server_env(app, config, tmp)
            prepare_database(server, args.seed)
            start(server, args.workers, flags)
            smoke(server)
        info = servers["ours"].info
        database = f"{info['database']} + {info['cache']}"
        if args.seed and config.name == "postgres":
            database += f", {args.seed:,} users and sessions"
        print(f"== {database}: ours from {info['package']}", flush=True)
        for scenario in args.scenarios:
            pools: dict[str, list[Path]] = {}
            ceilings: dict[str, float] = {}
            if scenario == "link":
                # Enough sessions for the hasher limit over each run, twice over.
                per_s = hasher["limit_per_s"]
                lengths = [args.warmup, *[args.link_duration] * (len(args.conns) * args.rounds)]
                sizes = [math.ceil(per_s * d * 2) + 4 * max(args.conns) + 50 for d in lengths]
                pools = {app: make_pools(s, sizes) for app, s in servers.items()}
                wait_idle(*servers.values())
                ceilings = hashing_ceilings(servers["ours"], args)
            for app, server in servers.items():
                # Warm-up, not measured: imports, connections, first pages of the tables.
                if args.warmup > 0:
                    extra = {"BENCH_TOKENS": str(pools[app][0]), "BENCH_TAG": "w"} if pools else {}
                    # Link warms up at the fewest connections: each leaves a hash queued.
                    conns = min(args.conns) if scenario == "link" else max(args.conns)
                    wrk(server, scenario, conns, args, duration=str(args.warmup), **extra)
                    if errors := new_errors(server):
                        notes.append(f"{scenario} warm-up, {server.label} logged: {errors}")
            for i, conns in enumerate(args.conns):
                runs: dict[str, list[Run]] = {app: [] for app in servers}
                for r in range(args.rounds):
                    # Back to back, floor first in even rounds and ours first in odd
                    # ones: a machine that speeds up or slows down during a round
                    # favours neither.
                    order = ["floor", "ours"] if r % 2 == 0 else ["ours", "floor"]
                    for app in order:
                        server = servers[app]
                        wait_idle(*servers.values())
                        if scenario == "sign-in":
                            run = load_sign_in(server, conns, args)
                        elif scenario == "get-session":
                            run = load_get_session(server, conns, args)
                        else:
                            pool = pools[app][1 + i * args.rounds + r]
                            run = load_link(server, conns, args, pool, f"c{conns}r{r}")
                        runs[app].append(run)
                        if errors := new_errors(server):
                            notes.append(
                                f"{scenario}, {conns} conns, {server.label} logged: {errors}"
                            )
                pairs = zip(runs["floor"], runs["ours"], strict=True)
                row = Row(
                    scenario,
                    database,
                    conns,
                    median_run(runs["floor"]),
                    median_run(runs["ours"]),
                    [o.rps / f.rps if f.rps else 0.0 for f, o in pairs],
                    **ceilings,
                )
                print("   " + format_row(row), flush=True)
                rows.append(row)
    finally:
        for server in servers.values():
            stop(server)
        for server in servers.values():
            drop_database(server)
    return rows


HEADER = (
    "| scenario | database + cache | conns | floor req/s | ours req/s | ratio "
    "| ours p50 ms | ours p99 ms | floor p50 / p99 ms | server CPU ms per answer, floor / ours "
    "| non-2xx floor / ours | ours / hasher limit | rows check (floor; ours) |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"
)


def format_row(row: Row) -> str:
    f, o = row.floor, row.ours
    ratio = f"{statistics.median(row.round_ratios):.2f}x" if f.s2xx and o.s2xx else "-"
    if len(row.round_ratios) > 1:
        ratio += f" ({min(row.round_ratios):.2f}-{max(row.round_ratios):.2f})"
    limit = (
        f"{o.rps / row.hasher_limit:.2f}x of {row.hasher_limit:.1f}; "
        f"{o.rps / row.hashing_alone:.2f}x of hashing alone, {row.hashing_alone:.1f}"
        if row.scenario == "link"
        else ""
    )

    def ms(run: Run, value: float) -> str:
        return f"{value:.1f}" if run.s2xx else "-"  # no answer, no latency

    def cpu(run: Run) -> str:
        return f"{run.cpu_ms:.2f}" if run.s2xx else "-"

    def errors(run: Run) -> str:
        return ", ".join(f"{k} {v}" for k, v in run.other.items()) or "0"

    return (
        f"| {row.scenario} | {row.database} | {row.conns} | {f.rps:.0f} | {o.rps:.0f} "
        f"| {ratio} | {ms(o, o.p50_ms)} | {ms(o, o.p99_ms)} "
        f"| {ms(f, f.p50_ms)} / {ms(f, f.p99_ms)} | {cpu(f)} / {cpu(o)} "
        f"| {errors(f)} / {errors(o)} | {limit} | {f.check}; {o.check} |"
    )


def git_describe() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "django_anonymous_auth", "example_project"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return commit + (" (package or example modified)" if dirty else "")
    except OSError:
        return "unknown"


def report(
    rows: list[Row], hasher: dict[str, Any], args: argparse.Namespace, notes: list[str]
) -> str:
    import django

    params = ", ".join(f"{k}={v}" for k, v in hasher["params"].items())
    tunables = base_env()["GLIBC_TUNABLES"]
    lines = [
        f"# HTTP bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Command: `{args.command}`",
        "",
        f"Commit {git_describe()}; Python {platform.python_version()}, Django "
        f"{django.get_version()}, {hasher['cores']} cores; gunicorn {args.workers} sync "
        f"workers, DEBUG off, SIGN_IN_RATE lifted, GLIBC_TUNABLES={tunables}; "
        f"wrk {args.duration} s per run "
        f"({args.link_duration} s for link), after {args.warmup} s of warm-up; "
        f"{args.rounds} rounds of the two servers back to back for every row, floor and "
        "ours first by turns: the ratio is the median of the rounds' ours / floor, with "
        "the lowest and highest in brackets, and each server's run of median req/s gives "
        "the other columns. req/s counts 2xx answers only.",
        "",
        f"Load average (1 min) at start {args.load_start:.1f}, at end {os.getloadavg()[0]:.1f}: "
        "the servers, wrk and the hashes load the 2 cores themselves.",
        "",
        f"Hasher: {hasher['algorithm']} ({params}), one hash {hasher['hash_ms']:.1f} ms "
        f"in-process at the start ({hasher['hash_cpu_ms']:.1f} ms of CPU: its threads). "
        "Two ceilings of link, measured just before each database's link runs and given "
        f"in its rows, in links a second: the hasher limit, {hasher['cores']} cores / CPU "
        f"time of one hash; hashing alone, {args.workers} processes that do nothing but "
        f"hash, side by side, for {args.hashing_duration} s.",
        "",
        HEADER,
        *(format_row(row) for row in rows),
    ]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    parser.add_argument(
        "--link-duration",
        type=int,
        default=int(os.environ.get("BENCH_LINK_DURATION", 20)),
        help="link runs are longer: at 64 connections an answer waits for 64 hashes",
    )
    parser.add_argument(
        "--hashing-duration",
        type=int,
        default=10,
        help="seconds of hashing alone, as many processes as workers, before the link runs",
    )
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 2)))
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="pairs of runs per row, floor and ours first by turns; the ratio is their median",
    )
    parser.add_argument("--conns", default=os.environ.get("BENCH_CONNS", "16,64"))
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--configs", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="an existing database to connect to; bench_http_* databases are made beside it",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="rows of users (half anonymous) and of sessions put in each PostgreSQL "
        "database before the runs, to show that no cost grows with the tables",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "last.md")
    args = parser.parse_args()
    args.conns = [int(c) for c in args.conns.split(",")]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.configs = [c for c in args.configs.split(",") if c]
    unknown = set(args.scenarios) - set(SCENARIOS) | set(args.configs) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown scenario or config: {', '.join(sorted(unknown))}")
    args.command = " ".join(["python bench/http_bench.py", *sys.argv[1:]])
    return args


@contextmanager
def terminated_on_sigterm() -> Iterator[None]:
    # SIGTERM (a CI timeout, kill) would skip the finally blocks that stop the servers.
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> int:
    args = parse_args()
    args.load_start = os.getloadavg()[0]
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    configs: list[Config] = []
    notes: list[str] = []
    for name in args.configs:
        if name == "sqlite":
            configs.append(Config("sqlite"))
        elif not pg_reachable(args.pg_url):
            notes.append(f"PostgreSQL skipped: {args.pg_url} is unreachable.")
        elif redis_reachable(args.redis_url):
            configs.append(Config("postgres", args.pg_url, args.redis_url))
        else:
            notes.append(f"Redis unreachable at {args.redis_url}: database cache used.")
            configs.append(Config("postgres", args.pg_url))
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    with terminated_on_sigterm():
        try:
            probe = Server("ours", Config("sqlite"), tmp)
            probe.env = server_env("ours", probe.config, tmp)
            hasher = json.loads(run_tool(probe, "-m", "bench.apps.tools", "hasher"))
            flags = gunicorn_flags()
            for config in configs:
                rows += bench_config(config, args, hasher, tmp, flags, notes)
        except BenchError as exc:
            print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
            print(f"(logs kept in {tmp})", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ninterrupted; servers stopped", file=sys.stderr)
            return 130
    shutil.rmtree(tmp, ignore_errors=True)
    text = report(rows, hasher, args, notes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print("\n" + text)
    print(f"written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    failed = [row for row in rows if not (row.floor.ok and row.ours.ok)]
    if failed:
        print(f"\nFAILED: {len(failed)} row check(s) failed: see 'rows check'.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

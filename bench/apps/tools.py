"""Helpers the orchestrator runs under a server's settings (``DJANGO_SETTINGS_MODULE``).

python -m bench.apps.tools info          tables and cookie name, as JSON
python -m bench.apps.tools hasher        time of one hash with the default hasher, as JSON
python -m bench.apps.tools hashing W S   hashes a second of W processes hashing for S s, as JSON
python -m bench.apps.tools pool N FILE   N signed-in anonymous sessions, one key a line
python -m bench.apps.tools seed N        N users (half anonymous) and N sessions, on PostgreSQL
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta

import django


def info() -> dict[str, object]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    import django_anonymous_auth

    return {
        # Which checkout the server runs: PYTHONPATH puts this one before the venv's.
        "package": os.path.dirname(django_anonymous_auth.__file__),
        "user_table": get_user_model()._meta.db_table,
        "session_table": Session._meta.db_table,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    }


def hasher(rounds: int = 7) -> dict[str, object]:
    """CPU and wall time of one ``encode()`` by the first of ``PASSWORD_HASHERS``.

    That is the hash link-account computes. Argon2 may spread one hash over several
    threads (``parallelism``), so the ceiling is the CPU a hash takes, not its wall
    time: no server can link faster than cores / CPU seconds of one hash.
    """
    from django.contrib.auth.hashers import get_hasher

    default = get_hasher("default")
    default.encode("warm-up-password", default.salt())
    walls, cpus = [], []
    for _ in range(rounds):
        salt = default.salt()
        wall, cpu = time.perf_counter(), time.process_time()
        default.encode("Bench-password-9f3k", salt)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    params = {
        name: getattr(default, name)
        for name in ("time_cost", "memory_cost", "parallelism", "iterations", "rounds")
        if hasattr(default, name)
    }
    cores = len(os.sched_getaffinity(0))
    cpu_s = statistics.median(cpus)
    return {
        "algorithm": default.algorithm,
        "params": params,
        "hash_ms": statistics.median(walls) * 1000,
        "hash_cpu_ms": cpu_s * 1000,
        "cores": cores,
        "limit_per_s": cores / cpu_s,
    }


def hash_for(seconds: float) -> float:
    """Hash with the default hasher, one after the other, for ``seconds``; hashes a second."""
    from django.contrib.auth.hashers import get_hasher

    default = get_hasher("default")
    done, started = 0, time.monotonic()
    while time.monotonic() < started + seconds:
        default.encode("Bench-password-9f3k", default.salt())
        done += 1
    return done / (time.monotonic() - started)


def hashing(workers: int, seconds: float) -> dict[str, object]:
    """Hashes a second of ``workers`` processes that do nothing but hash, side by side.

    What the hasher alone allows a server of that many sync workers, measured rather
    than worked out: hashes of 100 MiB each running at once on few cores cost more CPU
    each than one alone (memory bandwidth, caches, Argon2's threads), so this is lower
    than cores / CPU time of one hash.
    """
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as executor:
        rates = list(executor.map(hash_for, [seconds] * workers))
    return {"workers": workers, "seconds": seconds, "per_s": sum(rates)}


def pool(count: int, out: str) -> None:
    """Create ``count`` anonymous users, each logged in on its own session, in bulk.

    Rows are written directly (bulk INSERTs in one transaction) rather than through the
    sign-in endpoint: only the sessions matter, and building thousands of them over
    HTTP would take longer than the link runs that consume them.
    """
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    model = get_user_model()
    now = timezone.now()
    users = []
    for _ in range(count):
        user = model(email=f"pool-{uuid.uuid4().hex}@anonymous.invalid")
        user.is_anonymous_user = True
        user.last_seen = now  # as sign-in sets it: the first requests need no UPDATE
        user.set_unusable_password()
        users.append(user)
    store = SessionStore()
    expires = now + timedelta(days=14)
    with transaction.atomic():
        users = model._default_manager.bulk_create(users, batch_size=500)
        sessions = [
            Session(
                session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
                session_data=store.encode(
                    {
                        SESSION_KEY: str(user.pk),
                        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: user.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for user in users
        ]
        Session.objects.bulk_create(sessions, batch_size=500)
    with open(out, "w") as f:
        f.writelines(f"{s.session_key}\n" for s in sessions)


def seed(count: int) -> None:
    """Fill the user and session tables with ``count`` rows each, on the server side.

    Half the users are anonymous, half linked; every session is a valid-looking row of
    someone else's. ``generate_series`` writes them, so a million costs this process
    nothing. The point is to show that no endpoint's cost grows with the tables.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.db import connection

    users = connection.ops.quote_name(get_user_model()._meta.db_table)
    sessions = connection.ops.quote_name(Session._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {users} (password, is_superuser, is_anonymous_user, last_seen, email,
                                 name, is_staff, is_active, date_joined)
            SELECT '!seed', false, mod(i, 2) = 0, now(), 'seed-' || i || '@seed.invalid',
                   '', false, true, now() - (i || ' seconds')::interval
            FROM generate_series(1, %s) AS i
            """,
            [count],
        )
        cursor.execute(
            f"""
            INSERT INTO {sessions} (session_key, session_data, expire_date)
            SELECT substr(md5(i::text || 'k') || md5(i::text || 's'), 1, 40),
                   'e30:' || md5(i::text), now() + interval '14 days'
            FROM generate_series(1, %s) AS i
            """,
            [count],
        )
        cursor.execute(f"ANALYZE {users}")
        cursor.execute(f"ANALYZE {sessions}")


def main() -> None:
    django.setup()
    command = sys.argv[1]
    if command == "info":
        print(json.dumps(info()))
    elif command == "hasher":
        print(json.dumps(hasher()))
    elif command == "hashing":
        print(json.dumps(hashing(int(sys.argv[2]), float(sys.argv[3]))))
    elif command == "pool":
        pool(int(sys.argv[2]), sys.argv[3])
    elif command == "seed":
        seed(int(sys.argv[2]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()

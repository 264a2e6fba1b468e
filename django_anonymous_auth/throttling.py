"""Rate limits: a counter per client and window, one atomic operation per request.

A client's window opens with its first request and lasts ``period`` seconds; the
client may make ``count`` requests in it, and its next request after that opens a
new one. The counter lives in the database (one ``INSERT ... ON CONFLICT ...
RETURNING`` inside the caller's transaction) or in the project's cache (one
MULTI/EXEC round trip on Redis; an atomic ``incr`` on Memcached), as
``THROTTLE_STORE`` says. None reads then writes, so concurrent workers cannot
overshoot the limit.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings

from .conf import app_settings
from .exceptions import ThrottleUnavailable
from .models import RateCounter

logger = logging.getLogger("django_anonymous_auth")

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: DRF's rate format: a count, a slash, and a period named by its first letter.
RATE = re.compile(r"^(\d+)/([smhd])")


@dataclass(frozen=True)
class Rate:
    count: int
    period: int  # seconds

    @classmethod
    def parse(cls, value: str) -> Rate:
        """Read ``"30/hour"``, ``"5/minute"``, ``"100/day"``, ``"1/s"``."""
        match = RATE.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a rate such as '30/hour' or '5/minute'")
        return cls(int(match[1]), PERIODS[match[2]])


class StoreUnavailable(Exception):
    """The counter could not be read or written."""


@dataclass(frozen=True)
class Limit:
    """One client's (or account's) limit: how many requests, counted under which key."""

    key: str
    rate: Rate


def count(limits: list[Limit]) -> None:
    """Count one request against every limit at once; raise ``Throttled`` past any of them.

    One statement (database store) or one round trip (Redis) for all of them. Inside
    the caller's transaction, the database store's counts commit, or roll back, with
    it. Raises ``StoreUnavailable`` when the store fails, which the caller turns into
    ``THROTTLE_FAILURE``'s answer.
    """
    if not limits:
        return
    periods = {limit.key: limit.rate.period for limit in limits}
    try:
        counted = count_in_cache(periods) if uses_cache_store() else count_in_database(periods)
    except Exception as exc:  # any failure of the store: the caller decides what follows
        raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
    now = time.time()
    waits = [
        counted[limit.key][1] - now for limit in limits if counted[limit.key][0] > limit.rate.count
    ]
    if waits:
        raise Throttled(wait=max(1, math.ceil(max(waits))))


def sign_in_limits(request: HttpRequest) -> list[Limit]:
    """The ``SIGN_IN_RATE`` limit of this request's client (none when it is off)."""
    if app_settings.SIGN_IN_RATE is None:
        return []
    rate = Rate.parse(app_settings.SIGN_IN_RATE)
    return [Limit(f"anonymous_auth:sign_in:{client_id(request)}", rate)]


def count_password_attempt(request: HttpRequest, *, account: str) -> None:
    """Count a request that is about to hash a password, per client and per account.

    Before the hash: Argon2 costs a tenth of a second of CPU and a hundred MiB, so a
    refused request must not pay it. ``account`` names whose password it is (an
    email, a user id); only its digest is stored.
    """
    digest = hashlib.sha256(account.encode()).hexdigest()
    limits = [
        Limit(key, Rate.parse(rate))
        for key, rate in (
            (f"anonymous_auth:password:{client_id(request)}", app_settings.PASSWORD_RATE),
            (f"anonymous_auth:account:{digest}", app_settings.ACCOUNT_PASSWORD_RATE),
        )
        if rate is not None
    ]
    try:
        count(limits)
    except StoreUnavailable as error:
        refuse_or_allow_without_limit(error)


def refuse_or_allow_without_limit(error: StoreUnavailable) -> None:
    """Apply ``THROTTLE_FAILURE`` when the store failed: refuse (503), or log and go on."""
    if app_settings.THROTTLE_FAILURE == "refuse":
        raise ThrottleUnavailable() from error
    logger.error("A rate limit is off for this request: %s", error)


def client_id(request: HttpRequest) -> str:
    """The client a limit counts for: its IPv4 address, or its IPv6 network.

    One IPv6 host usually holds a whole /64 (``IPV6_PREFIX``), so counting single
    addresses would let it count afresh at will; an IPv4-mapped IPv6 address is the
    IPv4 client it names. Behind proxies, set DRF's ``NUM_PROXIES``: by default
    ``X-Forwarded-For`` is ignored, as any client can write it.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if api_settings.NUM_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= api_settings.NUM_PROXIES:
            address = forwarded[-api_settings.NUM_PROXIES].strip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        prefix = app_settings.IPV6_PREFIX
        return str(ipaddress.IPv6Network((ip, prefix), strict=False))
    return str(ip)


def limits_are_on() -> bool:
    """Tell whether any rate limit counts (each can be turned off with ``None``)."""
    rates = (
        app_settings.SIGN_IN_RATE,
        app_settings.PASSWORD_RATE,
        app_settings.ACCOUNT_PASSWORD_RATE,
    )
    return any(rate is not None for rate in rates)


def database_store_unsupported() -> str | None:
    """Why the database store cannot count here, or None when it can."""
    if connection.vendor == "postgresql":
        return None
    if connection.vendor == "sqlite":
        import sqlite3

        if sqlite3.sqlite_version_info >= (3, 35):
            return None
        return f"SQLite {sqlite3.sqlite_version} has no RETURNING (3.35 and newer do)"
    return f"{connection.display_name} has no INSERT ... ON CONFLICT ... RETURNING"


def uses_cache_store() -> bool:
    """Tell whether the counters live in the cache (else in the database)."""
    store = app_settings.THROTTLE_STORE
    if store == "auto":
        return shares_atomic_counters(caches["default"])
    return bool(store == "cache")


def shares_atomic_counters(backend: Any) -> bool:
    """Tell whether ``backend`` counts atomically for every process: Redis or Memcached."""
    return any(
        name in ("RedisCache", "PyMemcacheCache", "PyLibMCCache") for name in type_names(backend)
    )


def type_names(backend: Any) -> list[str]:
    return [klass.__name__ for klass in type(backend).__mro__]


def count_in_database(periods: dict[str, int]) -> dict[str, tuple[int, float]]:
    """Count one hit per key in one statement; return each key's hits and window end."""
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_column, hits, ends = quote("key"), quote("hits"), quote("window_end")
    now = int(time.time())
    open_window = f"{table}.{ends} > %s"
    rows = ", ".join(["(%s, 1, %s)"] * len(periods))
    params: list[Any] = [value for key, period in periods.items() for value in (key, now + period)]
    with connection.cursor() as cursor:
        # Atomic on each row: a new key starts at 1, a known one adds 1 while its
        # window is open, and starts again at 1 once it has ended.
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {hits}, {ends}) VALUES {rows} "
            f"ON CONFLICT ({key_column}) DO UPDATE SET "
            f"{hits} = CASE WHEN {open_window} THEN {table}.{hits} + 1 ELSE 1 END, "
            f"{ends} = CASE WHEN {open_window} THEN {table}.{ends} ELSE EXCLUDED.{ends} END "
            f"RETURNING {key_column}, {hits}, {ends}",
            [*params, now, now],
        )
        return {key: (int(count), float(end)) for key, count, end in cursor.fetchall()}


def count_in_cache(periods: dict[str, int]) -> dict[str, tuple[int, float]]:
    """Count one hit per key in the default cache; return each key's hits and window end."""
    now = time.time()
    cache = caches["default"]
    redis = getattr(cache, "_cache", None)
    if "RedisCache" in type_names(cache) and redis is not None:
        # Django's RedisCache.incr() checks that the key exists first: two round
        # trips, and a key that expires in between would count for ever. One
        # MULTI/EXEC round trip instead: per key, create it with its expiry if
        # missing, add one, read how long it lives.
        cache_keys = {key: cache.make_and_validate_key(key) for key in periods}
        pipeline = redis.get_client(next(iter(cache_keys.values())), write=True).pipeline()
        for key, period in periods.items():
            pipeline.set(cache_keys[key], 0, ex=period, nx=True)
            pipeline.incr(cache_keys[key])
            pipeline.pttl(cache_keys[key])
        results = pipeline.execute()
        return {
            key: (int(results[3 * i + 1]), now + max(results[3 * i + 2], 0) / 1000)
            for i, key in enumerate(periods)
        }
    return {key: count_in_memcached(cache, key, period, now) for key, period in periods.items()}


def count_in_memcached(cache: Any, key: str, period: int, now: float) -> tuple[int, float]:
    """Memcached increments atomically; the window's end is kept beside the count."""
    try:
        hits = int(cache.incr(key))
    except ValueError:  # the window's first hit
        if cache.add(key, 1, period):
            cache.set(f"{key}:end", now + period, period)
            return 1, now + period
        hits = int(cache.incr(key))
    return hits, float(cache.get(f"{key}:end", now + period))

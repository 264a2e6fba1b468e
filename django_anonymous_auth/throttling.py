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
    """One client's (or account's) limit: made before a transaction, counted inside it."""

    key: str
    rate: Rate

    def count(self) -> None:
        """Count one request; raise ``Throttled`` past the rate.

        Inside the caller's transaction, the database store's count commits, or rolls
        back, with it. Raises ``StoreUnavailable`` when the store fails, which the
        caller turns into ``THROTTLE_FAILURE``'s answer.
        """
        hits, window_end = count_hit(self.key, self.rate.period)
        if hits > self.rate.count:
            raise Throttled(wait=max(1, math.ceil(window_end - time.time())))


def sign_in_limit(request: HttpRequest) -> Limit | None:
    """The ``SIGN_IN_RATE`` limit of this request's client, or None when it is off."""
    if app_settings.SIGN_IN_RATE is None:
        return None
    return Limit(
        f"anonymous_auth:sign_in:{client_id(request)}", Rate.parse(app_settings.SIGN_IN_RATE)
    )


def refuse_or_allow_without_limit(error: StoreUnavailable) -> None:
    """Apply ``THROTTLE_FAILURE`` when the store failed: refuse (503), or log and go on."""
    if app_settings.THROTTLE_FAILURE == "refuse":
        raise ThrottleUnavailable() from error
    logger.error("The sign-in rate limit is off for this request: %s", error)


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


def count_hit(key: str, period: int) -> tuple[int, float]:
    """Add one hit to ``key``; return the hits in its window and when the window ends."""
    try:
        if uses_cache_store():
            return count_in_cache(key, period)
        return count_in_database(key, period)
    except Exception as exc:  # any failure of the store: the caller decides what follows
        raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc


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


def count_in_database(key: str, period: int) -> tuple[int, float]:
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_column, hits, ends = quote("key"), quote("hits"), quote("window_end")
    now = int(time.time())
    open_window = f"{table}.{ends} > %s"
    with connection.cursor() as cursor:
        # One statement, atomic on its row: a new client starts at 1, a known one
        # adds 1 while its window is open, and starts again at 1 once it has ended.
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {hits}, {ends}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({key_column}) DO UPDATE SET "
            f"{hits} = CASE WHEN {open_window} THEN {table}.{hits} + 1 ELSE 1 END, "
            f"{ends} = CASE WHEN {open_window} THEN {table}.{ends} ELSE EXCLUDED.{ends} END "
            f"RETURNING {hits}, {ends}",
            [key, now + period, now, now],
        )
        count, window_end = cursor.fetchone()
    return int(count), float(window_end)


def count_in_cache(key: str, period: int) -> tuple[int, float]:
    now = time.time()
    cache = caches["default"]
    redis = getattr(cache, "_cache", None)
    if "RedisCache" in type_names(cache) and redis is not None:
        # Django's RedisCache.incr() checks that the key exists first: two round
        # trips, and a key that expires in between would count for ever. One
        # MULTI/EXEC round trip instead: create it with its expiry if missing, add
        # one, read how long it lives.
        cache_key = cache.make_and_validate_key(key)
        pipeline = redis.get_client(cache_key, write=True).pipeline()
        pipeline.set(cache_key, 0, ex=period, nx=True)
        pipeline.incr(cache_key)
        pipeline.pttl(cache_key)
        _, count, ttl_ms = pipeline.execute()
        return int(count), now + max(ttl_ms, 0) / 1000
    # Memcached increments atomically; the window's end is kept beside the count.
    try:
        count = int(cache.incr(key))
    except ValueError:  # the window's first hit
        if cache.add(key, 1, period):
            cache.set(f"{key}:end", now + period, period)
            return 1, now + period
        count = int(cache.incr(key))
    return count, float(cache.get(f"{key}:end", now + period))

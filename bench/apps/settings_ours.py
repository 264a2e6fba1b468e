"""The example site as shipped, with the two changes a load test needs.

Everything else (database from ``DATABASE_URL``, cache from ``REDIS_URL``, middleware,
hashers) comes from ``example.settings`` unchanged, so the bench measures the example.
"""

from __future__ import annotations

import os

from example.settings import *  # noqa: F403
from example.settings import ANONYMOUS_AUTH

# DEBUG on would keep every SQL statement in memory and serve tracebacks.
DEBUG = False

# The limits still count every request (their writes are part of the cost), but at
# these rates they never refuse the load generator's single client and few accounts.
LIFTED = os.environ.get("BENCH_SIGN_IN_RATE", "100000000/hour")
ANONYMOUS_AUTH = {
    **ANONYMOUS_AUTH,
    "SIGN_IN_RATE": LIFTED,
    "PASSWORD_RATE": LIFTED,
    "ACCOUNT_PASSWORD_RATE": LIFTED,
}

# Django logs server errors only by mail when DEBUG is off; the bench wants their
# tracebacks in the gunicorn log, to tell why an answer was a 500.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}

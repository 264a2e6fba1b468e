"""The test settings for a gunicorn server that a test starts (tests/test_limits_across_workers.py).

The test passes ``ANONYMOUS_AUTH`` and the cache as JSON in the environment; the database
is the test database, by ``DATABASE_URL``.
"""

import json
import os

from .settings import *  # noqa: F403

ANONYMOUS_AUTH = json.loads(os.environ.get("TEST_ANONYMOUS_AUTH", "{}"))
if os.environ.get("TEST_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["TEST_CACHE_URL"],
        }
    }

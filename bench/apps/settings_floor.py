"""The bare Django floor: the bench's example settings without this package's middleware.

Same database, cache, sessions, hashers and user model as the example (the package
stays installed for its user model only); its own URLs. What is left is what Django
itself needs to create a user and log it in.
"""

from __future__ import annotations

from bench.apps.settings_ours import *  # noqa: F403
from bench.apps.settings_ours import MIDDLEWARE

ROOT_URLCONF = "bench.apps.floor"
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("django_anonymous_auth.")]

# The package's check that its middleware is present does not apply to a site that
# does not use it.
SILENCED_SYSTEM_CHECKS = ["django_anonymous_auth.E006"]

"""Random tokens for placeholder emails and session keys."""

from __future__ import annotations

import base64
import secrets


def random_token() -> str:
    """Return 32 random characters from ``[a-z2-7]``: 160 bits in one call to the OS.

    Django's ``get_random_string`` draws every character with calls of its own,
    which costs a new visitor more CPU than the rest of its session key.
    """
    return base64.b32encode(secrets.token_bytes(20)).decode().lower()

"""Random tokens for placeholder emails, session keys and CSRF secrets."""

from __future__ import annotations

import base64
import secrets

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH


def random_token() -> str:
    """Return 32 random characters from ``[a-z2-7]``: 160 bits in one call to the OS.

    Django's ``get_random_string`` draws every character with calls of its own,
    which costs a new visitor more CPU than the rest of its session key.
    """
    return base64.b32encode(secrets.token_bytes(20)).decode().lower()


def csrf_secret() -> str:
    """Return a new CSRF secret, as Django's are: 32 characters from ``[a-zA-Z0-9]``.

    One number drawn from the OS (once in most calls, as ``randbelow`` draws again
    when it overshoots), read in base 62, where Django's ``rotate_token()`` makes a
    draw per character: on a new visitor's sign-in that was a twentieth of the CPU.
    """
    base = len(CSRF_ALLOWED_CHARS)
    number = secrets.randbelow(base**CSRF_SECRET_LENGTH)
    digits = []
    for _ in range(CSRF_SECRET_LENGTH):
        number, digit = divmod(number, base)
        digits.append(CSRF_ALLOWED_CHARS[digit])
    return "".join(digits)

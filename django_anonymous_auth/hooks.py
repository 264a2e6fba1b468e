"""Default implementations of the dotted-path hooks in ``ANONYMOUS_AUTH``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.utils.translation import gettext

from .conf import app_settings
from .crypto import random_token

#: Reserved by RFC 2606: mail to it can never be delivered to anyone.
FALLBACK_EMAIL_DOMAIN = "anonymous.invalid"
PLACEHOLDER_PREFIX = "temp-"
PLACEHOLDER_TOKEN_LENGTH = 32


@lru_cache(maxsize=64)  # a site has few domains, and each new visitor asks again
def is_valid_email_domain(domain: str) -> bool:
    """Tell whether ``domain`` may stand after the ``@`` of an email address."""
    try:
        validate_email(f"temp@{domain}")
    except ValidationError:
        return False
    # validate_email also takes address literals ([127.0.0.1]) and "localhost", where
    # mail could be delivered: a placeholder needs a dotted domain name.
    return "." in domain and not domain.startswith("[")


def email_domain(request: HttpRequest | None) -> str:
    """Return the domain of placeholder emails for this request (or for none)."""
    domain = app_settings.EMAIL_DOMAIN_NAME
    if domain:
        if not is_valid_email_domain(domain):  # E005 says so at start-up, if checks run
            raise ValidationError(f"EMAIL_DOMAIN_NAME {domain!r} is not an email domain")
        return domain
    if apps.is_installed("django.contrib.sites"):
        from django.contrib.sites.shortcuts import get_current_site

        domain = split_domain_port(get_current_site(request).domain)[0]
    elif request is not None:
        # Only a host ALLOWED_HOSTS names exactly: behind a wildcard the client picks
        # the Host header, and with it the domain of someone's real mailbox.
        host = split_domain_port(request.get_host())[0]
        domain = host if host in settings.ALLOWED_HOSTS else ""
    fits = len(f"{PLACEHOLDER_PREFIX}{'x' * PLACEHOLDER_TOKEN_LENGTH}@{domain}") <= 254
    return domain if domain and fits and is_valid_email_domain(domain) else FALLBACK_EMAIL_DOMAIN


def generate_email(*, request: HttpRequest | None) -> str:
    """Return ``temp-<32 random [a-z2-7]>@<domain>``."""
    return f"{PLACEHOLDER_PREFIX}{random_token()}@{email_domain(request)}"


def generate_name(*, request: HttpRequest | None) -> str:
    """Return the display name of a new anonymous user."""
    return gettext("Anonymous")


def on_link_account(*, anonymous_user: Any, user: Any, request: HttpRequest | None) -> None:
    """Move nothing: projects set ``ON_LINK_ACCOUNT`` to move their own data."""

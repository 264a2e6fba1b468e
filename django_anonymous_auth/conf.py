"""The ``ANONYMOUS_AUTH`` setting: defaults, and the one object that reads it.

``app_settings.KEY`` reads ``settings.ANONYMOUS_AUTH`` on every access, so
``override_settings`` and ``settings`` fixtures take effect at once. Dotted paths
are imported when used, through ``app_settings.import_hook(KEY)``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # Domain of generated placeholder emails. None: the current Site's domain when
    # django.contrib.sites is installed, else the request host without its port;
    # when neither is a valid email domain (an IP address), "anonymous.invalid".
    "EMAIL_DOMAIN_NAME": None,
    # Dotted path to a callable(*, request) -> str giving a new anonymous user's email.
    "GENERATE_EMAIL": "django_anonymous_auth.hooks.generate_email",
    # Dotted path to a callable(*, request) -> str giving a new anonymous user's name.
    "GENERATE_NAME": "django_anonymous_auth.hooks.generate_name",
    # Dotted path to a callable(*, anonymous_user, user, request) that moves a guest's
    # data to the account they signed in to. Runs inside the merge transaction.
    "ON_LINK_ACCOUNT": "django_anonymous_auth.hooks.on_link_account",
    # Delete the anonymous user once its data has been merged into another account.
    "DELETE_ANONYMOUS_USER_ON_LINK": True,
    # Let an anonymous user delete itself through POST delete-anonymous-user.
    "ALLOW_SELF_DELETE": True,
    # Anonymous users unseen for this long are removed by delete_anonymous_users.
    "EXPIRE_AFTER": timedelta(days=30),
    # Refresh an anonymous user's last_seen at most this often.
    "ACTIVITY_UPDATE_INTERVAL": timedelta(days=1),
    # DRF rate for sign-in/anonymous per client IP ("30/hour"); None turns it off.
    "SIGN_IN_RATE": "30/hour",
    # Case-insensitive substrings of User-Agent headers refused by sign-in/anonymous.
    "BLOCKED_USER_AGENTS": [
        # Generic markers: most crawlers name themselves "...bot/1.0" or give a
        # "+https://..." contact address. Plain HTTP libraries (curl, okhttp, requests)
        # are not listed: mobile apps and scripts legitimately use them.
        "bot/",
        "crawler",
        "spider",
        "+http",
        # Search engines, SEO tools, AI crawlers and link-preview fetchers by name.
        "googlebot",
        "googleother",
        "google-inspectiontool",
        "mediapartners-google",
        "adsbot-google",
        "storebot-google",
        "bingbot",
        "bingpreview",
        "slurp",
        "duckduckbot",
        "baiduspider",
        "yandexbot",
        "sogou",
        "exabot",
        "seznambot",
        "petalbot",
        "applebot",
        "amazonbot",
        "bytespider",
        "gptbot",
        "chatgpt-user",
        "claudebot",
        "ccbot",
        "perplexitybot",
        "ahrefsbot",
        "semrushbot",
        "mj12bot",
        "dotbot",
        "rogerbot",
        "blexbot",
        "dataforseobot",
        "serpstatbot",
        "screaming frog",
        "sitebulb",
        "ia_archiver",
        "archive.org_bot",
        "facebookexternalhit",
        "facebot",
        "twitterbot",
        "linkedinbot",
        "slackbot",
        "discordbot",
        "telegrambot",
        "whatsapp",
        "pinterestbot",
        "embedly",
        "skypeuripreview",
    ],
    # Dotted path to the DRF serializer class that renders "user" in responses.
    "USER_SERIALIZER": "django_anonymous_auth.serializers.UserSerializer",
    # Return the session key as "token" so clients can send Authorization: Bearer.
    "RETURN_TOKEN": True,
}

#: Keys whose value is a dotted path imported when used.
HOOK_KEYS = ("GENERATE_EMAIL", "GENERATE_NAME", "ON_LINK_ACCOUNT", "USER_SERIALIZER")

#: The types each key accepts; checked by the system check, never at import time.
TYPES: dict[str, tuple[type, ...]] = {
    "EMAIL_DOMAIN_NAME": (str, type(None)),
    "GENERATE_EMAIL": (str,),
    "GENERATE_NAME": (str,),
    "ON_LINK_ACCOUNT": (str,),
    "DELETE_ANONYMOUS_USER_ON_LINK": (bool,),
    "ALLOW_SELF_DELETE": (bool,),
    "EXPIRE_AFTER": (timedelta,),
    "ACTIVITY_UPDATE_INTERVAL": (timedelta,),
    "SIGN_IN_RATE": (str, type(None)),
    "BLOCKED_USER_AGENTS": (list, tuple),
    "USER_SERIALIZER": (str,),
    "RETURN_TOKEN": (bool,),
}


class AppSettings:
    """Read ``settings.ANONYMOUS_AUTH`` on every attribute access."""

    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "ANONYMOUS_AUTH", None)
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"ANONYMOUS_AUTH has no setting {name!r}")
        return self.user_settings().get(name, DEFAULTS[name])

    def import_hook(self, name: str) -> Any:
        """Import the callable or class named by the dotted-path setting ``name``."""
        if name not in HOOK_KEYS:
            raise AttributeError(f"ANONYMOUS_AUTH[{name!r}] is not a dotted path")
        return import_string(getattr(self, name))


app_settings = AppSettings()

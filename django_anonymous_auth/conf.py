"""The ``ANONYMOUS_AUTH`` setting: each key declared once, and the one object that reads it.

``app_settings.KEY`` reads ``settings.ANONYMOUS_AUTH`` once, and again after
``setting_changed`` (``override_settings``, the ``settings`` fixtures), so changes
in tests take effect at once. Dotted paths are imported when first used, through
``app_settings.import_hook(KEY)``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .crawlers import CRAWLER_USER_AGENTS


@dataclass(frozen=True)
class Setting:
    """One key of ``ANONYMOUS_AUTH``: its default, the types it takes, and its meaning."""

    default: Any
    types: tuple[type, ...]
    #: The value names a callable or class, imported when used.
    dotted_path: bool = False
    #: The values allowed, when only a few are.
    choices: tuple[Any, ...] = ()


NoneType = type(None)

SETTINGS: dict[str, Setting] = {
    # Domain of generated placeholder emails. None: the current Site's domain when
    # django.contrib.sites is installed, else the request host without its port;
    # when neither is a valid email domain (an IP address), "anonymous.invalid".
    "EMAIL_DOMAIN_NAME": Setting(None, (str, NoneType)),
    # callable(*, request) -> str: a new anonymous user's email. request may be None.
    "GENERATE_EMAIL": Setting("django_anonymous_auth.hooks.generate_email", (str,), True),
    # callable(*, request) -> str: a new anonymous user's name. request may be None.
    "GENERATE_NAME": Setting("django_anonymous_auth.hooks.generate_name", (str,), True),
    # callable(*, anonymous_user, user, request): move a guest's data to the account
    # they signed in to. Runs inside the merge transaction.
    "ON_LINK_ACCOUNT": Setting("django_anonymous_auth.hooks.on_link_account", (str,), True),
    # Delete the anonymous user once its data has been merged into another account.
    "DELETE_ANONYMOUS_USER_ON_LINK": Setting(True, (bool,)),
    # Let an anonymous user delete itself through POST delete-anonymous-user.
    "ALLOW_SELF_DELETE": Setting(True, (bool,)),
    # Anonymous users unseen for this long are removed by delete_anonymous_users.
    "EXPIRE_AFTER": Setting(timedelta(days=30), (timedelta,)),
    # Refresh an anonymous user's last_seen at most this often.
    "ACTIVITY_UPDATE_INTERVAL": Setting(timedelta(days=1), (timedelta,)),
    # Rate of sign-in/anonymous per client ("30/hour"); None turns the limit off.
    "SIGN_IN_RATE": Setting("30/hour", (str, NoneType)),
    # Requests that hash a password (sign-in/email, link-account) per client, and per
    # account (the email signed in to, the anonymous user linking); None turns one off.
    "PASSWORD_RATE": Setting("20/minute", (str, NoneType)),
    "ACCOUNT_PASSWORD_RATE": Setting("5/minute", (str, NoneType)),
    # Where rate limits count: "cache" (the default cache: exact on Redis and
    # Memcached), "database" (a table of this app, counted inside the sign-in's own
    # transaction), or "auto": the cache when it is Redis or Memcached, else the database.
    "THROTTLE_STORE": Setting("auto", (str,), choices=("auto", "cache", "database")),
    # What a request gets when the store fails: "allow" (go on without the limit and
    # log an error) or "refuse" (503 SERVICE_UNAVAILABLE).
    "THROTTLE_FAILURE": Setting("allow", (str,), choices=("allow", "refuse")),
    # IPv6 clients are counted by network: one host usually holds a whole /64.
    "IPV6_PREFIX": Setting(64, (int,)),
    # Case-insensitive substrings of User-Agent headers refused by sign-in/anonymous.
    "BLOCKED_USER_AGENTS": Setting(CRAWLER_USER_AGENTS, (list, tuple)),
    # The DRF serializer class that renders "user" in responses.
    "USER_SERIALIZER": Setting("django_anonymous_auth.serializers.UserSerializer", (str,), True),
    # Return the session key as "token" so clients can send Authorization: Bearer.
    "RETURN_TOKEN": Setting(True, (bool,)),
}


class AppSettings:
    """``settings.ANONYMOUS_AUTH``, each key read once and again when the setting changes.

    Every request reads several keys; going through Django's lazy settings each
    time would cost more than the reads themselves. ``override_settings`` and the
    ``settings`` fixtures announce a change with ``setting_changed``, which empties
    the cache.
    """

    def __init__(self) -> None:
        self._hooks: dict[str, tuple[Any, str]] = {}

    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "ANONYMOUS_AUTH", None)
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in SETTINGS:
            raise AttributeError(f"ANONYMOUS_AUTH has no setting {name!r}")
        value = self.user_settings().get(name, SETTINGS[name].default)
        setattr(self, name, value)  # the next read finds it without __getattr__
        return value

    def import_hook(self, name: str) -> Any:
        """Import the callable or class named by the dotted-path setting ``name``.

        The module is imported once; the name is looked up in it on every call, so a
        test that patches ``myapp.hooks.move_notes`` patches what this returns.
        """
        if name not in self._hooks:
            if not SETTINGS[name].dotted_path:
                raise AttributeError(f"ANONYMOUS_AUTH[{name!r}] is not a dotted path")
            path = getattr(self, name)
            import_string(path)  # raises ImportError as Django does for a wrong path
            module, _, attribute = path.rpartition(".")
            self._hooks[name] = (sys.modules[module], attribute)
        module, attribute = self._hooks[name]
        return getattr(module, attribute)

    def reload(self) -> None:
        """Forget what was read: the next access reads ``settings.ANONYMOUS_AUTH`` again."""
        for name in SETTINGS:
            self.__dict__.pop(name, None)
        self._hooks.clear()


app_settings = AppSettings()


def reload_app_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == "ANONYMOUS_AUTH":
        app_settings.reload()


setting_changed.connect(reload_app_settings, dispatch_uid="django_anonymous_auth.conf")

"""System checks: ``manage.py check`` reports a misconfigured project before a request does.

Ids are stable and documented in docs/settings.md:

- ``E001`` the user model has no ``is_anonymous_user`` field
- ``E002`` ``ANONYMOUS_AUTH`` has an unknown key, or is not a dict
- ``E003`` a value of ``ANONYMOUS_AUTH`` has the wrong type
- ``E004`` a dotted path of ``ANONYMOUS_AUTH`` does not import
- ``E005`` ``EMAIL_DOMAIN_NAME`` is not a valid email domain
- ``E006`` ``AnonymousAuthMiddleware`` is missing or before ``AuthenticationMiddleware``
- ``E007`` ``EXPIRE_AFTER`` is not longer than ``ACTIVITY_UPDATE_INTERVAL``
- ``E008`` no ``ModelBackend`` in ``AUTHENTICATION_BACKENDS`` to keep anonymous users signed in
- ``E009`` the rate limits count in the database, and the database cannot
- ``E010`` ``AllauthGuestMiddleware`` is not the last middleware
- ``W001`` Argon2 is not the first of ``PASSWORD_HASHERS``
- ``W002`` the rate limits count in a cache that is not Redis or Memcached (per-process,
  or not atomic) while ``DEBUG`` is false
- ``W003`` the session engine is not durable and revocable
- ``W004`` django-allauth is installed without ``AllauthGuestMiddleware``
- ``W005`` ``AllauthGuestMiddleware`` is on, but an allauth adapter is not ours
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hashers
from django.core.cache import caches
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import FieldDoesNotExist
from django.utils.module_loading import import_string

from .backends import login_backend
from .conf import SETTINGS, app_settings
from .hooks import is_valid_email_domain
from .models import expiry_cutoff
from .throttling import (
    Rate,
    database_store_unsupported,
    limits_are_on,
    shares_atomic_counters,
    uses_cache_store,
)

ID = "django_anonymous_auth.{}"


@register(Tags.models)
def check_user_model(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The user model must carry the anonymous-user flag."""
    model = get_user_model()
    try:
        model._meta.get_field("is_anonymous_user")
    except FieldDoesNotExist:
        return [
            Error(
                f"{model._meta.label} has no is_anonymous_user field.",
                hint=(
                    "Use AUTH_USER_MODEL = 'django_anonymous_auth.User' in a new project, "
                    "or add django_anonymous_auth.models.AnonymousUserMixin to your own "
                    "user model and run makemigrations. A project on Django's stock "
                    "auth.User first moves to a custom user model: see "
                    "docs/custom-user-model.md of django-anonymous-auth."
                ),
                obj=model,
                id=ID.format("E001"),
            )
        ]
    return []


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """``ANONYMOUS_AUTH`` must hold known keys with well-formed, consistent values."""
    value = getattr(settings, "ANONYMOUS_AUTH", {})
    if not isinstance(value, dict):
        return [Error("ANONYMOUS_AUTH must be a dict.", id=ID.format("E002"))]
    errors = [
        Error(
            f"ANONYMOUS_AUTH has an unknown key {key!r}.",
            hint=f"Known keys: {', '.join(SETTINGS)}.",
            id=ID.format("E002"),
        )
        for key in sorted(set(value) - set(SETTINGS))
    ]
    for key in sorted(set(value) & set(SETTINGS)):
        error = check_value(key, value[key])
        if error is not None:
            errors.append(error)
    if not errors:
        try:
            expiry_cutoff(app_settings.EXPIRE_AFTER)
        except ValueError as exc:
            errors.append(Error(f"ANONYMOUS_AUTH['EXPIRE_AFTER']: {exc}", id=ID.format("E007")))
    return errors


def has_type(value: Any, expected: tuple[type, ...]) -> bool:
    """``isinstance``, kept apart so that type checkers do not narrow ``value`` to object."""
    return isinstance(value, expected)


def check_value(key: str, value: Any) -> Error | None:
    """The error of one ``ANONYMOUS_AUTH`` value, if it has one."""
    setting = f"ANONYMOUS_AUTH[{key!r}]"
    expected = SETTINGS[key].types
    if not has_type(value, expected):
        names = " or ".join("None" if t is type(None) else t.__name__ for t in expected)
        return Error(
            f"{setting} must be {names}, not {type(value).__name__}.", id=ID.format("E003")
        )
    if key == "BLOCKED_USER_AGENTS" and not all(isinstance(m, str) for m in value):
        return Error(f"{setting} must hold strings only.", id=ID.format("E003"))
    if key in ("SIGN_IN_RATE", "PASSWORD_RATE", "ACCOUNT_PASSWORD_RATE") and value is not None:
        try:
            Rate.parse(value)
        except ValueError as exc:
            return Error(f"{setting}: {exc}.", id=ID.format("E003"))
    if SETTINGS[key].choices and value not in SETTINGS[key].choices:
        names = ", ".join(repr(choice) for choice in SETTINGS[key].choices)
        return Error(f"{setting} = {value!r} is not one of {names}.", id=ID.format("E003"))
    if key == "IPV6_PREFIX" and not 0 < value <= 128:
        return Error(f"{setting} = {value!r} is not a prefix length (1-128).", id=ID.format("E003"))
    if SETTINGS[key].dotted_path:
        try:
            import_string(value)
        except ImportError as exc:
            return Error(f"{setting} = {value!r} does not import: {exc}", id=ID.format("E004"))
    if key == "EMAIL_DOMAIN_NAME" and value is not None and not is_valid_email_domain(value):
        return Error(
            f"{setting} = {value!r} is not a valid email domain.",
            hint="Use a domain name such as 'example.com', or None to derive it.",
            id=ID.format("E005"),
        )
    return None


@register(Tags.security)
def check_password_hasher(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Linked accounts' passwords should be hashed with Argon2."""
    if not isinstance(get_hashers()[0], Argon2PasswordHasher):
        return [
            Warning(
                "Argon2 is not the first entry of PASSWORD_HASHERS.",
                hint=(
                    "Put 'django.contrib.auth.hashers.Argon2PasswordHasher' first: "
                    "argon2-cffi is installed with this app."
                ),
                id=ID.format("W001"),
            )
        ]
    return []


MIDDLEWARE = "django_anonymous_auth.middleware.AnonymousAuthMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


@register()
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The middleware must see ``request.user``, so it comes after Django's."""
    middleware = list(settings.MIDDLEWARE)
    if MIDDLEWARE in middleware and (
        AUTH_MIDDLEWARE not in middleware
        or middleware.index(MIDDLEWARE) > middleware.index(AUTH_MIDDLEWARE)
    ):
        return []
    return [
        Error(
            f"{MIDDLEWARE} must be in MIDDLEWARE, after {AUTH_MIDDLEWARE}.",
            hint=(
                "Without it, a guest who signs in to an existing account loses their "
                "data, and last_seen is never refreshed."
            ),
            id=ID.format("E006"),
        )
    ]


@register(Tags.security)
def check_throttle_cache(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """The rate limits hold only where all processes count atomically in one store."""
    if settings.DEBUG or not limits_are_on() or not uses_cache_store():
        return []
    if shares_atomic_counters(caches["default"]):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND")
    return [
        Warning(
            f"The rate limits count in {backend}, which does not count atomically for "
            "all processes: together, the workers allow more than SIGN_IN_RATE, "
            "PASSWORD_RATE and ACCOUNT_PASSWORD_RATE say.",
            hint=(
                "Use Redis or Memcached as the default cache, or set "
                "ANONYMOUS_AUTH['THROTTLE_STORE'] to 'database' (or 'auto')."
            ),
            id=ID.format("W002"),
        )
    ]


#: Session engines that lose accounts or cannot revoke sessions.
UNSAFE_SESSION_ENGINES = {
    "django.contrib.sessions.backends.cache": (
        "keeps sessions only in the cache: an eviction or restart signs every anonymous "
        "user out for good, and their accounts are lost"
    ),
    "django.contrib.sessions.backends.signed_cookies": (
        "cannot revoke a session: sign-out and link-account leave old cookies and tokens working"
    ),
}


@register(Tags.security)
def check_session_engine(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """An anonymous user's session is its only credential: it must be durable and revocable."""
    reason = UNSAFE_SESSION_ENGINES.get(settings.SESSION_ENGINE)
    if reason is None:
        return []
    return [
        Warning(
            f"SESSION_ENGINE {settings.SESSION_ENGINE!r} {reason}.",
            hint="Use 'django.contrib.sessions.backends.db' or '...backends.cached_db'.",
            id=ID.format("W003"),
        )
    ]


@register()
def check_login_backend(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Anonymous users have no credentials: a backend must load them back by id."""
    if login_backend() is not None:
        return []
    return [
        Error(
            "AUTHENTICATION_BACKENDS has no ModelBackend (or subclass) to keep anonymous "
            "users signed in.",
            hint="Add 'django.contrib.auth.backends.ModelBackend' to AUTHENTICATION_BACKENDS.",
            id=ID.format("E008"),
        )
    ]


@register(Tags.database)
def check_throttle_database(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The database store needs ``INSERT ... ON CONFLICT ... RETURNING``."""
    if not limits_are_on() or uses_cache_store():
        return []
    reason = database_store_unsupported()
    if reason is None:
        return []
    return [
        Error(
            f"The rate limits count in the database, but {reason}: every limit would be off.",
            hint=(
                "Use PostgreSQL or SQLite 3.35+, or Redis or Memcached as the default cache "
                "with ANONYMOUS_AUTH['THROTTLE_STORE'] = 'cache' (or 'auto')."
            ),
            id=ID.format("E009"),
        )
    ]


ALLAUTH_MIDDLEWARE = "django_anonymous_auth.contrib.allauth.AllauthGuestMiddleware"
#: Each allauth adapter setting: its app, allauth's default, and the mixin it needs.
ALLAUTH_ADAPTERS = {
    "ACCOUNT_ADAPTER": (
        "allauth.account",
        "allauth.account.adapter.DefaultAccountAdapter",
        "AccountAdapterMixin",
    ),
    "SOCIALACCOUNT_ADAPTER": (
        "allauth.socialaccount",
        "allauth.socialaccount.adapter.DefaultSocialAccountAdapter",
        "SocialAccountAdapterMixin",
    ),
}


@register()
def check_allauth(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With django-allauth, a guest signs up in place only through our middleware and adapters."""
    if "allauth.account" not in settings.INSTALLED_APPS:
        return []
    middleware = list(settings.MIDDLEWARE)
    if ALLAUTH_MIDDLEWARE not in middleware:
        return [
            Warning(
                "django-allauth is installed without AllauthGuestMiddleware: its sign-up and "
                "login see a guest as signed in, and refuse it.",
                hint="See docs/allauth.md for the middleware and the two adapters.",
                id=ID.format("W004"),
            )
        ]
    messages: list[CheckMessage] = []
    if middleware[-1] != ALLAUTH_MIDDLEWARE:
        messages.append(
            Error(
                f"{ALLAUTH_MIDDLEWARE} must be the last entry of MIDDLEWARE.",
                hint=(
                    "A guest's upgrade is one transaction from inside the view to this "
                    "middleware: whatever another middleware opens around the view must "
                    "enclose it."
                ),
                id=ID.format("E010"),
            )
        )
    from .contrib import allauth as integration

    for setting, (app, default, mixin) in ALLAUTH_ADAPTERS.items():
        if app not in settings.INSTALLED_APPS:
            continue
        adapter = import_string(getattr(settings, setting, default))
        if not issubclass(adapter, getattr(integration, mixin)):
            messages.append(
                Warning(
                    f"{setting} does not use {mixin}: a guest who signs up through "
                    "django-allauth gets a new user and is merged into it.",
                    hint=(
                        f"Use {integration.__name__}.{mixin.removesuffix('Mixin')}, or put "
                        f"{mixin} first in your adapter's bases."
                    ),
                    id=ID.format("W005"),
                )
            )
    return messages

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from django.core import checks
from django.db import connection

from django_anonymous_auth.checks import (
    check_login_backend,
    check_middleware,
    check_password_hasher,
    check_session_engine,
    check_settings,
    check_throttle_cache,
    check_throttle_database,
    check_user_model,
)

NO_LIMITS = {"SIGN_IN_RATE": None, "PASSWORD_RATE": None, "ACCOUNT_PASSWORD_RATE": None}


def ids(messages):
    return [m.id for m in messages]


def test_correct_project_passes_every_check(settings):
    # Under TEST_USER_MODEL=testapp.User this is also the "our model is swapped out"
    # project: no clash of our User with the project's (reverse accessors, groups).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    messages = checks.run_checks(include_deployment_checks=False)
    assert [
        m for m in messages if m.is_serious() or m.id.startswith("django_anonymous_auth.")
    ] == []


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"EMAIL_DOMAIN_NAME": "example.com", "SIGN_IN_RATE": None},
        {"EXPIRE_AFTER": timedelta(days=7), "BLOCKED_USER_AGENTS": ["bot/"]},
        {"ON_LINK_ACCOUNT": "django_anonymous_auth.hooks.on_link_account"},
    ],
)
def test_valid_settings_are_silent(settings, value):
    settings.ANONYMOUS_AUTH = value
    assert check_settings() == []


def test_user_model_without_the_flag_is_an_error(settings):
    settings.AUTH_USER_MODEL = "auth.User"
    assert ids(check_user_model()) == ["django_anonymous_auth.E001"]


def test_user_model_with_the_flag_is_silent():
    assert check_user_model() == []


def test_settings_that_are_not_a_dict_are_an_error(settings):
    settings.ANONYMOUS_AUTH = ["EXPIRE_AFTER"]
    assert ids(check_settings()) == ["django_anonymous_auth.E002"]


def test_unknown_key_is_an_error(settings):
    settings.ANONYMOUS_AUTH = {"EXPIRES_AFTER": timedelta(days=1)}
    messages = check_settings()
    assert ids(messages) == ["django_anonymous_auth.E002"]
    assert "'EXPIRES_AFTER'" in messages[0].msg


@pytest.mark.parametrize(
    "key, value",
    [
        ("EXPIRE_AFTER", 30),
        ("SIGN_IN_RATE", 30),
        ("RETURN_TOKEN", "yes"),
        ("BLOCKED_USER_AGENTS", "bot"),
        ("ON_LINK_ACCOUNT", lambda **kwargs: None),
        ("SIGN_IN_RATE", "30 per hour"),
        ("SIGN_IN_RATE", "30/fortnight"),
        ("SIGN_IN_RATE", "thirty/hour"),
        ("BLOCKED_USER_AGENTS", ["bot/", 3]),
    ],
)
def test_wrong_type_is_an_error(settings, key, value):
    settings.ANONYMOUS_AUTH = {key: value}
    assert ids(check_settings()) == ["django_anonymous_auth.E003"]


@pytest.mark.parametrize(
    "key", ["GENERATE_EMAIL", "GENERATE_NAME", "ON_LINK_ACCOUNT", "USER_SERIALIZER"]
)
def test_dotted_path_that_does_not_import_is_an_error(settings, key):
    settings.ANONYMOUS_AUTH = {key: "myproject.hooks.missing"}
    assert ids(check_settings()) == ["django_anonymous_auth.E004"]


@pytest.mark.parametrize(
    "domain", ["127.0.0.1", "not a domain", "example..com", "[::1]", "localhost"]
)
def test_invalid_email_domain_is_an_error(settings, domain):
    settings.ANONYMOUS_AUTH = {"EMAIL_DOMAIN_NAME": domain}
    assert ids(check_settings()) == ["django_anonymous_auth.E005"]


def test_argon2_not_first_is_a_warning(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    assert ids(check_password_hasher()) == ["django_anonymous_auth.W001"]


def test_argon2_first_is_silent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert check_password_hasher() == []


def test_missing_middleware_is_an_error(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "anonymous" not in m]
    assert ids(check_middleware()) == ["django_anonymous_auth.E006"]


def test_middleware_before_authentication_middleware_is_an_error(settings):
    ours = "django_anonymous_auth.middleware.AnonymousAuthMiddleware"
    settings.MIDDLEWARE = [ours, *(m for m in settings.MIDDLEWARE if m != ours)]
    assert ids(check_middleware()) == ["django_anonymous_auth.E006"]


def test_middleware_after_authentication_middleware_is_silent():
    assert check_middleware() == []


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
        "django.core.cache.backends.db.DatabaseCache",  # shared, but incr() reads then writes
    ],
)
def test_counting_in_a_cache_without_atomic_counters_is_a_warning_in_production(settings, backend):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "cache_table"}}
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "cache"}
    assert ids(check_throttle_cache()) == ["django_anonymous_auth.W002"]


def test_counting_in_a_per_process_cache_is_silent_in_debug_or_without_limit(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "cache"}
    settings.DEBUG = True
    assert check_throttle_cache() == []
    settings.DEBUG = False
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "cache", **NO_LIMITS}
    assert check_throttle_cache() == []
    # Any limit still counting is enough for the warning.
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "cache", **NO_LIMITS, "PASSWORD_RATE": "9/m"}
    assert ids(check_throttle_cache()) == ["django_anonymous_auth.W002"]


@pytest.mark.parametrize("store", ["auto", "database"])
def test_counting_in_the_database_is_silent_whatever_the_cache(settings, store):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": store}
    assert check_throttle_cache() == []


def test_counting_in_redis_is_silent(settings):
    settings.DEBUG = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "cache"}
    assert check_throttle_cache() == []


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.signed_cookies"],
)
def test_session_engine_that_loses_or_cannot_revoke_sessions_is_a_warning(settings, engine):
    settings.SESSION_ENGINE = engine
    assert ids(check_session_engine()) == ["django_anonymous_auth.W003"]


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"],
)
def test_durable_session_engine_is_silent(settings, engine):
    settings.SESSION_ENGINE = engine
    assert check_session_engine() == []


@pytest.mark.parametrize(
    "value",
    [
        {"EXPIRE_AFTER": timedelta(days=1)},
        {"EXPIRE_AFTER": timedelta(hours=12)},
        {"EXPIRE_AFTER": timedelta(days=7), "ACTIVITY_UPDATE_INTERVAL": timedelta(days=7)},
    ],
)
def test_expiry_within_the_activity_interval_is_an_error(settings, value):
    settings.ANONYMOUS_AUTH = value
    assert ids(check_settings()) == ["django_anonymous_auth.E007"]


def test_only_credential_backends_are_an_error(settings):
    settings.AUTHENTICATION_BACKENDS = ["tests.testapp.backends.CredentialsOnlyBackend"]
    assert ids(check_login_backend()) == ["django_anonymous_auth.E008"]


def test_a_model_backend_after_credential_backends_is_silent(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "tests.testapp.backends.CredentialsOnlyBackend",
        "django.contrib.auth.backends.AllowAllUsersModelBackend",
    ]
    assert check_login_backend() == []


def test_the_database_store_on_an_sqlite_without_returning_is_an_error(settings, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite version matters on SQLite only")
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "database"}
    assert check_throttle_database() == []
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    assert ids(check_throttle_database()) == ["django_anonymous_auth.E009"]
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "database", **NO_LIMITS}
    assert check_throttle_database() == []

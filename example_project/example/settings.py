"""Settings of the example site.

SQLite next to this file by default; ``DATABASE_URL`` (``sqlite:////abs/path.sqlite3``,
``postgres://user@127.0.0.1:5432/name``) selects another database. The cache is shared
by every process: Redis when ``REDIS_URL`` is set, and the sign-in limit then counts
there; else Django's database cache (``manage.py createcachetable``), and the limit
counts in the app's own table. ``ALLAUTH=1`` adds django-allauth (the ``[allauth]``
extra): its pages at ``/accounts/``, its headless API at ``/_allauth/``, and a guest who
signs up there keeps its account (docs/allauth.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here rather than a CDN
    "django_anonymous_auth",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_anonymous_auth.middleware.AnonymousAuthMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "example.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock when their transaction begins, so two never deadlock
        # upgrading read locks, and they wait up to 20 s for it rather than fail.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL: readers never wait for the writer. synchronous=NORMAL: a commit is not
        # flushed to disk on its own (WAL keeps the database consistent; a power cut
        # may lose the last commits, not corrupt the file).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Keep connections across requests: a new PostgreSQL connection costs milliseconds, and
# closing the last SQLite connection to a WAL database checkpoints it (and syncs the
# disk) every time. Check them before reuse, so a restarted server fails no request.
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "example_cache",
        }
    }

AUTH_USER_MODEL = "django_anonymous_auth.User"

# Argon2 first: new and linked accounts get it, older hashes are upgraded at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "django-anonymous-auth example",
    "DESCRIPTION": "Anonymous sign-in, link-account and sessions, at better-auth's paths.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

ANONYMOUS_AUTH: dict[str, object] = {
    # A guest who signs in to an existing account brings their notes along.
    "ON_LINK_ACCOUNT": "notes.hooks.move_notes",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

ALLAUTH = os.environ.get("ALLAUTH") == "1"
if ALLAUTH:
    INSTALLED_APPS += [
        "allauth",
        "allauth.account",
        "allauth.socialaccount",
        "allauth.socialaccount.providers.dummy",  # a stand-in provider that needs no network
        "allauth.headless",
    ]
    # Ours last: a guest's upgrade is one transaction that ends there.
    MIDDLEWARE += [
        "allauth.account.middleware.AccountMiddleware",
        "django_anonymous_auth.contrib.allauth.AllauthGuestMiddleware",
    ]
    AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]
    ACCOUNT_ADAPTER = "django_anonymous_auth.contrib.allauth.AccountAdapter"
    SOCIALACCOUNT_ADAPTER = "django_anonymous_auth.contrib.allauth.SocialAccountAdapter"
    # The shipped user model signs in with its email and has no username.
    ACCOUNT_USER_MODEL_USERNAME_FIELD = None
    ACCOUNT_LOGIN_METHODS = {"email"}
    ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
    # A sign-up signs in at once; the confirmation mail is printed on the console.
    ACCOUNT_EMAIL_VERIFICATION = "optional"
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    LOGIN_REDIRECT_URL = "/"
    ACCOUNT_LOGOUT_REDIRECT_URL = "/"
    SOCIALACCOUNT_PROVIDERS = {"dummy": {}}
STATICFILES_DIRS = [BASE_DIR / "static"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

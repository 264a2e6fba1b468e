"""Settings of the test suite.

``TEST_USER_MODEL`` picks the user model (the shipped email-based one, or the
username-based ``testapp.User`` with the mixin); ``DATABASE_URL`` picks the
database (SQLite in memory by default).
"""

from __future__ import annotations

import os

import dj_database_url

SECRET_KEY = "django-anonymous-auth-tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
SITE_ID = 1

AUTH_USER_MODEL = os.environ.get("TEST_USER_MODEL", "django_anonymous_auth.User")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_anonymous_auth",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_anonymous_auth.middleware.AnonymousAuthMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite://:memory:"))}

PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

STATIC_URL = "/static/"

# The suite is one process: a per-process throttle cache is what it wants.
SILENCED_SYSTEM_CHECKS = ["django_anonymous_auth.W002"]

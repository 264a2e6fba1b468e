"""The test settings plus django-allauth, as ``docs/allauth.md`` tells a project to add it.

``make test`` runs the tests marked ``allauth`` with ``--ds tests.settings_allauth``, on each
database and user model.
"""

from .settings import *  # noqa: F403
from .settings import AUTH_USER_MODEL, INSTALLED_APPS, MIDDLEWARE

ROOT_URLCONF = "tests.urls_allauth"

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.dummy",
    "allauth.headless",
]

MIDDLEWARE = [
    *MIDDLEWARE,
    "allauth.account.middleware.AccountMiddleware",
    "django_anonymous_auth.contrib.allauth.AllauthGuestMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

ACCOUNT_ADAPTER = "django_anonymous_auth.contrib.allauth.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "django_anonymous_auth.contrib.allauth.SocialAccountAdapter"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_RATE_LIMITS = False
if AUTH_USER_MODEL == "django_anonymous_auth.User":
    ACCOUNT_USER_MODEL_USERNAME_FIELD = None

SOCIALACCOUNT_PROVIDERS = {"dummy": {}}

HEADLESS_SERVE_SPECIFICATION = False

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

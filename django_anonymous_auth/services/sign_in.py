"""Anonymous sign-in, and sign-in with email and password."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.module_loading import import_string

from .. import exceptions
from ..conf import app_settings
from ..models import create_anonymous_user, uses_username
from ..signals import anonymous_user_created


def is_blocked_user_agent(request: HttpRequest) -> bool:
    """Tell whether the request's ``User-Agent`` matches ``BLOCKED_USER_AGENTS``."""
    agent = request.META.get("HTTP_USER_AGENT", "").lower()
    return any(marker.lower() in agent for marker in app_settings.BLOCKED_USER_AGENTS)


def sign_in_anonymously(*, request: HttpRequest) -> Any:
    """Create an anonymous user and log it in on a new session.

    A linked user who calls this is signed out first; an anonymous user may not.
    """
    current = request.user
    if current.is_authenticated and getattr(current, "is_anonymous_user", False):
        raise exceptions.AnonymousUsersCannotSignInAgain()
    if is_blocked_user_agent(request):
        raise exceptions.UserAgentBlocked()
    email = app_settings.import_hook("GENERATE_EMAIL")(request=request)
    try:
        validate_email(email)
    except ValidationError:
        raise exceptions.InvalidEmailFormat() from None
    name = app_settings.import_hook("GENERATE_NAME")(request=request)
    try:
        with transaction.atomic():
            user = create_anonymous_user(get_user_model(), email=email, name=name)
    except IntegrityError:
        raise exceptions.FailedToCreateUser() from None
    if current.is_authenticated:
        logout(request)
    backend = login_backend()
    if backend is None:
        raise ImproperlyConfigured("AUTHENTICATION_BACKENDS has no ModelBackend (check E008).")
    login(request, user, backend=backend)
    transaction.on_commit(
        partial(anonymous_user_created.send, sender=user.__class__, user=user, request=request)
    )
    return user


def sign_in_with_email(*, request: HttpRequest, email: str, password: str) -> Any:
    """Log in the user with this email and password, through the authentication backends.

    Unknown emails and wrong passwords fail alike and take the same time (the hasher
    runs for both); inactive and anonymous users cannot sign in with a password.
    """
    model = get_user_model()
    username: str | None = email
    if uses_username(model):
        username = (
            model._default_manager.filter(**{f"{model.get_email_field_name()}__iexact": email})
            .values_list(model.USERNAME_FIELD, flat=True)
            .first()
        )
    if username is None:
        make_password(password)  # as ModelBackend does for an unknown username
        raise exceptions.InvalidEmailOrPassword()
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active or getattr(user, "is_anonymous_user", False):
        raise exceptions.InvalidEmailOrPassword()
    login(request, user)
    return user


def login_backend() -> str | None:
    """The backend that logs anonymous users in: the first ``ModelBackend`` configured.

    Django keeps it in the session and asks it for the user on every later request,
    so it must load users by id, as ``ModelBackend`` and its subclasses (allauth's
    among them) do. Credential-only backends, such as django-axes', often come first.
    ``None`` when there is none, which system check E008 reports.
    """
    for path in settings.AUTHENTICATION_BACKENDS:
        try:
            backend = import_string(path)
        except ImportError:
            continue  # fails where Django itself loads the backends
        if isinstance(backend, type) and issubclass(backend, ModelBackend):
            return path
    return None

"""Anonymous sign-in, and sign-in with email and password."""

from __future__ import annotations

import logging
import re
from functools import lru_cache, partial
from typing import Any

from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from ..backends import login_backend
from ..conf import app_settings
from ..exceptions import (
    AnonymousUsersCannotSignInAgain,
    FailedToCreateUser,
    InvalidEmailFormat,
    InvalidEmailOrPassword,
    UserAgentBlocked,
)
from ..models import (
    has_field,
    is_signed_in_anonymous_user,
    user_queryset,
    uses_username,
)
from ..sessions import log_in_new_visitor, reopen_session, store_new_visitor_session
from ..signals import anonymous_user_created
from ..throttling import (
    Limit,
    StoreUnavailable,
    count,
    count_password_attempt,
    refuse_or_allow_without_limit,
    sign_in_limits,
)

logger = logging.getLogger("django_anonymous_auth")


def is_blocked_user_agent(request: HttpRequest) -> bool:
    """Tell whether the request's ``User-Agent`` matches ``BLOCKED_USER_AGENTS``."""
    markers = tuple(app_settings.BLOCKED_USER_AGENTS)
    agent = request.META.get("HTTP_USER_AGENT", "")
    return bool(markers) and markers_pattern(markers).search(agent.lower()) is not None


@lru_cache(maxsize=8)  # one entry per BLOCKED_USER_AGENTS the project has had
def markers_pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for all of ``markers``, case-insensitive substrings."""
    return re.compile("|".join(re.escape(marker.lower()) for marker in markers))


def sign_in_anonymously(*, request: HttpRequest) -> Any:
    """Create an anonymous user and log it in on a new session.

    A linked user who calls this is signed out first; an anonymous user may not.
    """
    current = request.user
    if is_signed_in_anonymous_user(current):
        raise AnonymousUsersCannotSignInAgain()
    if is_blocked_user_agent(request):
        raise UserAgentBlocked()
    backend = login_backend()
    if backend is None:
        raise ImproperlyConfigured("AUTHENTICATION_BACKENDS has no ModelBackend (check E008).")
    limits = sign_in_limits(request)
    try:
        user = create_and_log_in(request, backend=backend, limits=limits)
    except StoreUnavailable as error:
        refuse_or_allow_without_limit(error)
        user = create_and_log_in(request, backend=backend, limits=[])
    transaction.on_commit(
        partial(anonymous_user_created.send, sender=user.__class__, user=user, request=request)
    )
    return user


def create_and_log_in(request: HttpRequest, *, backend: str, limits: list[Limit]) -> Any:
    """Count the sign-in, end a linked user's session, create the anonymous user and its session.

    One short transaction: a refused sign-in leaves a linked caller signed in. What
    can be done outside it is: on SQLite the transaction holds the one write lock, and
    every other sign-in waits for it. So the user is built before it begins, and
    the login (the CSRF secret, ``user_logged_in`` and its receivers) runs after it
    commits, as in any Django login view; it writes nothing more.
    """
    model = get_user_model()
    # A model may drop last_login (Django then connects no update_last_login).
    seen = {"last_login": timezone.now()} if has_field(model, "last_login") else {}
    try:
        user = user_queryset(model).new_anonymous_user(request=request, **seen)
    except ValidationError:
        raise InvalidEmailFormat() from None
    except Exception as exc:  # GENERATE_EMAIL or GENERATE_NAME, the project's code
        logger.exception("No anonymous user: GENERATE_EMAIL or GENERATE_NAME failed.")
        raise FailedToCreateUser() from exc
    previous_key, previous_user = request.session.session_key, request.user
    try:
        with transaction.atomic():
            count(limits)
            if request.user.is_authenticated:
                logout(request)
            user.save()
            store_new_visitor_session(request, user, backend=backend)
    except BaseException as exc:
        # Rolled back: the request keeps the session and user it came with, so a linked
        # caller's cookie is not deleted on the way out.
        if request.user is not previous_user:
            reopen_session(request, previous_key)
            request.user = previous_user
        # GENERATE_EMAIL gave a taken address (or, never seen, the session key was taken)
        if isinstance(exc, IntegrityError):
            raise FailedToCreateUser() from None
        raise
    log_in_new_visitor(request, user)
    return user


def sign_in_with_email(*, request: HttpRequest, email: str, password: str) -> Any:
    """Log in the user with this email and password, through the authentication backends.

    Unknown emails and wrong passwords fail alike and take the same time (the hasher
    runs for both); inactive and anonymous users cannot sign in with a password.
    """
    count_password_attempt(request, account=email.lower())
    model = get_user_model()
    username: str | None = email
    if uses_username(model):
        username = (
            user_queryset(model)
            .with_email(email)
            .values_list(model.USERNAME_FIELD, flat=True)
            .first()
        )
    if username is None:
        make_password(password)  # as ModelBackend does for an unknown username
        raise InvalidEmailOrPassword()
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active or is_signed_in_anonymous_user(user):
        raise InvalidEmailOrPassword()
    login(request, user)
    return user

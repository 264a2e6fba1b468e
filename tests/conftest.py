"""Fixtures shared by the test suite; plain helpers live in ``tests/helpers.py``.

Each fixture name has one meaning everywhere:

``user_model``
    The configured user model (``AUTH_USER_MODEL``).
``make_user``
    Factory of linked users: an email and the password ``PASSWORD``, ``is_anonymous_user``
    False, whatever the model's username field.
``linked_user``
    One linked user, ``ada@example.com`` with ``PASSWORD``.
``anonymous_user``
    A user row with ``is_anonymous_user=True``, created directly through
    ``helpers.make_anonymous_user()``: no request, no session, no client.
``api_client``
    A browser nobody signed in to: a ``CookieClient`` (``APIClient`` keeping cookies,
    Django's CSRF checks enforced).
``anonymous_client``
    A browser (``CookieClient``) signed in anonymously through the API; the sign-in's JSON
    body is ``anonymous_client.signed_in``.
``client_kind``
    ``"cookie"`` or ``"bearer"``: a test that asks for it runs once for each.
``anonymous_client_of_kind``
    Signed in anonymously through the API like ``anonymous_client``, as a client of
    ``client_kind``: the browser itself, or an app (``BearerClient``) sending the token it
    got in ``Authorization: Bearer`` and no cookies. Its ``.signed_in`` is the sign-in body.
``count_statements``
    Context manager counting the SQL statements of a block, transaction control left out.

A module's own fixtures follow the same words: ``anonymous_...`` for an anonymous user or a
client signed in as one, ``linked_...`` for a user with an email and a password.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .helpers import PASSWORD, CookieClient, make_anonymous_user, signed_in_anonymously


@pytest.fixture(autouse=True)
def clear_cache() -> None:
    """Start every test with an empty cache: the sign-in throttle counts in it."""
    cache.clear()


@pytest.fixture
def user_model() -> type[Any]:
    return get_user_model()


@pytest.fixture
def make_user(db: None, user_model: type[Any]) -> Callable[..., Any]:
    """Create a linked user with ``PASSWORD``, whatever the user model's username field."""

    def make(email: str = "ada@example.com", password: str = PASSWORD, **extra: Any) -> Any:
        if user_model.USERNAME_FIELD != "email":
            extra.setdefault(user_model.USERNAME_FIELD, email)
            return user_model.objects.create_user(email=email, password=password, **extra)
        return user_model.objects.create_user(email, password, **extra)

    return make


@pytest.fixture
def linked_user(make_user: Callable[..., Any]) -> Any:
    return make_user()


@pytest.fixture
def anonymous_user(db: None) -> Any:
    return make_anonymous_user()


@pytest.fixture
def api_client(db: None) -> CookieClient:
    """A browser-like client: session cookie, and Django's CSRF checks enforced."""
    return CookieClient()


@pytest.fixture
def anonymous_client(db: None) -> CookieClient:
    """A browser signed in anonymously; ``.signed_in`` is the sign-in body."""
    return signed_in_anonymously("cookie")


@pytest.fixture(params=["cookie", "bearer"])
def client_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def anonymous_client_of_kind(db: None, client_kind: str) -> Any:
    """``anonymous_client`` as a browser (cookie) or as an app holding the token (bearer)."""
    return signed_in_anonymously(client_kind)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.fixture
def count_statements():
    """Count the SQL statements a block runs, leaving out transaction control.

    SQLite logs BEGIN and COMMIT as queries and PostgreSQL does not; the budget is
    about the work done, so both databases count the same.
    """

    @contextmanager
    def counting() -> Iterator[list[str]]:
        with CaptureQueriesContext(connection) as context:
            statements: list[str] = []
            yield statements
        statements.extend(
            q["sql"]
            for q in context.captured_queries
            if not q["sql"].startswith(TRANSACTION_CONTROL)
        )

    return counting

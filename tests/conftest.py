from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_anonymous_auth.models import create_anonymous_user

PASSWORD = "correct horse battery staple"


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
def anonymous_user(db: None, user_model: type[Any]) -> Any:
    return create_anonymous_user(
        user_model, email="temp-0123456789abcdefghijklmnopqrstuv@anonymous.invalid", name="Guest"
    )


@pytest.fixture
def api_client(db: None) -> APIClient:
    """A browser-like client: session cookie, and Django's CSRF checks enforced."""
    return APIClient(enforce_csrf_checks=True)


def api(path: str) -> str:
    return f"/api/auth/{path}"


def csrf_headers(client: APIClient) -> dict[str, str]:
    """The header a browser page sends, from the ``csrftoken`` cookie Django set.

    Like a page, a client without the cookie yet asks get-session first, which sets it.
    """
    if "csrftoken" not in client.cookies:
        client.get(api("get-session"))
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def sign_in_anonymously(client: APIClient) -> dict[str, Any]:
    """POST sign-in/anonymous and return the JSON body."""
    response = client.post(api("sign-in/anonymous"), **csrf_headers(client))
    assert response.status_code == 200, response.content
    return response.json()


def bearer_client(token: str) -> APIClient:
    """A mobile-app-like client: no cookies, the token in ``Authorization``."""
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def session_user(client: APIClient) -> Any:
    """The JSON ``user`` of GET get-session, or None when nobody is signed in."""
    response = client.get(api("get-session"))
    if response.status_code == 401:
        return None
    assert response.status_code == 200, response.content
    body = response.json()
    return body and body["user"]


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

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
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

from .helpers import PASSWORD, CookieClient, make_anonymous_user, signed_in_anonymously


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """``test_allauth.py`` imports allauth's models: it runs under ``tests.settings_allauth``."""
    if collection_path.name == "test_allauth.py" and "allauth" not in settings.INSTALLED_APPS:
        return True
    return None


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
WRITES = ("INSERT", "UPDATE", "DELETE")


class Statements(list[str]):
    """The SQL statements of a block, how many write transactions and savepoints they made."""

    write_transactions = 0
    savepoints = 0


@pytest.fixture
def count_statements() -> Callable[[], Any]:
    """Count the SQL statements a block runs, leaving out transaction control.

    SQLite logs BEGIN and COMMIT as queries and PostgreSQL does not; the budget is
    about the work done, so both databases count the same. ``write_transactions``
    counts commits that wrote and writes made in autocommit, each its own
    transaction: it needs a ``transaction=True`` test, where nothing wraps the block.
    """

    @contextmanager
    def counting() -> Iterator[Statements]:
        statements = Statements()
        pending_write = False
        commit = connection.commit

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal pending_write
            statements.savepoints += sql.startswith("SAVEPOINT")
            if not sql.startswith(TRANSACTION_CONTROL):
                statements.append(sql)
                if sql.lstrip().upper().startswith(WRITES):
                    if connection.in_atomic_block:
                        pending_write = True
                    else:
                        statements.write_transactions += 1
            return execute(sql, params, many, context)

        def counting_commit() -> None:
            nonlocal pending_write
            commit()
            statements.write_transactions += pending_write
            pending_write = False

        with connection.execute_wrapper(record):
            connection.commit = counting_commit  # type: ignore[method-assign]
            try:
                yield statements
            finally:
                del connection.commit

    return counting

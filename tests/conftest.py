from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_anonymous_auth.models import create_anonymous_user

PASSWORD = "correct horse battery staple"


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

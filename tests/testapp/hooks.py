"""Hooks as a project would write them, for ``ANONYMOUS_AUTH`` in the tests."""

from __future__ import annotations

from typing import Any

from .models import Note


def move_notes(*, anonymous_user: Any, user: Any, request: Any) -> None:
    """Move the guest's notes to the account it signed in to."""
    Note.objects.filter(owner=anonymous_user).update(owner=user)


def fail(*, anonymous_user: Any, user: Any, request: Any) -> None:
    """Move the notes, then fail: the move must be rolled back."""
    move_notes(anonymous_user=anonymous_user, user=user, request=request)
    raise RuntimeError("the hook failed")


def generate_name(*, request: Any) -> str:
    return "Guest from the tests"


def generate_email(*, request: Any) -> str:
    return "Guest.Fixed@Example.org"


def generate_invalid_email(*, request: Any) -> str:
    return "not an email"


def broken_generate_name(*, request: Any) -> str:
    raise RuntimeError("the name service is down")

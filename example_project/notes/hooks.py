"""The example's ``ON_LINK_ACCOUNT``: a guest's notes follow them into their account."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import Note


def move_notes(*, anonymous_user: Any, user: Any, request: HttpRequest | None) -> None:
    """Give the guest's notes to the account they signed in to, in one UPDATE.

    It runs inside the merge transaction, before the guest is deleted: without it
    the notes would go with the guest (``on_delete=CASCADE``).
    """
    Note.objects.filter(owner=anonymous_user).update(owner=user)

"""Link an anonymous user to an email and password, in place."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..exceptions import UserAlreadyExists
from ..models import identity_fields, user_queryset, uses_username
from ..sessions import rotate_session
from ..signals import anonymous_user_linked
from ..throttling import count_password_attempt
from .locks import lock_anonymous_user


def link_account(
    *,
    request: HttpRequest,
    email: str,
    password: str,
    username: str | None = None,
    name: str | None = None,
) -> Any:
    """Give the signed-in anonymous user an email and password, keeping its id and data.

    Without ``name`` the generated one is cleared: a saved account is nobody's
    "Anonymous". The password is hashed before the row is locked: Argon2 takes a
    few hundred milliseconds, and no lock or SQLite write transaction may be held
    that long. The session key rotates and this session stays valid, in the same
    transaction; every other session and token of the user stops working, because
    the password change changes the session auth hash that ``get_user()`` verifies.
    """
    count_password_attempt(request, account=str(request.user.pk))
    model = get_user_model()
    encoded = make_password(password)
    identity = identity_fields(model, email=email, username=username, name=name or "")
    try:
        with transaction.atomic():
            locked = lock_anonymous_user(request.user.pk)
            raise_if_taken(model, identity, pk=locked.pk)
            for field, value in identity.items():
                setattr(locked, field, value)
            locked.password = encoded
            locked.is_anonymous_user = False
            locked.save(update_fields=[*identity, "password", "is_anonymous_user"])
            rotate_session(request, locked)
    except IntegrityError:
        # Another account took the address between our check and our write.
        raise UserAlreadyExists() from None
    request.user = locked
    transaction.on_commit(
        partial(anonymous_user_linked.send, sender=model, user=locked, request=request)
    )
    return locked


def raise_if_taken(model: type[Any], identity: dict[str, str], *, pk: Any) -> None:
    """Raise ``UserAlreadyExists`` when another user has this email (in any case) or username."""
    others = user_queryset(model).exclude(pk=pk)
    email_field = model.get_email_field_name()
    if others.with_email(identity[email_field]).exists():
        raise UserAlreadyExists()
    if (
        uses_username(model)
        and others.filter(**{model.USERNAME_FIELD: identity[model.USERNAME_FIELD]}).exists()
    ):
        raise UserAlreadyExists(_("A user with this username already exists."))

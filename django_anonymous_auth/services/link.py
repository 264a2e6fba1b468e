"""Link an anonymous user to an email and password, in place."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from .. import exceptions
from ..models import name_field, uses_username
from ..signals import anonymous_user_linked


def link_account(
    *,
    request: HttpRequest,
    email: str,
    password: str,
    username: str | None = None,
    name: str | None = None,
) -> Any:
    """Give the signed-in anonymous user an email and password, keeping its id and data.

    The password is hashed before the row is locked: Argon2 takes a few hundred
    milliseconds, and no lock or SQLite write transaction may be held that long. The
    session key rotates and this session stays valid; every other session and token
    of the user stops working, because the password change changes the session auth
    hash that ``django.contrib.auth.get_user`` verifies.
    """
    user = request.user
    model = get_user_model()
    encoded = make_password(password)
    email_field = model.get_email_field_name()
    identity = {email_field: email}
    if uses_username(model):
        identity[model.USERNAME_FIELD] = username or email
    display_name_field = name_field(model)
    if name and display_name_field:
        identity[display_name_field] = name
    try:
        with transaction.atomic():
            locked = model._default_manager.select_for_update().filter(pk=user.pk).first()
            if locked is None:  # deleted while the password was hashed
                raise exceptions.Unauthorized()
            if not locked.is_anonymous_user:
                raise exceptions.UserIsNotAnonymous()
            others = model._default_manager.exclude(pk=user.pk)
            if others.filter(**{f"{email_field}__iexact": email}).exists() or (
                uses_username(model)
                and others.filter(**{model.USERNAME_FIELD: identity[model.USERNAME_FIELD]}).exists()
            ):
                raise exceptions.UserAlreadyExists()
            for field, value in identity.items():
                setattr(locked, field, value)
            locked.password = encoded
            locked.is_anonymous_user = False
            locked.save(update_fields=[*identity, "password", "is_anonymous_user"])
    except IntegrityError:
        # Another account took the address between our check and our write.
        raise exceptions.UserAlreadyExists() from None
    update_session_auth_hash(request, locked)
    request.user = locked
    transaction.on_commit(
        partial(anonymous_user_linked.send, sender=model, user=locked, request=request)
    )
    return locked

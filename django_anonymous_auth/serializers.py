"""Input validation and the output shape of ``user``; nothing here writes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from .models import identity_fields, uses_username


def user_fields(user: Any) -> dict[str, Any]:
    """``{id, email, name, is_anonymous, created_at}``, plus ``username`` where it differs.

    ``created_at`` stays a ``datetime``: DRF's JSON encoder writes it as it writes
    the session's ``expires_at`` (ISO 8601, UTC as ``Z``), whatever the project's
    ``REST_FRAMEWORK["DATETIME_FORMAT"]`` or ``TIME_ZONE``.
    """
    data = {
        "id": user.pk,
        "email": getattr(user, user.get_email_field_name()),
        "name": user.get_full_name() if hasattr(user, "get_full_name") else "",
        "is_anonymous": user.is_anonymous_user,
        "created_at": getattr(user, "date_joined", None),
    }
    if uses_username(user.__class__):
        data["username"] = user.get_username()
    return data


class UserSerializer(serializers.Serializer):
    """The default ``USER_SERIALIZER``: ``user_fields()``. Subclass it to add fields."""

    def to_representation(self, user: Any) -> dict[str, Any]:
        return user_fields(user)


class EmailPasswordSerializer(serializers.Serializer):
    """``{email, password}`` of sign-in; the email is normalised, the password untouched."""

    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)

    def validate_email(self, value: str) -> str:
        return BaseUserManager.normalize_email(value)


class LinkAccountSerializer(EmailPasswordSerializer):
    """``{email, password[, username][, name]}`` of link-account, checked as the account will be.

    ``username`` exists only for username-based user models and defaults to the email;
    ``name`` replaces the generated one when given; the password goes through
    ``AUTH_PASSWORD_VALIDATORS`` against the new identity.
    """

    username = serializers.CharField(required=False)
    name = serializers.CharField(required=False, max_length=150)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if not uses_username(get_user_model()):
            del fields["username"]
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        model = get_user_model()
        if uses_username(model):
            attrs["username"] = model.normalize_username(attrs.get("username", attrs["email"]))
            field = model._meta.get_field(model.USERNAME_FIELD)
            assert isinstance(field, models.Field)
            try:
                # The model field's own validators, max_length included.
                field.run_validators(attrs["username"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"username": list(exc.messages)}) from exc
        # An unsaved user with the new identity, for the similarity validator.
        identity = identity_fields(
            model, email=attrs["email"], username=attrs.get("username"), name=attrs.get("name")
        )
        candidate = model(**identity)
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs

"""A username-based custom user model, the way a project that already has one adds the mixin."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from django_anonymous_auth.models import AnonymousUserMixin, AnonymousUserQuerySet


class TestUserManager(UserManager.from_queryset(AnonymousUserQuerySet)):  # type: ignore[misc]
    """Django's UserManager plus .anonymous() and .linked()."""


class User(AnonymousUserMixin, AbstractUser):
    objects: ClassVar[TestUserManager] = TestUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="testapp_user_email_ci_unique"
            ),
        ]


class Note(models.Model):
    """Data a guest creates; deleted with its owner."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text


class Invoice(models.Model):
    """Data that must never vanish with a user: it stops the user's deletion."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    number = models.CharField(max_length=20)

    def __str__(self) -> str:
        return self.number

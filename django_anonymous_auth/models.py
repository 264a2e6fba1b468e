"""The abstract mixin for any user model, and the shipped email-based ``User``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AnonymousUserMixin(models.Model):
    """Add the anonymous-user flag and last activity to a user model.

    The field is ``is_anonymous_user``, never ``is_anonymous``: Django's
    ``is_anonymous`` property means "nobody is signed in", and shadowing it would
    take every permission away from these users (``ModelBackend``) and make code
    that checks ``request.user.is_anonymous`` treat them as logged out.
    """

    is_anonymous_user = models.BooleanField(
        _("anonymous"),
        default=False,
        db_index=True,
        help_text=_("Created by anonymous sign-in and not yet linked to an email and password."),
    )
    last_seen = models.DateTimeField(
        _("last seen"),
        null=True,
        blank=True,
        help_text=_("Last request of an anonymous user; expired guests are deleted."),
    )

    class Meta:
        abstract = True


class AnonymousUserQuerySet(models.QuerySet):
    """Queries over users that have ``is_anonymous_user``."""

    def anonymous(self) -> AnonymousUserQuerySet:
        return self.filter(is_anonymous_user=True)

    def linked(self) -> AnonymousUserQuerySet:
        return self.filter(is_anonymous_user=False)

    def expired(self, cutoff: datetime) -> AnonymousUserQuerySet:
        """Anonymous users last seen before ``cutoff``, or never seen and joined before it.

        A never-seen user of a model without ``date_joined`` has no known age and is
        never expired.
        """
        seen_before = Q(last_seen__lt=cutoff)
        if any(f.name == "date_joined" for f in self.model._meta.concrete_fields):
            seen_before |= Q(last_seen__isnull=True, date_joined__lt=cutoff)
        return self.anonymous().filter(seen_before)


def uses_username(model: type[Any]) -> bool:
    """Tell whether ``model`` signs in with a username distinct from its email."""
    return bool(model.get_email_field_name() != model.USERNAME_FIELD)


def name_field(model: type[Any]) -> str | None:
    """The field holding a user's display name: ``name``, else ``first_name``, if any."""
    fields = {f.name for f in model._meta.get_fields()}
    return next((name for name in ("name", "first_name") if name in fields), None)


def create_anonymous_user(
    model: type[Any], *, email: str, name: str, using: str | None = None
) -> Any:
    """Create and save an anonymous user of ``model``, which has the mixin.

    The placeholder email also fills the username field of username-based models.
    The password is unusable, so an anonymous user can never sign in with one.
    """
    values: dict[str, Any] = {
        model.get_email_field_name(): email,
        "is_anonymous_user": True,
        # Set now, so the cleanup needs no date_joined and the first requests no UPDATE.
        "last_seen": timezone.now(),
    }
    values[model.USERNAME_FIELD] = email
    field = name_field(model)
    if field:
        values[field] = name
    user = model(**values)
    user.set_unusable_password()
    user.save(using=using)
    return user


class UserManager(BaseUserManager.from_queryset(AnonymousUserQuerySet)):  # type: ignore[misc]
    """Manager of the shipped email-based ``User``."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("The email must be set")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields["is_staff"] is not True or extra_fields["is_superuser"] is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True")
        return self._create_user(email, password, **extra_fields)

    def create_anonymous_user(self, *, email: str, name: str) -> User:
        return create_anonymous_user(self.model, email=email, name=name, using=self._db)

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are unique case-insensitively, so sign-in must find them that way too.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AnonymousUserMixin, AbstractBaseUser, PermissionsMixin):
    """The shipped email-based user: ``AUTH_USER_MODEL = "django_anonymous_auth.User"``."""

    # unique=True satisfies Django's auth.E003 check on USERNAME_FIELD; the constraint
    # in Meta is what makes the address unique whatever its letter case.
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into this admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Designates whether this user should be treated as active. "
            "Unselect this instead of deleting accounts."
        ),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"
        constraints: ClassVar[list[Any]] = [
            # The database, not a form, keeps two accounts from sharing an address in
            # different letter case (Bob@x.org and bob@x.org).
            models.UniqueConstraint(
                Lower("email"),
                name="daa_user_email_ci_unique",
                violation_error_message=_("A user with that email address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

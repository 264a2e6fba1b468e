"""The abstract mixin for any user model, and the shipped email-based ``User``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import hooks
from .conf import app_settings
from .crypto import random_token


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


# Django gives each child of an abstract model the Meta of the first base in its MRO
# that has one. Without ours, a model declared ``class User(AnonymousUserMixin,
# AbstractUser)`` keeps AbstractUser's Meta (verbose names, swappable) as it would
# without the mixin.
del AnonymousUserMixin.Meta


def is_signed_in_anonymous_user(user: Any) -> bool:
    """Tell whether ``user`` (``request.user``, say) is a signed-in anonymous user."""
    return bool(
        user is not None and user.is_authenticated and getattr(user, "is_anonymous_user", False)
    )


def has_field(model: type[Any], name: str) -> bool:
    """Tell whether ``model`` has a column called ``name`` (``last_login``, ``date_joined``)."""
    return any(field.name == name for field in model._meta.concrete_fields)


def uses_username(model: type[Any]) -> bool:
    """Tell whether ``model`` signs in with a username distinct from its email."""
    return bool(model.get_email_field_name() != model.USERNAME_FIELD)


def name_field(model: type[Any]) -> str | None:
    """The field holding a user's display name: ``name``, else ``first_name``, if any."""
    fields = {f.name for f in model._meta.get_fields()}
    return next((name for name in ("name", "first_name") if name in fields), None)


def identity_fields(
    model: type[Any], *, email: str, username: str | None = None, name: str | None = None
) -> dict[str, str]:
    """The field values that say who a user of ``model`` is.

    The email also fills the username field of username-based models unless
    ``username`` is given; ``name`` goes to the display-name field, if the model has one.
    """
    values = {model.get_email_field_name(): email, model.USERNAME_FIELD: username or email}
    field = name_field(model)
    if name is not None and field:
        values[field] = name
    return values


def expiry_cutoff(older_than: timedelta) -> datetime:
    """The moment before which an anonymous user counts as abandoned.

    ``last_seen`` moves once per ``ACTIVITY_UPDATE_INTERVAL``: a guest active a
    minute ago may carry a ``last_seen`` that old, so ``older_than`` must be longer.
    """
    interval = app_settings.ACTIVITY_UPDATE_INTERVAL
    if older_than <= interval:
        raise ValueError(
            f"The expiry age ({older_than}) must be longer than "
            f"ANONYMOUS_AUTH['ACTIVITY_UPDATE_INTERVAL'] ({interval}), or guests who are "
            "still active would be deleted."
        )
    try:
        return timezone.now() - older_than
    except OverflowError:
        raise ValueError(f"The expiry age ({older_than}) reaches back before year 1.") from None


#: Anonymous users, as a filter that any queryset of a user model with the mixin takes,
#: whatever its class (the admin's changelist, a project's own manager).
ANONYMOUS = Q(is_anonymous_user=True)


class AnonymousUserQuerySet(models.QuerySet):
    """Queries over users that have ``is_anonymous_user``.

    A project's own manager offers them when built with
    ``UserManager.from_queryset(AnonymousUserQuerySet)``; this app reaches them
    through :func:`user_queryset`, whatever manager the model has.
    """

    def anonymous(self) -> AnonymousUserQuerySet:
        return self.filter(ANONYMOUS)

    def linked(self) -> AnonymousUserQuerySet:
        return self.filter(~ANONYMOUS)

    def expired(self, cutoff: datetime) -> AnonymousUserQuerySet:
        """Anonymous users last seen before ``cutoff``, or never seen and joined before it.

        A never-seen user of a model without ``date_joined`` has no known age and is
        never expired.
        """
        seen_before = Q(last_seen__lt=cutoff)
        if has_field(self.model, "date_joined"):
            seen_before |= Q(last_seen__isnull=True, date_joined__lt=cutoff)
        return self.anonymous().filter(seen_before)

    def with_email(self, email: str) -> AnonymousUserQuerySet:
        """Users whose email is ``email`` in any letter case, as the unique index compares.

        ``LOWER()`` on both sides, like the index: ``iexact`` compares with
        ``UPPER()``, and ``x@sx.com`` and ``x@\u017fx.com`` (a long s) are one address in upper case
        but two in lower case, two rows the index lets exist side by side.
        """
        model: Any = self.model
        field = model.get_email_field_name()
        return self.alias(email_lower=Lower(field)).filter(email_lower=Lower(Value(email)))

    def create_anonymous_user(self, *, request: HttpRequest | None = None, **fields: Any) -> Any:
        """Create and save an anonymous user, complete with generated email and name.

        ``fields`` may set ``email``, ``name`` (else ``GENERATE_EMAIL`` and
        ``GENERATE_NAME`` give them) or any other field. The password is
        unusable, so an anonymous user can never sign in with one. Raises Django's
        ``ValidationError`` when the email is not valid.
        """
        user = self.new_anonymous_user(request=request, **fields)
        user.save(using=self.db)
        return user

    def new_anonymous_user(self, *, request: HttpRequest | None = None, **fields: Any) -> Any:
        """The anonymous user ``create_anonymous_user()`` would save, not saved yet."""
        email = fields.pop("email", None)
        if email:
            validate_email(email)
        else:
            generate = app_settings.import_hook("GENERATE_EMAIL")
            email = generate(request=request)
            # The default's are valid as built: a random token at a validated domain.
            if generate is not hooks.generate_email:
                validate_email(email)
        name = fields.pop("name", None)
        if name is None:
            name = app_settings.import_hook("GENERATE_NAME")(request=request)
        # Seen now, so the cleanup needs no date_joined and the first requests no UPDATE.
        fields.setdefault("last_seen", timezone.now())
        user: Any = self.model(
            **identity_fields(self.model, email=email, name=name),
            is_anonymous_user=True,
            **fields,
        )
        # What set_unusable_password() stores, from one call to the OS where Django's
        # makes forty: a new visitor pays for this on every sign-in.
        user.password = UNUSABLE_PASSWORD_PREFIX + random_token()
        return user


def user_queryset(model: type[Any]) -> AnonymousUserQuerySet:
    """This app's queries over a user model, whatever manager the project gave it."""
    return AnonymousUserQuerySet(model=model)


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

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are unique case-insensitively, so sign-in must find them that way too.
        return self.with_email(username or "").get()


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


class RateCounter(models.Model):
    """The requests of one client in the current window of a rate limit (the database store)."""

    key = models.CharField(max_length=150, primary_key=True)
    hits = models.PositiveIntegerField()
    #: The end of the counted window, in seconds since the epoch.
    window_end = models.BigIntegerField()

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return self.key

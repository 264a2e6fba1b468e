"""django-allauth signs a guest up in place: same user, same primary key, same rows.

To allauth a guest is a visitor: ``AllauthGuestMiddleware`` shows allauth's views nobody
signed in, so its sign-up and login pages, its headless API (browser and app clients)
and its social providers serve a guest as they serve anyone, instead of answering
"already signed in". Then:

- A sign-up (the email form, headless, a social account) gets a copy of the guest from
  ``AccountAdapter.new_user()`` instead of a fresh user. ``save_user()`` locks the guest,
  checks that it is still one and saves the copy over it with its new identity,
  ``is_anonymous_user`` false. allauth's ``login()`` then stores a new session: the new
  password (or the unusable one of a social account) changes the session auth hash, so
  every other session and token of the guest ends, as with link-account.
- A login to an account that exists (password, code, social) is a ``login()`` like any
  other: the guest is merged into the account (``ON_LINK_ACCOUNT``).
- The upgrade is one transaction, from the guest's lock to the end of the view: an
  exception after it (the email address row, a ``user_signed_up`` or ``user_logged_in``
  receiver, the database) rolls all of it back and leaves the guest signed in as it was.
  The password is hashed before the transaction begins, and the confirmation mail goes
  out after it commits, so the lock is held for the writes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.middleware import get_user
from django.contrib.auth.models import AnonymousUser
from django.db import router, transaction
from django.db.transaction import Atomic
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from .. import previous_user
from ..exceptions import Unauthorized, UserIsNotAnonymous
from ..models import identity_fields, is_signed_in_anonymous_user, user_queryset
from ..services.locks import lock_anonymous_user
from ..sessions import reopen_session, stored_session

#: The request attribute holding the ``Upgrade`` of an allauth view a guest reached.
UPGRADE = "_anonymous_auth_allauth_upgrade"


@dataclass
class Upgrade:
    """One allauth view's request, as far as a guest's upgrade in it is concerned."""

    #: Nested transactions open when the view began: the upgrade's own transaction is
    #: only opened at that depth, so that it ends after everything the view opened.
    depth: int
    #: The upgrade's own transaction, when the request has none around the view.
    atomic: Atomic | None = None
    #: The guest's session (or app token), set when the guest is claimed.
    session_key: str | None = None
    guest_pk: Any = None
    failed: bool = False


class AllauthGuestMiddleware:
    """Hide guests from allauth's views and end a guest's upgrade. Last in ``MIDDLEWARE``.

    Last, because the upgrade's transaction opens inside the view and closes here:
    whatever another middleware opens around the view must enclose it.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        finally:  # DEBUG_PROPAGATE_EXCEPTIONS raises the view's exception through here
            upgrade = request.__dict__.pop(UPGRADE, None)
            if upgrade is not None:
                end_upgrade(request, upgrade)
        return response

    def process_view(self, request: HttpRequest, view: Any, *args: Any) -> None:
        if not is_allauth_view(view):
            return
        setattr(request, UPGRADE, Upgrade(depth=transaction_depth()))
        # Lazy, and re-read whenever allauth re-reads the user: its app client swaps
        # in the session of the request's X-Session-Token inside the view.
        request.user = SimpleLazyObject(partial(visitor, request))  # type: ignore[assignment]

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        upgrade = getattr(request, UPGRADE, None)
        if upgrade is not None:
            upgrade.failed = True  # allauth's ImmediateHttpResponse included: a refusal


@lru_cache(maxsize=512)  # asked on every request, of the project's few view functions
def is_allauth_view(view: Any) -> bool:
    """Tell whether ``view`` is one of allauth's, or a project's subclass of one."""
    view_class = getattr(view, "view_class", None)
    modules = [view.__module__, *(base.__module__ for base in getattr(view_class, "__mro__", ()))]
    return any(module.startswith("allauth.") for module in modules)


def end_upgrade(request: HttpRequest, upgrade: Upgrade) -> None:
    """Commit or roll back the upgrade; then its session may no longer name the guest.

    On failure the request goes back to the guest's session as it is stored (the
    rollback restored it), whatever allauth or ``login()`` did to the request's. On
    success, unless ``login()`` has replaced it, the session stops naming the guest
    but keeps allauth's state: a sign-up that waits for its email to be verified must
    not find it flushed on the next request, as Django does to a session whose auth
    hash no longer matches. Written after the commit, so no cache can keep it from a
    transaction that rolled back.
    """
    if upgrade.atomic is not None:
        if upgrade.failed:
            transaction.set_rollback(True, using=db_alias())
        upgrade.atomic.__exit__(None, None, None)
    key = upgrade.session_key
    if key is None:
        return  # no guest was claimed
    if upgrade.failed:
        reopen_session(request, key)
        return
    own = request.session.session_key == key
    session = request.session if own else stored_session(key)  # an app's token otherwise
    if session.get(SESSION_KEY) != str(upgrade.guest_pk):
        return  # login() stored a new session, or allauth ended this one
    for name in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY):
        session.pop(name, None)
    if not own:
        session.save()  # the request's own is saved by SessionMiddleware


def visitor(request: HttpRequest) -> Any:
    """The user allauth sees on ``request``: nobody, when a guest is signed in."""
    user = get_user(request)  # cached on the request until allauth swaps its session
    previous_user.remember(request, user)
    return AnonymousUser() if is_signed_in_anonymous_user(user) else user


def hidden_guest(request: HttpRequest | None) -> Any | None:
    """The guest that ``AllauthGuestMiddleware`` hid from the allauth view of ``request``."""
    if request is None or getattr(request, UPGRADE, None) is None:
        return None
    return previous_user.peek(request)


def is_guest(user: Any) -> bool:
    """Tell whether allauth is about to save ``user``, the guest's copy from ``new_user()``."""
    return user.pk is None and getattr(user, "is_anonymous_user", False)


def claim_guest(request: HttpRequest, user: Any) -> None:
    """Open the upgrade's transaction, lock the guest and make ``user`` its row, no longer a guest.

    Refused, with nothing changed, when nobody is signed in as a guest any more, or the
    guest was linked, merged or deleted since allauth got its copy (in another tab, by
    the cleanup).
    """
    upgrade = getattr(request, UPGRADE, None)
    guest = hidden_guest(request)
    if upgrade is None or guest is None:
        raise ImmediateHttpResponse(refusal(request))
    if upgrade.atomic is None and transaction_depth() == upgrade.depth:
        # Only where the view began: under ATOMIC_REQUESTS (or an atomic block of the
        # project around the sign-up) that transaction is the upgrade's, and it already
        # rolls back on an exception.
        upgrade.atomic = transaction.atomic(using=db_alias())
        upgrade.atomic.__enter__()
    try:
        lock_anonymous_user(guest.pk)
    except (Unauthorized, UserIsNotAnonymous):
        raise ImmediateHttpResponse(refusal(request)) from None
    user.pk = guest.pk
    user._state.adding = False  # an UPDATE of the guest's row
    user.is_anonymous_user = False
    upgrade.session_key, upgrade.guest_pk = request.session.session_key, guest.pk


def refusal(request: HttpRequest) -> HttpResponse:
    """allauth's answer to a sign-up that cannot go on: headless 409, or the login page."""
    if getattr(getattr(request, "allauth", None), "headless", None) is not None:
        from allauth.headless.base.response import ConflictResponse

        return ConflictResponse(request)
    return HttpResponseRedirect(reverse("account_login"))


def upgrading(request: HttpRequest | None) -> bool:
    """Tell whether ``request`` is upgrading a guest, in its own transaction or the request's."""
    upgrade = getattr(request, UPGRADE, None)
    return upgrade is not None and upgrade.session_key is not None


def db_alias() -> str:
    return router.db_for_write(get_user_model())


def transaction_depth() -> int:
    connection = transaction.get_connection(db_alias())
    return len(connection.savepoint_ids) + connection.in_atomic_block


class AccountAdapterMixin:
    """Put before allauth's ``DefaultAccountAdapter`` (or your subclass of it)."""

    def new_user(self, request: HttpRequest) -> Any:
        """A copy of the signed-in guest, without its id and placeholder identity, or a new user.

        Without its id, because allauth takes a user with one for an existing account
        (a social login would log in to it); ``save_user()`` gives it back. A copy, so
        that the guest's own columns are kept, and whatever allauth or the project's
        adapter sets on it wins.
        """
        guest = hidden_guest(request)
        if guest is not None:
            # Read again: request.user is shared with the merge, and older.
            guest = (
                user_queryset(get_user_model()).filter(pk=guest.pk, is_anonymous_user=True).first()
            )
        if guest is None:
            return super().new_user(request)  # type: ignore[misc]
        guest.pk = None
        for field, value in identity_fields(
            get_user_model(), email="", username="", name=""
        ).items():
            setattr(guest, field, value)
        return guest

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        if not is_guest(user):
            return super().save_user(request, user, form, commit)  # type: ignore[misc]
        user = super().save_user(request, user, form, commit=False)  # type: ignore[misc]
        claim_guest(request, user)
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix: str, email: str, mail_context: dict[str, Any]) -> None:
        """Send it once the upgrade commits: never about an upgrade that rolled back.

        A mail server that fails then is logged, and the upgrade stands.
        """
        send = super().send_mail  # type: ignore[misc]
        if not upgrading(context.request):
            return send(template_prefix, email, mail_context)

        def send_after_the_upgrade() -> None:  # named: Django logs a failure by its name
            send(template_prefix, email, mail_context)

        transaction.on_commit(send_after_the_upgrade, using=db_alias(), robust=True)
        return None


class SocialAccountAdapterMixin:
    """Put before allauth's ``DefaultSocialAccountAdapter`` (or your subclass of it)."""

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        if is_guest(sociallogin.user):
            claim_guest(request, sociallogin.user)
        return super().save_user(request, sociallogin, form)  # type: ignore[misc]


class AccountAdapter(AccountAdapterMixin, DefaultAccountAdapter):
    """``ACCOUNT_ADAPTER = "django_anonymous_auth.contrib.allauth.AccountAdapter"``."""


class SocialAccountAdapter(SocialAccountAdapterMixin, DefaultSocialAccountAdapter):
    """``SOCIALACCOUNT_ADAPTER = "django_anonymous_auth.contrib.allauth.SocialAccountAdapter"``."""

"""A guest signs up through django-allauth and stays the same user; a guest who logs in is merged.

Runs with real django-allauth under ``--ds tests.settings_allauth`` (``make test`` does, on
SQLite and PostgreSQL). Transactional tests: the upgrade commits, and the confirmation mail
goes out only then.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import user_signed_up
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.signals import pre_social_login
from django.contrib.auth.hashers import check_password
from django.contrib.auth.signals import user_logged_in
from django.core import checks, mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from rest_framework.test import APIClient

from .helpers import PASSWORD, api, bearer_client, post, session_user, signed_in_anonymously
from .testapp.models import Note

pytestmark = [pytest.mark.allauth, pytest.mark.django_db(transaction=True)]

SIGNUP = "/accounts/signup/"
HEADLESS = "/_allauth/browser/v1"
APP = "/_allauth/app/v1"


@pytest.fixture(autouse=True)
def move_notes_on_link(settings):
    settings.ANONYMOUS_AUTH = {"ON_LINK_ACCOUNT": "tests.testapp.hooks.move_notes"}


@pytest.fixture
def guest():
    """A browser signed in anonymously, whose guest wrote a note, and another browser of it.

    Django's CSRF checks are off: the tests post allauth's own forms. ``guest.other`` is
    a second session of the same guest, which an upgrade must end.
    """
    browser = signed_in_anonymously("cookie", enforce_csrf_checks=False)
    browser.id = browser.signed_in["user"]["id"]
    Note.objects.create(owner_id=browser.id, text="written as a guest")
    browser.other = APIClient()
    browser.other.force_login(Note.objects.get().owner)
    return browser


def sign_up_by_form(client, email="ada@example.com"):
    """POST allauth's email sign-up form, as a person fills it in."""
    return client.post(SIGNUP, {"email": email, "password1": PASSWORD, "password2": PASSWORD})


@contextmanager
def receiver_raising(signal, error):
    """Connect a project's receiver of ``signal`` that raises ``error`` for an account."""

    def fail(user, **kwargs):
        if not user.is_anonymous_user:  # a guest's own sign-in goes through
            raise error("the project's receiver failed")

    signal.connect(fail)
    try:
        yield
    finally:
        signal.disconnect(fail)


def app_client(token):
    """A mobile app calling allauth's app API with a session token, and no cookies."""
    return APIClient(HTTP_X_SESSION_TOKEN=token)


def dummy_social_login(client, **account):
    """Go through allauth's ``dummy`` provider; return the last response."""
    start = client.post("/accounts/dummy/login/")
    assert start.status_code == 302, start.content
    fields = {"email_verified": "on", **account}
    return client.post(start["Location"], fields)


def assert_upgraded_in_place(client, email, user_model):
    """The guest is now the account ``email``: same id and rows, a new session, the rest ended."""
    user = user_model.objects.get(pk=client.id)
    assert user_model.objects.count() == 1
    assert user.is_anonymous_user is False
    assert user.email == email
    assert not user.get_username().startswith("temp-")
    assert Note.objects.get().owner_id == client.id
    assert session_user(client.other) is None
    assert bearer_client(client.signed_in["token"]).get(api("get-session")).status_code == 401
    return user


def assert_still_a_guest(client, user_model):
    """Nothing changed: the guest, its placeholder email, its session and its note."""
    user = user_model.objects.get(pk=client.id)
    assert user.is_anonymous_user is True
    assert user.email == client.signed_in["user"]["email"]
    assert session_user(client) == {**client.signed_in["user"]}
    assert session_user(client.other)["id"] == client.id
    assert Note.objects.get().owner_id == client.id
    assert not EmailAddress.objects.filter(user_id=client.id).exists()
    assert mail.outbox == []


class TestSignUpKeepsTheGuest:
    def test_email_sign_up_form(self, guest, user_model):
        response = sign_up_by_form(guest)

        assert response.status_code == 302
        user = assert_upgraded_in_place(guest, "ada@example.com", user_model)
        assert check_password(PASSWORD, user.password)
        assert guest.cookies["sessionid"].value != guest.signed_in["token"]
        signed_in = session_user(guest)
        assert (signed_in["id"], signed_in["email"]) == (guest.id, "ada@example.com")
        assert (signed_in["name"], signed_in["is_anonymous"]) == ("", False)
        assert EmailAddress.objects.get(user=user).email == "ada@example.com"
        assert [message.to for message in mail.outbox] == [["ada@example.com"]]

    def test_a_mail_server_that_fails_leaves_the_upgrade_standing(
        self, guest, user_model, settings, caplog
    ):
        settings.EMAIL_BACKEND = "tests.testapp.mail.UnreachableServerBackend"

        response = sign_up_by_form(guest)

        assert response.status_code == 302
        assert_upgraded_in_place(guest, "ada@example.com", user_model)
        assert session_user(guest)["id"] == guest.id
        assert "Connection refused" in caplog.text

    def test_under_atomic_requests(self, guest, user_model, monkeypatch):
        monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)

        sign_up_by_form(guest)

        assert_upgraded_in_place(guest, "ada@example.com", user_model)
        assert session_user(guest)["id"] == guest.id
        assert len(mail.outbox) == 1

    def test_headless_browser_sign_up(self, guest, user_model):
        assert guest.get(f"{HEADLESS}/auth/session").json()["meta"]["is_authenticated"] is False

        response = guest.post(
            f"{HEADLESS}/auth/signup",
            {"email": "ada@example.com", "password": PASSWORD},
            format="json",
        )

        assert response.status_code == 200, response.content
        assert response.json()["data"]["user"]["id"] == guest.id
        assert_upgraded_in_place(guest, "ada@example.com", user_model)
        assert session_user(guest)["is_anonymous"] is False

    def test_headless_app_sign_up_with_the_guest_token(self, guest, user_model):
        response = app_client(guest.signed_in["token"]).post(
            f"{APP}/auth/signup", {"email": "ada@example.com", "password": PASSWORD}, format="json"
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["data"]["user"]["id"] == guest.id
        assert_upgraded_in_place(guest, "ada@example.com", user_model)
        new_token = body["meta"]["session_token"]
        assert session_user(bearer_client(new_token))["id"] == guest.id
        assert app_client(new_token).get(f"{APP}/auth/session").status_code == 200

    def test_social_sign_up(self, guest, user_model):
        response = dummy_social_login(guest, id=42, email="ada@example.com")

        assert response.status_code == 302, response.content
        user = assert_upgraded_in_place(guest, "ada@example.com", user_model)
        assert not user.has_usable_password()
        assert SocialAccount.objects.get(provider="dummy", uid="42").user_id == guest.id
        assert session_user(guest)["id"] == guest.id

    def test_social_sign_up_through_allauth_form(self, guest, user_model, make_user):
        """The provider's email is someone else's: allauth asks for another, across requests."""
        make_user("ada@example.com")

        response = dummy_social_login(guest, id=42, email="ada@example.com", email_verified="")
        assert response["Location"] == "/accounts/3rdparty/signup/"
        assert not SocialAccount.objects.exists()
        response = guest.post("/accounts/3rdparty/signup/", {"email": "grace@example.com"})

        assert response.status_code == 302, response.content
        assert user_model.objects.get(pk=guest.id).email == "grace@example.com"
        assert SocialAccount.objects.get(uid="42").user_id == guest.id
        assert session_user(guest)["is_anonymous"] is False

    def test_mandatory_verification_applies(self, guest, user_model, settings):
        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

        sign_up_by_form(guest)

        user = user_model.objects.get(pk=guest.id)
        assert (user.is_anonymous_user, user.email) == (False, "ada@example.com")
        assert session_user(guest) is None  # signed in only once the address is verified
        assert session_user(guest.other) is None
        key = re.search(r"/accounts/confirm-email/([^/]+)/", mail.outbox[0].body).group(1)
        guest.post(f"/accounts/confirm-email/{key}/")
        assert EmailAddress.objects.get(user=user).verified is True
        login = guest.post("/accounts/login/", {"login": "ada@example.com", "password": PASSWORD})
        assert login.status_code == 302
        assert session_user(guest)["id"] == guest.id
        assert Note.objects.get().owner_id == guest.id

    def test_verification_by_code_continues_on_the_guest_session(self, guest, user_model, settings):
        """allauth keeps the pending code in the session: the upgrade must not get it flushed."""
        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
        settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True

        sign_up_by_form(guest)
        assert session_user(guest) is None
        code = re.search(r"below.*?\n\s*\n(\S+)\s*\n", mail.outbox[0].body, re.S).group(1)
        response = guest.post("/accounts/confirm-email/", {"code": code})

        assert response.status_code == 302, response.content
        assert session_user(guest)["id"] == guest.id
        assert session_user(guest.other) is None


@pytest.fixture
def account(make_user):
    """The existing account a guest logs in to."""
    user = make_user("ada@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


class TestLogInMergesTheGuest:
    """Logging in to an account that exists is a login() like any other: the guest is merged."""

    def assert_merged(self, client, account, user_model):
        assert session_user(client)["id"] == account.pk
        assert Note.objects.get().owner_id == account.pk
        assert not user_model.objects.filter(pk=client.id).exists()

    def test_password_login(self, guest, account, user_model):
        response = guest.post(
            "/accounts/login/", {"login": "ada@example.com", "password": PASSWORD}
        )

        assert response.status_code == 302
        self.assert_merged(guest, account, user_model)

    def test_headless_password_login(self, guest, account, user_model):
        response = guest.post(
            f"{HEADLESS}/auth/login",
            {"email": "ada@example.com", "password": PASSWORD},
            format="json",
        )

        assert response.status_code == 200, response.content
        self.assert_merged(guest, account, user_model)

    def test_headless_app_login_with_the_guest_token(self, guest, account, user_model):
        response = app_client(guest.signed_in["token"]).post(
            f"{APP}/auth/login", {"email": "ada@example.com", "password": PASSWORD}, format="json"
        )

        assert response.status_code == 200, response.content
        token = response.json()["meta"]["session_token"]
        assert session_user(bearer_client(token))["id"] == account.pk
        assert Note.objects.get().owner_id == account.pk
        assert not user_model.objects.filter(pk=guest.id).exists()

    def test_login_code(self, guest, account, user_model):
        guest.post("/accounts/login/code/", {"email": "ada@example.com"})
        code = re.search(r"below.*?\n\s*\n(\S+)\s*\n", mail.outbox[0].body, re.S).group(1)

        response = guest.post("/accounts/login/code/confirm/", {"code": code})

        assert response.status_code == 302, response.content
        self.assert_merged(guest, account, user_model)

    def test_social_login(self, guest, account, user_model):
        SocialAccount.objects.create(user=account, provider="dummy", uid="42")

        response = dummy_social_login(guest, id=42, email="ada@example.com")

        assert response.status_code == 302, response.content
        self.assert_merged(guest, account, user_model)


class TestRefusalsChangeNothing:
    def test_email_of_an_account(self, guest, account, user_model):
        response = sign_up_by_form(guest, "ADA@example.com")

        assert response.status_code == 200
        assert b"already registered" in response.content
        account.refresh_from_db()
        assert check_password(PASSWORD, account.password)
        assert user_model.objects.get(pk=guest.id).is_anonymous_user is True
        assert session_user(guest)["id"] == guest.id

    def test_social_account_of_an_account_is_never_attached(self, guest, account, user_model):
        SocialAccount.objects.create(user=account, provider="dummy", uid="42")

        dummy_social_login(guest, id=42, email="grace@example.com")

        assert SocialAccount.objects.get().user_id == account.pk
        assert not user_model.objects.filter(pk=guest.id).exists()  # merged into the account

    def test_guest_linked_in_another_tab_between_the_provider_and_the_save(self, guest, user_model):
        """The guest's row is re-checked under its lock before allauth's copy goes over it."""

        def link_elsewhere(sociallogin, **kwargs):
            user_model.objects.filter(pk=guest.id).update(
                is_anonymous_user=False, email="grace@example.com"
            )

        pre_social_login.connect(link_elsewhere)
        try:
            response = dummy_social_login(guest, id=42, email="ada@example.com")
        finally:
            pre_social_login.disconnect(link_elsewhere)

        assert response["Location"] == "/accounts/login/"
        assert user_model.objects.get(pk=guest.id).email == "grace@example.com"
        assert not SocialAccount.objects.exists()
        assert not EmailAddress.objects.exists()

    def test_guest_linked_before_allauths_sign_up_form_is_sent(self, guest, account, user_model):
        """allauth then sees a signed-in account, and its sign-up form turns it away."""
        dummy_social_login(guest, id=42, email="ada@example.com", email_verified="")
        linked = post(
            guest,
            api("anonymous/link-account"),
            {"email": "grace@example.com", "password": PASSWORD},
            format="json",
        )
        assert linked.status_code == 200, linked.content

        response = guest.post("/accounts/3rdparty/signup/", {"email": "linus@example.com"})

        assert response.status_code == 302
        assert user_model.objects.get(pk=guest.id).email == "grace@example.com"
        assert not SocialAccount.objects.exists()
        assert session_user(guest)["id"] == guest.id


class TestFailureLeavesTheGuestAsItWas:
    """A project's receiver raises after the guest's row was saved: ``user_signed_up``, or
    ``user_logged_in`` once the session was replaced and the confirmation mail was due.

    A RuntimeError is a 500, which Django answers without saving the session; a
    PermissionDenied is a 403, with which SessionMiddleware saves it: the session must
    be the guest's again by then.
    """

    @pytest.fixture(
        autouse=True,
        params=[
            (user_signed_up, RuntimeError, 500),
            (user_signed_up, PermissionDenied, 403),
            (user_logged_in, RuntimeError, 500),
            (user_logged_in, PermissionDenied, 403),
        ],
        ids=["signed-up-500", "signed-up-403", "logged-in-500", "logged-in-403"],
    )
    def status(self, request):
        signal, error, status = request.param
        with receiver_raising(signal, error):
            yield status

    def test_email_sign_up_form(self, guest, user_model, status):
        guest.raise_request_exception = False

        response = sign_up_by_form(guest)

        assert response.status_code == status
        assert_still_a_guest(guest, user_model)

    def test_headless_app_sign_up(self, guest, user_model, status):
        app = app_client(guest.signed_in["token"])
        app.raise_request_exception = False

        response = app.post(
            f"{APP}/auth/signup", {"email": "ada@example.com", "password": PASSWORD}, format="json"
        )

        assert response.status_code == status
        assert_still_a_guest(guest, user_model)
        assert app.get(f"{APP}/auth/session").status_code == 401  # still a guest, to allauth

    def test_under_atomic_requests(self, guest, user_model, status, monkeypatch):
        """The request's own transaction is then the upgrade's."""
        monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
        guest.raise_request_exception = False

        response = sign_up_by_form(guest)

        assert response.status_code == status
        assert_still_a_guest(guest, user_model)

    def test_social_sign_up(self, guest, user_model, status):
        guest.raise_request_exception = False

        response = dummy_social_login(guest, id=42, email="ada@example.com")

        assert response.status_code == status
        assert_still_a_guest(guest, user_model)
        assert not SocialAccount.objects.exists()


class TestChecks:
    def messages(self):
        return [
            m.id
            for m in checks.run_checks(include_deployment_checks=False)
            if m.is_serious() or m.id.startswith("django_anonymous_auth.")
        ]

    def test_the_documented_setup_passes(self):
        assert self.messages() == []

    def test_without_the_middleware_is_a_warning(self, settings):
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "AllauthGuest" not in m]
        assert self.messages() == ["django_anonymous_auth.W004"]

    def test_middleware_not_last_is_an_error(self, settings):
        *others, last, ours = settings.MIDDLEWARE
        settings.MIDDLEWARE = [*others, ours, last]
        assert self.messages() == ["django_anonymous_auth.E010"]

    def test_allauth_adapters_are_warnings(self, settings):
        del settings.ACCOUNT_ADAPTER
        settings.SOCIALACCOUNT_ADAPTER = "allauth.socialaccount.adapter.DefaultSocialAccountAdapter"
        assert self.messages() == ["django_anonymous_auth.W005", "django_anonymous_auth.W005"]


def test_a_failed_app_sign_up_keeps_the_guest_with_cached_db_sessions(settings, user_model):
    """allauth's app client saves its token's session inside the view: no cache may keep it."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    guest = signed_in_anonymously("bearer")

    with receiver_raising(user_signed_up, PermissionDenied):
        response = app_client(guest.signed_in["token"]).post(
            f"{APP}/auth/signup", {"email": "ada@example.com", "password": PASSWORD}, format="json"
        )

    assert response.status_code == 403
    assert user_model.objects.get().is_anonymous_user is True
    assert session_user(guest)["id"] == guest.signed_in["user"]["id"]


def test_projects_subclasses_of_allauths_views_see_guests_as_visitors():
    from allauth.account.views import SignupView
    from django.views.generic import TemplateView

    from django_anonymous_auth.contrib.allauth import is_allauth_view

    class ProjectSignupView(SignupView):
        template_name = "project/signup.html"

    assert is_allauth_view(ProjectSignupView.as_view())
    assert not is_allauth_view(TemplateView.as_view(template_name="index.html"))


def test_an_exception_raised_through_the_middleware_rolls_back(guest, user_model, settings):
    """With DEBUG_PROPAGATE_EXCEPTIONS, Django raises it through every middleware."""
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True

    with receiver_raising(user_signed_up, RuntimeError), pytest.raises(RuntimeError):
        sign_up_by_form(guest)

    assert user_model.objects.get(pk=guest.id).is_anonymous_user is True
    assert not EmailAddress.objects.exists()

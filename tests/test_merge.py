"""A guest signs in to an existing account: its data follows, on every login path."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from django_anonymous_auth.signals import anonymous_user_merged

from .helpers import PASSWORD, api, bearer_client, csrf_headers, session_user, sign_in_anonymously
from .testapp.models import Invoice, Note

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def move_notes_on_link(settings):
    settings.ANONYMOUS_AUTH = {"ON_LINK_ACCOUNT": "tests.testapp.hooks.move_notes"}


@pytest.fixture
def account(make_user):
    return make_user("ada@example.com", is_staff=True)


@pytest.fixture
def guest():
    """A browser signed in anonymously with one note: (client, guest id)."""
    client = APIClient()
    guest_id = sign_in_anonymously(client)["user"]["id"]
    Note.objects.create(owner_id=guest_id, text="written as a guest")
    return client, guest_id


@pytest.fixture
def merged():
    """The (anonymous user id, user id) pairs of every anonymous_user_merged sent."""
    sent = []

    def receiver(sender, anonymous_user, user, request, **kwargs):
        sent.append((anonymous_user.pk, user.pk))

    anonymous_user_merged.connect(receiver)
    yield sent
    anonymous_user_merged.disconnect(receiver)


def sign_in_with_email(client):
    return client.post(
        api("sign-in/email"),
        {"email": "ada@example.com", "password": PASSWORD},
        format="json",
        **csrf_headers(client),
    )


def assert_merged(guest_id, account, user_model, merged):
    assert list(Note.objects.values_list("owner_id", "text")) == [
        (account.pk, "written as a guest")
    ]
    assert not user_model.objects.filter(pk=guest_id).exists()
    assert merged == [(guest_id, account.pk)]


class TestEveryLoginPathMerges:
    def test_sign_in_email_with_the_session_cookie(self, guest, account, user_model, merged):
        client, guest_id = guest
        response = sign_in_with_email(client)
        assert response.status_code == 200
        assert session_user(client)["id"] == account.pk
        assert_merged(guest_id, account, user_model, merged)

    def test_sign_in_email_with_the_guests_bearer_token(self, account, user_model, merged):
        signed_in = sign_in_anonymously(APIClient())
        guest_id = signed_in["user"]["id"]
        Note.objects.create(owner_id=guest_id, text="written as a guest")

        response = sign_in_with_email(bearer_client(signed_in["token"]))

        assert response.status_code == 200
        assert session_user(bearer_client(response.json()["token"]))["id"] == account.pk
        assert not Session.objects.filter(session_key=signed_in["token"]).exists()
        assert_merged(guest_id, account, user_model, merged)

    def test_django_admin_login_form(self, guest, account, user_model, merged):
        client, guest_id = guest
        response = client.post(
            "/admin/login/",
            {"username": account.get_username(), "password": PASSWORD, "next": "/admin/"},
        )
        assert response.status_code == 302
        assert_merged(guest_id, account, user_model, merged)

    def test_django_login_view(self, guest, account, user_model, merged):
        client, guest_id = guest
        response = client.post(
            "/accounts/login/", {"username": account.get_username(), "password": PASSWORD}
        )
        assert response.status_code == 302
        assert_merged(guest_id, account, user_model, merged)

    def test_project_view_that_calls_login_itself_merges_once(
        self, guest, account, user_model, merged
    ):
        client, guest_id = guest
        assert client.get(f"/login-directly/{account.pk}/").json() == {"id": account.pk}
        assert_merged(guest_id, account, user_model, merged)


def test_link_account_keeps_the_same_user_and_merges_nothing(guest, user_model, merged):
    client, guest_id = guest
    response = client.post(
        api("anonymous/link-account"),
        {"email": "grace@example.com", "password": PASSWORD},
        format="json",
        **csrf_headers(client),
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == guest_id
    assert list(Note.objects.values_list("owner_id", flat=True)) == [guest_id]
    assert merged == []


def test_linked_user_signing_in_anonymously_merges_nothing(account, merged, user_model):
    client = APIClient()
    client.force_login(account)
    Note.objects.create(owner=account, text="the account's")
    sign_in_anonymously(client)
    assert list(Note.objects.values_list("owner_id", flat=True)) == [account.pk]
    assert merged == []


def test_signing_in_to_another_guest_merges_nothing(guest, merged, user_model):
    client, guest_id = guest
    other_guest = user_model.objects.get(pk=sign_in_anonymously(APIClient())["user"]["id"])
    client.get(f"/login-directly/{other_guest.pk}/")
    assert merged == []
    assert user_model.objects.filter(pk=guest_id).exists()


def test_anonymous_user_can_be_kept_after_the_merge(guest, account, settings, user_model):
    settings.ANONYMOUS_AUTH = {
        "ON_LINK_ACCOUNT": "tests.testapp.hooks.move_notes",
        "DELETE_ANONYMOUS_USER_ON_LINK": False,
    }
    client, guest_id = guest
    sign_in_with_email(client)
    assert Note.objects.get().owner_id == account.pk
    assert user_model.objects.filter(pk=guest_id, is_anonymous_user=True).exists()


class TestFailedMergeLosesNothing:
    def assert_guest_kept(self, client, guest_id, account, user_model, caplog):
        assert list(Note.objects.values_list("owner_id", flat=True)) == [guest_id]
        assert user_model.objects.filter(pk=guest_id, is_anonymous_user=True).exists()
        assert session_user(client)["id"] == account.pk  # the sign-in itself succeeded
        (record,) = [r for r in caplog.records if r.name == "django_anonymous_auth"]
        assert record.levelno == logging.ERROR
        assert f"anonymous user {guest_id} into user {account.pk}" in record.getMessage()
        assert record.exc_info is not None

    def test_hook_that_raises(self, guest, account, settings, user_model, caplog):
        settings.ANONYMOUS_AUTH = {"ON_LINK_ACCOUNT": "tests.testapp.hooks.fail"}
        client, guest_id = guest
        assert sign_in_with_email(client).status_code == 200
        self.assert_guest_kept(client, guest_id, account, user_model, caplog)

    def test_signal_receiver_that_raises(self, guest, account, user_model, caplog):
        def receiver(**kwargs):
            raise RuntimeError("receiver failed")

        anonymous_user_merged.connect(receiver)
        try:
            client, guest_id = guest
            assert sign_in_with_email(client).status_code == 200
        finally:
            anonymous_user_merged.disconnect(receiver)
        self.assert_guest_kept(client, guest_id, account, user_model, caplog)

    def test_protected_data_the_hook_did_not_move(self, guest, account, user_model, caplog):
        client, guest_id = guest
        Invoice.objects.create(owner_id=guest_id, number="INV-1")
        assert sign_in_with_email(client).status_code == 200
        self.assert_guest_kept(client, guest_id, account, user_model, caplog)
        assert Invoice.objects.get().owner_id == guest_id


class TestLastSeen:
    @pytest.fixture
    def stale_guest(self, user_model):
        client = APIClient()
        signed_in = sign_in_anonymously(client)
        two_days_ago = timezone.now() - timedelta(days=2)
        user_model.objects.filter(pk=signed_in["user"]["id"]).update(last_seen=two_days_ago)
        Session.objects.filter(session_key=signed_in["token"]).update(
            expire_date=timezone.now() + timedelta(days=1)
        )
        return client, signed_in, two_days_ago

    def test_any_request_of_a_stale_guest_refreshes_last_seen_and_the_session(
        self, stale_guest, user_model
    ):
        client, signed_in, _ = stale_guest

        client.get("/whoami/")

        user = user_model.objects.get()
        assert timezone.now() - user.last_seen < timedelta(seconds=5)
        session = Session.objects.get(session_key=signed_in["token"])
        assert session.expire_date > timezone.now() + timedelta(days=13)

    def test_bearer_requests_refresh_it_too(self, stale_guest, user_model):
        _, signed_in, two_days_ago = stale_guest
        bearer_client(signed_in["token"]).get(api("get-session"))
        assert user_model.objects.get().last_seen > two_days_ago

    @pytest.mark.django_db(transaction=True)
    def test_refresh_is_one_update_and_none_inside_the_interval(
        self, stale_guest, count_statements
    ):
        client, _, _ = stale_guest
        with count_statements() as stale:
            client.get(api("get-session"))
        with count_statements() as fresh:
            client.get(api("get-session"))
        # Session and user SELECTs, then one UPDATE of last_seen and the session's
        # own UPDATE (its expiry slides); inside the interval, the SELECTs only.
        assert len(stale) == 4, stale
        assert sum(sql.startswith("UPDATE") and "last_seen" in sql for sql in stale) == 1
        assert len(fresh) == 2, fresh

    def test_interval_comes_from_the_setting(self, stale_guest, settings, user_model):
        client, _, two_days_ago = stale_guest
        settings.ANONYMOUS_AUTH = {"ACTIVITY_UPDATE_INTERVAL": timedelta(days=3)}
        client.get("/whoami/")
        assert user_model.objects.get().last_seen == two_days_ago

    def test_linked_users_are_not_touched(self, account, user_model):
        client = Client()
        client.force_login(account)
        client.get("/whoami/")
        assert user_model.objects.get(pk=account.pk).last_seen is None

"""An anonymous user signs in to an existing account: its data follows, on every login path."""

from __future__ import annotations

import logging

import pytest
from django.contrib.sessions.models import Session
from rest_framework.test import APIClient

from django_anonymous_auth.signals import anonymous_user_merged

from .helpers import (
    PASSWORD,
    api,
    bearer_client,
    post,
    session_user,
    sign_in_anonymously,
    signed_in_anonymously,
)
from .testapp.models import Invoice, Note

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def move_notes_on_link(settings):
    settings.ANONYMOUS_AUTH = {"ON_LINK_ACCOUNT": "tests.testapp.hooks.move_notes"}


@pytest.fixture
def linked_staff_user(make_user):
    """The account signed in to: a linked user, staff so that the admin login takes it."""
    return make_user("ada@example.com", is_staff=True)


def with_a_note(client):
    """Give the anonymous user signed in on ``client`` one note; return the client."""
    Note.objects.create(owner_id=client.signed_in["user"]["id"], text="written as a guest")
    return client


@pytest.fixture
def anonymous_client_with_a_note(db):
    """A browser signed in anonymously whose user wrote one note.

    It enforces no CSRF checks: besides the API, it posts Django's own login forms.
    """
    return with_a_note(signed_in_anonymously("cookie", enforce_csrf_checks=False))


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
    body = {"email": "ada@example.com", "password": PASSWORD}
    return post(client, api("sign-in/email"), body, format="json")


def assert_merged(anonymous_id, account, user_model, merged):
    assert list(Note.objects.values_list("owner_id", "text")) == [
        (account.pk, "written as a guest")
    ]
    assert not user_model.objects.filter(pk=anonymous_id).exists()
    assert merged == [(anonymous_id, account.pk)]


class TestEveryLoginPathMerges:
    def test_sign_in_email(
        self, anonymous_client_of_kind, client_kind, linked_staff_user, user_model, merged
    ):
        client = with_a_note(anonymous_client_of_kind)
        signed_in = client.signed_in

        response = sign_in_with_email(client)  # a bearer app sends no CSRF header

        assert response.status_code == 200
        assert session_user(bearer_client(response.json()["token"]))["id"] == linked_staff_user.pk
        assert not Session.objects.filter(session_key=signed_in["token"]).exists()
        if client_kind == "cookie":
            assert session_user(client)["id"] == linked_staff_user.pk
        assert_merged(signed_in["user"]["id"], linked_staff_user, user_model, merged)

    def test_django_admin_login_form(
        self, anonymous_client_with_a_note, linked_staff_user, user_model, merged
    ):
        client = anonymous_client_with_a_note
        response = client.post(
            "/admin/login/",
            {"username": linked_staff_user.get_username(), "password": PASSWORD, "next": "/admin/"},
        )
        assert response.status_code == 302
        assert_merged(client.signed_in["user"]["id"], linked_staff_user, user_model, merged)

    def test_django_login_view(
        self, anonymous_client_with_a_note, linked_staff_user, user_model, merged
    ):
        client = anonymous_client_with_a_note
        response = client.post(
            "/accounts/login/", {"username": linked_staff_user.get_username(), "password": PASSWORD}
        )
        assert response.status_code == 302
        assert_merged(client.signed_in["user"]["id"], linked_staff_user, user_model, merged)

    def test_project_view_that_calls_login_itself_merges_once(
        self, anonymous_client_with_a_note, linked_staff_user, user_model, merged
    ):
        client = anonymous_client_with_a_note
        pk = linked_staff_user.pk
        assert client.get(f"/login-directly/{pk}/").json() == {"id": pk}
        assert_merged(client.signed_in["user"]["id"], linked_staff_user, user_model, merged)


def test_link_account_keeps_the_same_user_and_merges_nothing(
    anonymous_client_with_a_note, user_model, merged
):
    client = anonymous_client_with_a_note
    anonymous_id = client.signed_in["user"]["id"]
    response = post(
        client,
        api("anonymous/link-account"),
        {"email": "grace@example.com", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["user"]["id"] == anonymous_id
    assert list(Note.objects.values_list("owner_id", flat=True)) == [anonymous_id]
    assert merged == []


def test_linked_user_signing_in_anonymously_merges_nothing(linked_staff_user, merged, user_model):
    client = APIClient()
    client.force_login(linked_staff_user)
    Note.objects.create(owner=linked_staff_user, text="the account's")
    sign_in_anonymously(client)
    assert list(Note.objects.values_list("owner_id", flat=True)) == [linked_staff_user.pk]
    assert merged == []


def test_signing_in_to_another_guest_merges_nothing(
    anonymous_client_with_a_note, merged, user_model
):
    client = anonymous_client_with_a_note
    other = user_model.objects.get(pk=sign_in_anonymously(APIClient())["user"]["id"])
    client.get(f"/login-directly/{other.pk}/")
    assert merged == []
    assert user_model.objects.filter(pk=client.signed_in["user"]["id"]).exists()


def test_anonymous_user_can_be_kept_after_the_merge(
    anonymous_client_with_a_note, linked_staff_user, settings, user_model
):
    settings.ANONYMOUS_AUTH = {
        "ON_LINK_ACCOUNT": "tests.testapp.hooks.move_notes",
        "DELETE_ANONYMOUS_USER_ON_LINK": False,
    }
    client = anonymous_client_with_a_note
    sign_in_with_email(client)
    assert Note.objects.get().owner_id == linked_staff_user.pk
    anonymous_id = client.signed_in["user"]["id"]
    assert user_model.objects.filter(pk=anonymous_id, is_anonymous_user=True).exists()


class TestFailedMergeLosesNothing:
    def assert_anonymous_user_kept(self, client, account, user_model, caplog):
        anonymous_id = client.signed_in["user"]["id"]
        assert list(Note.objects.values_list("owner_id", flat=True)) == [anonymous_id]
        assert user_model.objects.filter(pk=anonymous_id, is_anonymous_user=True).exists()
        assert session_user(client)["id"] == account.pk  # the sign-in itself succeeded
        (record,) = [r for r in caplog.records if r.name == "django_anonymous_auth"]
        assert record.levelno == logging.ERROR
        assert f"anonymous user {anonymous_id} into user {account.pk}" in record.getMessage()
        assert record.exc_info is not None

    def test_hook_that_raises(
        self, anonymous_client_with_a_note, linked_staff_user, settings, user_model, caplog
    ):
        settings.ANONYMOUS_AUTH = {"ON_LINK_ACCOUNT": "tests.testapp.hooks.fail"}
        client = anonymous_client_with_a_note
        assert sign_in_with_email(client).status_code == 200
        self.assert_anonymous_user_kept(client, linked_staff_user, user_model, caplog)

    def test_signal_receiver_that_raises(
        self, anonymous_client_with_a_note, linked_staff_user, user_model, caplog
    ):
        def receiver(**kwargs):
            raise RuntimeError("receiver failed")

        client = anonymous_client_with_a_note
        anonymous_user_merged.connect(receiver)
        try:
            assert sign_in_with_email(client).status_code == 200
        finally:
            anonymous_user_merged.disconnect(receiver)
        self.assert_anonymous_user_kept(client, linked_staff_user, user_model, caplog)

    def test_protected_data_the_hook_did_not_move(
        self, anonymous_client_with_a_note, linked_staff_user, user_model, caplog
    ):
        client = anonymous_client_with_a_note
        anonymous_id = client.signed_in["user"]["id"]
        Invoice.objects.create(owner_id=anonymous_id, number="INV-1")
        assert sign_in_with_email(client).status_code == 200
        self.assert_anonymous_user_kept(client, linked_staff_user, user_model, caplog)
        assert Invoice.objects.get().owner_id == anonymous_id

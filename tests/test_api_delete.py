from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from django_anonymous_auth.exceptions import Unauthorized
from django_anonymous_auth.services import delete_anonymous_user

from .helpers import api, post, session_user, signed_in_anonymously
from .testapp.models import Invoice, Note

pytestmark = pytest.mark.django_db

DELETE = api("delete-anonymous-user")


def test_delete_removes_the_user_its_data_and_its_session(
    anonymous_client_of_kind, client_kind, user_model
):
    client = anonymous_client_of_kind
    signed_in = client.signed_in
    Note.objects.create(owner_id=signed_in["user"]["id"], text="mine")
    someone_else = signed_in_anonymously("bearer")

    response = post(client, DELETE)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert not user_model.objects.filter(pk=signed_in["user"]["id"]).exists()
    assert not Note.objects.exists()
    assert not Session.objects.filter(session_key=signed_in["token"]).exists()
    # A browser's cookie now names no session: nobody; a deleted user's token: 401.
    after = client.get(api("get-session"))
    assert after.status_code == {"cookie": 200, "bearer": 401}[client_kind]
    assert session_user(client) is None
    # Someone else's anonymous user and session stay.
    assert user_model.objects.filter(pk=someone_else.signed_in["user"]["id"]).exists()
    assert session_user(someone_else) is not None


def test_linked_user_cannot_delete_itself_here(api_client, linked_user, user_model):
    api_client.force_login(linked_user)
    response = post(api_client, DELETE)
    assert response.status_code == 403
    assert response.json()["code"] == "USER_IS_NOT_ANONYMOUS"
    assert user_model.objects.filter(pk=linked_user.pk).exists()


def test_self_delete_can_be_switched_off(anonymous_client, settings, user_model):
    settings.ANONYMOUS_AUTH = {"ALLOW_SELF_DELETE": False}
    response = post(anonymous_client, DELETE)
    assert response.status_code == 403
    assert response.json()["code"] == "DELETE_ANONYMOUS_USER_DISABLED"
    assert session_user(anonymous_client)["id"] == anonymous_client.signed_in["user"]["id"]


def test_nobody_signed_in_is_unauthorized(api_client):
    response = api_client.post(DELETE)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_protected_data_stops_the_delete_with_a_json_error(anonymous_client, user_model):
    signed_in = anonymous_client.signed_in
    Invoice.objects.create(owner_id=signed_in["user"]["id"], number="INV-1")
    Note.objects.create(owner_id=signed_in["user"]["id"], text="mine")

    response = post(anonymous_client, DELETE)

    assert response.status_code == 409
    assert response.json()["code"] == "USER_HAS_PROTECTED_DATA"
    assert user_model.objects.filter(pk=signed_in["user"]["id"]).exists()
    assert Note.objects.count() == 1
    assert session_user(anonymous_client)["id"] == signed_in["user"]["id"]


def test_user_deleted_meanwhile_is_unauthorized(anonymous_client, user_model):
    request = RequestFactory().post(DELETE)
    request.user = user_model.objects.get()
    user_model.objects.all().delete()  # another tab, or the cleanup, got there first

    with pytest.raises(Unauthorized):
        delete_anonymous_user(request=request)

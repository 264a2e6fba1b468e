from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from rest_framework.test import APIClient

from django_anonymous_auth.exceptions import Unauthorized
from django_anonymous_auth.services import delete_anonymous_user

from .helpers import api, bearer_client, csrf_headers, session_user, sign_in_anonymously
from .testapp.models import Invoice, Note

pytestmark = pytest.mark.django_db

DELETE = api("delete-anonymous-user")


def test_delete_removes_the_user_its_data_and_its_session(api_client, user_model):
    signed_in = sign_in_anonymously(api_client)
    Note.objects.create(owner_id=signed_in["user"]["id"], text="mine")
    other_session = bearer_client(sign_in_anonymously(APIClient())["token"])

    response = api_client.post(DELETE, **csrf_headers(api_client))

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert not user_model.objects.filter(pk=signed_in["user"]["id"]).exists()
    assert not Note.objects.exists()
    assert not Session.objects.filter(session_key=signed_in["token"]).exists()
    assert session_user(api_client) is None
    assert session_user(other_session) is not None  # someone else's guest stays


def test_delete_by_bearer_token(api_client, user_model):
    signed_in = sign_in_anonymously(APIClient())
    client = bearer_client(signed_in["token"])
    assert client.post(DELETE).status_code == 200
    assert not user_model.objects.exists()
    assert client.get(api("get-session")).status_code == 401


def test_linked_user_cannot_delete_itself_here(api_client, linked_user, user_model):
    api_client.force_login(linked_user)
    response = api_client.post(DELETE, **csrf_headers(api_client))
    assert response.status_code == 403
    assert response.json()["code"] == "USER_IS_NOT_ANONYMOUS"
    assert user_model.objects.filter(pk=linked_user.pk).exists()


def test_self_delete_can_be_switched_off(api_client, settings, user_model):
    settings.ANONYMOUS_AUTH = {"ALLOW_SELF_DELETE": False}
    signed_in = sign_in_anonymously(api_client)
    response = api_client.post(DELETE, **csrf_headers(api_client))
    assert response.status_code == 403
    assert response.json()["code"] == "DELETE_ANONYMOUS_USER_DISABLED"
    assert session_user(api_client)["id"] == signed_in["user"]["id"]


def test_nobody_signed_in_is_unauthorized(api_client):
    response = api_client.post(DELETE)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_protected_data_stops_the_delete_with_a_json_error(api_client, user_model):
    signed_in = sign_in_anonymously(api_client)
    Invoice.objects.create(owner_id=signed_in["user"]["id"], number="INV-1")
    Note.objects.create(owner_id=signed_in["user"]["id"], text="mine")

    response = api_client.post(DELETE, **csrf_headers(api_client))

    assert response.status_code == 409
    assert response.json()["code"] == "USER_HAS_PROTECTED_DATA"
    assert user_model.objects.filter(pk=signed_in["user"]["id"]).exists()
    assert Note.objects.count() == 1
    assert session_user(api_client)["id"] == signed_in["user"]["id"]


def test_user_deleted_meanwhile_is_unauthorized(api_client, user_model):
    sign_in_anonymously(api_client)
    request = RequestFactory().post(DELETE)
    request.user = user_model.objects.get()
    user_model.objects.all().delete()  # another tab, or the cleanup, got there first

    with pytest.raises(Unauthorized):
        delete_anonymous_user(request=request)

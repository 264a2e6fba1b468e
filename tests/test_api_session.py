from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient
from rest_framework.views import APIView

from .helpers import (
    PASSWORD,
    api,
    bearer_client,
    post,
    session_user,
    signed_in_anonymously,
    verbs_and_tables,
)

pytestmark = pytest.mark.django_db


def test_get_session_is_null_when_nobody_is_signed_in(api_client):
    response = api_client.get(api("get-session"))
    assert response.status_code == 200
    assert response.content == b"null"
    assert response["Content-Type"] == "application/json"


def test_get_session_returns_the_session_and_the_user(anonymous_client_of_kind):
    client = anonymous_client_of_kind

    body = client.get(api("get-session")).json()

    assert body["user"] == client.signed_in["user"]
    expires_at = parse_datetime(body["session"]["expires_at"])
    assert timezone.now() + timedelta(days=13) < expires_at <= timezone.now() + timedelta(days=14)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer unknown-session-key-0123456789",
        "Bearer short",
        "Bearer",
        "Bearer two parts",
        "Bearer \u00e9t\u00e9-not-ascii",
    ],
)
def test_unknown_or_malformed_bearer_token_is_unauthorized(api_client, header):
    response = APIClient().get(api("get-session"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_expired_bearer_token_is_unauthorized(anonymous_client):
    token = anonymous_client.signed_in["token"]
    Session.objects.filter(session_key=token).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = bearer_client(token).get(api("get-session"))
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_other_authorization_schemes_are_left_alone(api_client):
    response = api_client.get(api("get-session"), HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 200
    assert response.content == b"null"


def test_sign_out_ends_the_session_server_side(anonymous_client_of_kind):
    client = anonymous_client_of_kind
    token = client.signed_in["token"]
    stolen_cookie = APIClient()
    stolen_cookie.cookies["sessionid"] = token

    response = post(client, api("sign-out"))

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert not Session.objects.filter(session_key=token).exists()
    assert session_user(client) is None
    assert session_user(stolen_cookie) is None
    assert bearer_client(token).get(api("get-session")).status_code == 401


def test_sign_out_ignores_its_body(anonymous_client):
    response = post(anonymous_client, api("sign-out"), "{not json", content_type="application/json")
    assert response.status_code == 200
    assert session_user(anonymous_client) is None


def test_sign_out_when_nobody_is_signed_in_is_unauthorized(api_client):
    response = api_client.post(api("sign-out"))
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


@pytest.mark.django_db(transaction=True)
def test_query_budget_of_an_authenticated_get_session(count_statements, anonymous_client_of_kind):
    client = anonymous_client_of_kind
    with count_statements() as statements:
        response = client.get(api("get-session"))
    assert response.json()["user"]["is_anonymous"] is True
    # Django loads the session row, then the user; nothing else (last_seen is fresh,
    # and the middleware reuses the user Django loaded), and nothing is written.
    users = get_user_model()._meta.db_table
    assert verbs_and_tables(statements) == ["SELECT django_session", f"SELECT {users}"]
    assert statements.write_transactions == 0


def test_a_bad_bearer_token_beside_a_session_cookie_leaves_the_cookie_alone(anonymous_client):
    user = anonymous_client.signed_in["user"]
    response = anonymous_client.get(api("get-session"), HTTP_AUTHORIZATION="Bearer bogus")
    assert response.status_code == 401
    assert "sessionid" not in response.cookies  # neither deleted nor replaced
    assert session_user(anonymous_client)["id"] == user["id"]


@pytest.mark.parametrize("token", ["abc\x00def", "a\tb", "x" * 5000])
def test_a_malformed_bearer_token_is_unauthorized(token):
    response = APIClient().get(api("get-session"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_answers_are_written_as_drf_writes_json(client_kind, anonymous_client_of_kind):
    """Compact UTF-8, with U+2028 and U+2029 escaped so that the answer is also JavaScript."""
    client = anonymous_client_of_kind
    name = "Ad\u00e5\u2028Love\u2029lace"
    linked = post(
        client,
        api("anonymous/link-account"),
        {"email": "ada@example.com", "password": PASSWORD, "name": name},
        format="json",
    )
    assert linked.status_code == 200, linked.content
    if client_kind == "bearer":  # link-account rotated the token
        client = bearer_client(linked.json()["token"])

    for response in (linked, client.get(api("get-session"))):
        assert response.status_code == 200
        assert response.json()["user"]["name"] == name
        assert response.content == JSONRenderer().render(response.json())
        assert b"Ad\xc3\xa5\\u2028Love\\u2029lace" in response.content


def test_a_subclass_of_the_default_user_serializer_adds_its_fields(settings, client_kind):
    settings.ANONYMOUS_AUTH = {"USER_SERIALIZER": "tests.testapp.serializers.UserWithRequestPath"}
    client = signed_in_anonymously(client_kind)
    signed_in = client.signed_in["user"]
    assert signed_in["path"] == api("sign-in/anonymous")
    assert signed_in["is_anonymous"] is True

    user = client.get(api("get-session")).json()["user"]

    assert user == {**signed_in, "path": api("get-session")}


def test_a_model_serializer_replaces_the_user_of_every_answer(settings, client_kind):
    settings.ANONYMOUS_AUTH = {"USER_SERIALIZER": "tests.testapp.serializers.UserModelSerializer"}
    client = signed_in_anonymously(client_kind)
    pk = get_user_model().objects.get().pk
    assert client.signed_in["user"] == {"id": pk, "is_anonymous_user": True}

    assert client.get(api("get-session")).json()["user"] == {"id": pk, "is_anonymous_user": True}


@pytest.mark.parametrize("name", ["get-session", "sign-in-anonymous", "link-account"])
def test_each_endpoint_resolves_to_a_view_that_carries_drfs_attributes(name):
    # Schema generators and URL tools read these off the view; the wrapper that answers
    # some requests without DRF must not hide them.
    view = resolve(reverse(f"django_anonymous_auth:{name}")).func
    assert issubclass(view.cls, APIView)
    assert view.view_class is view.cls
    assert view.csrf_exempt is True
    assert getattr(view, "_non_atomic_requests", set()) == (
        {"default"} if name == "link-account" else set()
    )

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from .helpers import api, bearer_client, csrf_headers, session_user, sign_in_anonymously

pytestmark = pytest.mark.django_db


def test_get_session_is_null_when_nobody_is_signed_in(api_client):
    response = api_client.get(api("get-session"))
    assert response.status_code == 200
    assert response.content == b"null"
    assert response["Content-Type"] == "application/json"


def test_get_session_returns_the_session_and_the_user(api_client):
    signed_in = sign_in_anonymously(api_client)

    body = api_client.get(api("get-session")).json()

    assert body["user"] == signed_in["user"]
    expires_at = parse_datetime(body["session"]["expires_at"])
    assert timezone.now() + timedelta(days=13) < expires_at <= timezone.now() + timedelta(days=14)


def test_get_session_by_bearer_token(api_client):
    signed_in = sign_in_anonymously(api_client)
    body = bearer_client(signed_in["token"]).get(api("get-session")).json()
    assert body["user"]["id"] == signed_in["user"]["id"]


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


def test_expired_bearer_token_is_unauthorized(api_client):
    token = sign_in_anonymously(api_client)["token"]
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


def test_sign_out_ends_the_session_server_side(api_client):
    signed_in = sign_in_anonymously(api_client)
    stolen_cookie = APIClient()
    stolen_cookie.cookies["sessionid"] = signed_in["token"]

    response = api_client.post(api("sign-out"), **csrf_headers(api_client))

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert not Session.objects.filter(session_key=signed_in["token"]).exists()
    assert session_user(api_client) is None
    assert session_user(stolen_cookie) is None
    assert bearer_client(signed_in["token"]).get(api("get-session")).status_code == 401


def test_sign_out_ignores_its_body(api_client):
    sign_in_anonymously(api_client)
    response = api_client.post(
        api("sign-out"), "{not json", content_type="application/json", **csrf_headers(api_client)
    )
    assert response.status_code == 200
    assert session_user(api_client) is None


def test_sign_out_by_bearer_token(api_client):
    token = sign_in_anonymously(APIClient())["token"]
    assert bearer_client(token).post(api("sign-out")).json() == {"success": True}
    assert bearer_client(token).get(api("get-session")).status_code == 401


def test_sign_out_when_nobody_is_signed_in_is_unauthorized(api_client):
    response = api_client.post(api("sign-out"))
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("by", ["cookie", "bearer"])
def test_query_budget_of_an_authenticated_get_session(count_statements, by):
    browser = APIClient()
    token = sign_in_anonymously(browser)["token"]
    client = browser if by == "cookie" else bearer_client(token)
    with count_statements() as statements:
        response = client.get(api("get-session"))
    assert response.json()["user"]["is_anonymous"] is True
    # 2: Django loads the session row, then the user; nothing else (last_seen is
    # fresh, and the middleware reuses the user Django loaded).
    assert len(statements) == 2, statements

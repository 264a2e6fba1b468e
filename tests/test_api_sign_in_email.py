from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .hashers import CountingArgon2PasswordHasher
from .helpers import PASSWORD, api, bearer_client, post, session_user

pytestmark = pytest.mark.django_db

SIGN_IN = api("sign-in/email")


def sign_in(client: APIClient, **body):
    return post(client, SIGN_IN, body, format="json")


def test_sign_in_returns_a_working_session_and_token(api_client, linked_user):
    response = sign_in(api_client, email="ada@example.com", password=PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == linked_user.pk
    assert body["user"]["is_anonymous"] is False
    assert session_user(api_client)["id"] == linked_user.pk
    assert session_user(bearer_client(body["token"]))["id"] == linked_user.pk


def test_sign_in_updates_last_login_as_django_does(api_client, linked_user):
    assert linked_user.last_login is None
    sign_in(api_client, email="ada@example.com", password=PASSWORD)
    linked_user.refresh_from_db()
    assert linked_user.last_login is not None


def test_email_is_matched_whatever_its_letter_case(api_client, make_user):
    user = make_user("Ada.Lovelace@Example.com")
    response = sign_in(api_client, email="ada.lovelace@EXAMPLE.COM", password=PASSWORD)
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk


@pytest.mark.parametrize(
    "email, password",
    [("ada@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
)
def test_wrong_password_and_unknown_email_get_the_same_answer(
    api_client, linked_user, email, password
):
    response = sign_in(api_client, email=email, password=password)

    assert response.status_code == 401
    assert response.json() == {
        "code": "INVALID_EMAIL_OR_PASSWORD",
        "message": "Invalid email or password.",
    }
    assert session_user(api_client) is None


@pytest.mark.parametrize("email", ["ada@example.com", "nobody@example.com"])
def test_unknown_email_costs_a_hash_like_a_wrong_password(api_client, settings, make_user, email):
    settings.PASSWORD_HASHERS = ["tests.hashers.CountingArgon2PasswordHasher"]
    make_user()
    CountingArgon2PasswordHasher.hashes = 0
    sign_in(api_client, email=email, password="wrong password")
    assert CountingArgon2PasswordHasher.hashes == 1


def test_inactive_user_is_refused(api_client, make_user):
    make_user(is_active=False)
    response = sign_in(api_client, email="ada@example.com", password=PASSWORD)
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_EMAIL_OR_PASSWORD"


def test_anonymous_user_can_never_sign_in_with_a_password(api_client, anonymous_user):
    for password in ("", "!", PASSWORD):
        response = sign_in(api_client, email=anonymous_user.email, password=password)
        assert response.status_code in (400, 401)
    # Even with a usable password set behind the app's back.
    anonymous_user.set_password(PASSWORD)
    anonymous_user.save()
    response = sign_in(api_client, email=anonymous_user.email, password=PASSWORD)
    assert response.status_code == 401
    assert session_user(api_client) is None


def test_missing_fields_are_a_validation_error(api_client):
    response = sign_in(api_client, email="ada@example.com")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert list(response.json()["errors"]) == ["password"]


def test_signing_in_replaces_the_previous_session(api_client, linked_user, make_user):
    other = make_user("grace@example.com")
    api_client.force_login(other)
    old_session = api_client.cookies["sessionid"].value

    sign_in(api_client, email="ada@example.com", password=PASSWORD)

    assert api_client.cookies["sessionid"].value != old_session
    assert session_user(api_client)["id"] == linked_user.pk
    token = api_client.cookies["sessionid"].value
    assert session_user(bearer_client(token))["id"] == linked_user.pk

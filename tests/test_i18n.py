"""Every message is translatable, and the shipped German translation is compiled in."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.exceptions import APIException

from django_anonymous_auth import exceptions
from django_anonymous_auth.exceptions import InvalidEmailOrPassword

from .helpers import api

pytestmark = pytest.mark.django_db


def test_api_errors_follow_the_request_language(api_client):
    response = api_client.post(
        api("sign-in/email"),
        {"email": "nobody@example.com", "password": "wrong"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "INVALID_EMAIL_OR_PASSWORD",
        "message": "Ungültige E-Mail-Adresse oder ungültiges Passwort.",
    }


def test_codes_stay_the_same_in_every_language(api_client):
    response = api_client.get(api("sign-out"), HTTP_ACCEPT_LANGUAGE="de")
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_messages_switch_with_the_active_language():
    with translation.override("de"):
        assert str(InvalidEmailOrPassword.default_detail) == (
            "Ungültige E-Mail-Adresse oder ungültiges Passwort."
        )
    with translation.override("en"):
        assert str(InvalidEmailOrPassword.default_detail) == "Invalid email or password."


def test_generated_name_is_translated(api_client):
    response = api_client.post(api("sign-in/anonymous"), HTTP_ACCEPT_LANGUAGE="de")
    assert response.json()["user"]["name"] == "Anonym"


ERRORS = [
    error
    for error in vars(exceptions).values()
    if isinstance(error, type)
    and issubclass(error, APIException)
    and error.__module__ == exceptions.__name__
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.default_code)
def test_every_error_message_has_a_german_translation(error):
    with translation.override("de"):
        german = str(error.default_detail)
    with translation.override("en"):
        english = str(error.default_detail)
    assert german != english

"""Every message is translatable, and the shipped German translation is compiled in."""

from __future__ import annotations

import pytest
from django.utils import translation

from django_anonymous_auth.exceptions import AnonymousAuthError, InvalidEmailOrPassword

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
        assert str(InvalidEmailOrPassword.message) == (
            "Ungültige E-Mail-Adresse oder ungültiges Passwort."
        )
    with translation.override("en"):
        assert str(InvalidEmailOrPassword.message) == "Invalid email or password."


def test_generated_name_is_translated(api_client):
    response = api_client.post(api("sign-in/anonymous"), HTTP_ACCEPT_LANGUAGE="de")
    assert response.json()["user"]["name"] == "Anonym"


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


@pytest.mark.parametrize("error", list(all_subclasses(AnonymousAuthError)), ids=lambda e: e.code)
def test_every_error_message_has_a_german_translation(error):
    with translation.override("de"):
        german = str(error.message)
    with translation.override("en"):
        english = str(error.message)
    assert german != english

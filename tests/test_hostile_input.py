"""Requests Django itself refuses, on this app's paths: JSON errors, nothing changed."""

from __future__ import annotations

import codecs

import pytest
from rest_framework.test import APIClient

from .helpers import api, csrf_headers, sign_in_anonymously

pytestmark = pytest.mark.django_db

MANY_FIELDS = "&".join(f"f{i}=1" for i in range(1200))  # DATA_UPLOAD_MAX_NUMBER_FIELDS: 1000


def browser_signed_in() -> APIClient:
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    sign_in_anonymously(client)
    return client


CASES = {
    "JSON nested too deeply": (
        lambda c: c.post(
            api("sign-in/email"),
            "[" * 100_000,
            content_type="application/json",
            **csrf_headers(c),
        ),
        400,
        "VALIDATION_ERROR",
    ),
    "a body over DATA_UPLOAD_MAX_MEMORY_SIZE": (
        lambda c: c.post(
            api("sign-in/email"),
            '{"email": "' + "a" * 3_000_000 + '"}',
            content_type="application/json",
            **csrf_headers(c),
        ),
        413,
        "REQUEST_TOO_LARGE",
    ),
    "more query fields than DATA_UPLOAD_MAX_NUMBER_FIELDS": (
        lambda c: c.post(
            api("sign-in/email") + "?" + MANY_FIELDS,
            "{}",
            content_type="application/json",
            **csrf_headers(c),
        ),
        413,
        "REQUEST_TOO_LARGE",
    ),
    "a multipart cookie POST without a boundary": (
        lambda c: c.post(
            api("sign-out"), "x", content_type="multipart/form-data", **csrf_headers(c)
        ),
        400,
        "VALIDATION_ERROR",
    ),
    "a form cookie POST with too many fields": (
        lambda c: c.post(
            api("sign-out"),
            MANY_FIELDS,
            content_type="application/x-www-form-urlencoded",
            **csrf_headers(c),
        ),
        413,
        "REQUEST_TOO_LARGE",
    ),
}


@pytest.mark.parametrize("charset", ["bz2", "zlib"])
def test_a_json_body_in_a_compressed_charset_is_refused_unread(charset, user_model):
    # DRF before 3.18.2 decompressed such a body in memory, whatever it unpacked to.
    body = codecs.encode(b'{"email": "a@example.com", "password": "x"}', charset)
    response = APIClient().post(
        api("sign-in/email"), body, content_type=f"application/json; charset={charset}"
    )
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"code", "message"}


@pytest.mark.parametrize("case", CASES)
def test_django_refusals_are_json_errors_and_change_nothing(case, user_model):
    client = browser_signed_in()
    send, status, code = CASES[case]
    users_before = list(user_model.objects.values_list("pk", "is_anonymous_user"))

    response = send(client)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert isinstance(response.json()["message"], str)
    assert list(user_model.objects.values_list("pk", "is_anonymous_user")) == users_before
    assert client.get(api("get-session")).json()["user"]["is_anonymous"] is True

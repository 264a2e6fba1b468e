from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .helpers import PASSWORD, api, csrf_headers, session_user, signed_in_anonymously

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("post", "sign-in/anonymous"),
    ("post", "anonymous/link-account"),
    ("post", "sign-in/email"),
    ("get", "get-session"),
    ("post", "sign-out"),
    ("post", "delete-anonymous-user"),
]


@pytest.mark.parametrize("method, path", ENDPOINTS)
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_path_answers_with_and_without_a_trailing_slash(api_client, method, path, slash):
    response = getattr(api_client, method)(api(path + slash), format="json")
    assert response.status_code != 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_wrong_method_is_a_json_405(api_client, method, path):
    wrong = "get" if method == "post" else "post"
    response = getattr(api_client, wrong)(api(path))
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert response.json()["message"]


@pytest.mark.parametrize(
    "path", ["sign-out", "delete-anonymous-user", "sign-in/anonymous", "anonymous/link-account"]
)
def test_cookie_post_without_the_csrf_token_is_refused(anonymous_client, user_model, path):
    client = anonymous_client

    response = client.post(api(path), {"email": "a@example.com"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "CSRF_FAILED"
    assert session_user(client)["id"] == client.signed_in["user"]["id"]
    assert user_model.objects.get().is_anonymous_user is True


def test_cookie_post_with_the_csrf_token_is_accepted(anonymous_client):
    client = anonymous_client
    response = client.post(api("sign-out"), **csrf_headers(client))
    assert response.status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver.evil"])
@pytest.mark.parametrize("path", ["sign-in/anonymous", "sign-in/email"])
def test_foreign_origin_is_refused_even_without_a_session(
    api_client, linked_user, user_model, origin, path
):
    response = api_client.post(
        api(path),
        {"email": "ada@example.com", "password": PASSWORD},
        format="json",
        HTTP_ORIGIN=origin,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "CSRF_FAILED"
    assert user_model.objects.count() == 1
    assert "sessionid" not in api_client.cookies


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_REFERER": "http://testserver/"},
    ],
    ids=["foreign referer", "cross-site fetch", "cross-site fetch, own referer"],
)
def test_without_origin_a_foreign_referer_or_a_cross_site_fetch_is_refused(
    api_client, user_model, headers
):
    response = api_client.post(api("sign-in/anonymous"), **headers)
    assert response.status_code == 403
    assert response.json()["code"] == "CSRF_FAILED"
    assert user_model.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_REFERER": "http://testserver/some/page?x=1"},
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "none"},  # typed into the address bar, a bookmark
        {},  # an app or a script: no browser headers at all
    ],
    ids=["own referer", "same-origin fetch", "user-initiated fetch", "no headers"],
)
def test_without_origin_an_own_referer_or_a_same_origin_fetch_is_accepted(api_client, headers):
    assert api_client.post(api("sign-in/anonymous"), **headers).status_code == 200


def test_a_foreign_referer_does_not_matter_to_get_session(anonymous_client):
    response = anonymous_client.get(api("get-session"), HTTP_REFERER="https://evil.example/")
    assert response.status_code == 200


def test_foreign_origin_is_refused_with_a_bearer_token_too(db):
    app = signed_in_anonymously("bearer")
    response = app.post(api("sign-out"), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert app.get(api("get-session")).status_code == 200


@pytest.mark.parametrize(
    "origin, trusted",
    [
        ("http://testserver", []),
        ("https://app.example.com", ["https://app.example.com"]),
        ("https://eu.app.example.com", ["https://*.app.example.com"]),
    ],
)
def test_own_and_trusted_origins_are_accepted(api_client, settings, origin, trusted):
    settings.CSRF_TRUSTED_ORIGINS = trusted
    response = api_client.post(api("sign-in/anonymous"), HTTP_ORIGIN=origin)
    assert response.status_code == 200


def test_wildcard_trusted_origin_needs_the_same_scheme(api_client, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]
    response = api_client.post(api("sign-in/anonymous"), HTTP_ORIGIN="http://app.example.com")
    assert response.status_code == 403


def test_bearer_requests_need_no_csrf_token(db):
    response = signed_in_anonymously("bearer").post(
        api("anonymous/link-account"),
        {"email": "ada@example.com", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200


def test_project_exception_handler_does_not_change_our_errors(settings, db):
    # The hostile DRF settings of conftest run every API test; this names the point.
    settings.REST_FRAMEWORK = {"EXCEPTION_HANDLER": "tests.testapp.drf.hostile_exception_handler"}
    response = APIClient().post(api("sign-out"))
    assert response.status_code == 401
    assert response.json() == {"code": "UNAUTHORIZED", "message": response.json()["message"]}

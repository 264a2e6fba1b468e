"""The OpenAPI schema (drf-spectacular, the ``[openapi]`` extra): valid, and every error listed."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytest.importorskip("drf_spectacular", reason="the [openapi] extra is not installed")

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

SPECTACULAR = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}


@pytest.fixture
def schema():
    with override_settings(REST_FRAMEWORK=SPECTACULAR):
        return SchemaGenerator(urlconf="django_anonymous_auth.urls").get_schema(public=True)


def operation(schema, path, method):
    [key] = [p for p in schema["paths"] if p.rstrip("/").endswith(path)]
    return schema["paths"][key][method]


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)


@pytest.mark.parametrize(
    "path, method, status, code",
    [
        ("sign-in/anonymous", "post", "429", "TOO_MANY_REQUESTS"),
        ("sign-in/anonymous", "post", "403", "USER_AGENT_BLOCKED"),
        ("sign-in/anonymous", "post", "400", "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY"),
        ("anonymous/link-account", "post", "422", "USER_ALREADY_EXISTS"),
        ("anonymous/link-account", "post", "403", "USER_IS_NOT_ANONYMOUS"),
        ("sign-in/email", "post", "401", "INVALID_EMAIL_OR_PASSWORD"),
        ("get-session", "get", "401", "UNAUTHORIZED"),
        ("sign-out", "post", "403", "CSRF_FAILED"),
        ("sign-in/email", "post", "415", "UNSUPPORTED_MEDIA_TYPE"),
        ("delete-anonymous-user", "post", "409", "USER_HAS_PROTECTED_DATA"),
        ("delete-anonymous-user", "post", "503", "SERVICE_UNAVAILABLE"),
    ],
)
def test_each_operation_lists_its_error_codes(schema, path, method, status, code):
    response = operation(schema, path, method)["responses"][status]
    assert f"`{code}`" in response["description"]
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_request_bodies_and_answers_are_described(schema):
    link = operation(schema, "anonymous/link-account", "post")
    body = link["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/LinkAccount")
    assert set(schema["components"]["schemas"]["LinkAccount"]["properties"]) >= {
        "email",
        "password",
        "name",
    }
    signed_in = link["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][signed_in.rsplit("/", 1)[1]]["properties"]) == {
        "token",
        "user",
    }
    assert "requestBody" not in operation(schema, "sign-in/anonymous", "post")


def test_both_ways_to_authenticate_are_described(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The `token` of a sign-in answer: the session key.",
    }
    assert schemes["sessionCookie"]["in"] == "cookie"


def test_get_session_gives_no_body_errors(schema):
    responses = operation(schema, "get-session", "get")["responses"]
    assert "415" not in responses
    assert "VALIDATION_ERROR" not in responses["400"]["description"]

"""Any request to any endpoint, from anyone: never a 5xx, every error ``{code, message}``.

Hypothesis builds the requests: every method, every content type, bodies that are JSON
of any shape, bytes that are not UTF-8, strings with NUL bytes, lone surrogates,
look-alike letters or thousands of characters, sent with no credentials, a session
cookie, a bearer token, or a token that names nothing. A refused request changes no
user. ``FUZZ_EXAMPLES`` sets how many requests a test makes (``make fuzz`` makes more).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from .helpers import api, sign_in_anonymously

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
PATHS = [
    "sign-in/anonymous",
    "anonymous/link-account",
    "sign-in/email",
    "get-session",
    "sign-out",
    "delete-anonymous-user",
]
AWKWARD = [
    "\x00",
    "ada@\x00example.com",
    "x@\u017fx.com",  # a long s: one address in upper case, two in lower case
    "\u0430da@example.com",  # a Cyrillic a
    "a" * 5000,
    "ADA@EXAMPLE.COM",
    "@",
    " ",
    "ada@example.com\n",
]
text = st.one_of(st.text(max_size=80), st.sampled_from(AWKWARD))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "email": json_value | text,
        "password": json_value | text,
        "name": json_value | text,
        "username": json_value | text,
    },
)
bodies = st.one_of(
    fields.map(lambda body: json.dumps(body).encode()),
    json_value.map(lambda body: json.dumps(body).encode()),
    st.binary(max_size=300),
    st.just(b"[" * 5000),
    st.text(max_size=100).map(lambda s: s.encode("utf-8", "surrogatepass")),
)
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "application/json; charset=bz2",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "",
]
requests = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]),
        "path": st.sampled_from(PATHS),
        "body": bodies,
        "content_type": st.sampled_from(CONTENT_TYPES),
        "caller": st.sampled_from(["nobody", "cookie", "bearer", "unknown token"]),
        "origin": st.sampled_from([None, "http://testserver", "https://evil.example", "null"]),
    }
)


def users(model: type[Any]) -> list[tuple[Any, ...]]:
    return list(model.objects.order_by("pk").values_list("pk", "email", "is_anonymous_user"))


def caller(request: dict[str, Any]) -> tuple[APIClient, dict[str, str]]:
    """A client as the request's caller, and the headers it sends."""
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    headers: dict[str, str] = {}
    if request["caller"] in ("cookie", "bearer"):
        token = sign_in_anonymously(client)["token"]
        if request["caller"] == "bearer":
            client.cookies.clear()
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        else:
            headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    elif request["caller"] == "unknown token":
        headers["HTTP_AUTHORIZATION"] = "Bearer " + "z" * 32
    if request["origin"] is not None:
        headers["HTTP_ORIGIN"] = request["origin"]
    return client, headers


@pytest.fixture
def without_limits(settings: Any) -> None:
    """The limits have tests of their own; here they would refuse most requests."""
    settings.ANONYMOUS_AUTH = {
        "SIGN_IN_RATE": None,
        "PASSWORD_RATE": None,
        "ACCOUNT_PASSWORD_RATE": None,
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests)
def test_no_request_gets_a_server_error_and_every_error_is_code_and_message(
    request, without_limits, user_model
):
    client, headers = caller(request)
    before = users(user_model)
    response = client.generic(
        request["method"],
        api(request["path"]),
        request["body"],
        content_type=request["content_type"],
        **headers,
    )

    assert response.status_code < 500, (request, response.content[:300])
    if response.status_code >= 400:
        assert users(user_model) == before  # a refused request changes no user
        assert response["Content-Type"] == "application/json", (request, response.content[:300])
        if request["method"] != "HEAD":  # HEAD answers carry headers only, as HTTP says
            body = response.json()
            assert set(body) - {"errors"} == {"code", "message"}, body
            assert body["code"].isupper() and isinstance(body["message"], str), body

"""Plain helpers of the test suite: clients, requests, and the one way to create an anonymous user.

Fixtures live in ``conftest.py``; everything here is an ordinary function or class that
test modules import.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple"


def api(path: str) -> str:
    return f"/api/auth/{path}"


class CookieClient(APIClient):
    """A browser: keeps the cookies it is sent, and Django's CSRF checks are enforced.

    ``signed_in`` holds the JSON body of the sign-in that made it, when a helper made it.
    """

    kind = "cookie"
    signed_in: dict[str, Any]

    def __init__(self, *, enforce_csrf_checks: bool = True, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks=enforce_csrf_checks, **defaults)


class BearerClient(APIClient):
    """A mobile app: the token in ``Authorization: Bearer``, and never a cookie."""

    kind = "bearer"
    signed_in: dict[str, Any]

    def __init__(self, token: str) -> None:
        super().__init__(enforce_csrf_checks=True)
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.cookies.clear()  # whatever the last response set, an app sends no cookies
        return super().request(*args, **kwargs)


def bearer_client(token: str) -> BearerClient:
    """A mobile-app-like client: no cookies, the token in ``Authorization``."""
    return BearerClient(token)


def csrf_headers(client: APIClient) -> dict[str, str]:
    """The header a browser page sends, from the ``csrftoken`` cookie Django set.

    Like a page, a client without the cookie yet asks get-session first, which sets it.
    """
    if "csrftoken" not in client.cookies:
        client.get(api("get-session"))
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def post(client: APIClient, url: str, data: Any = None, **extra: Any) -> Any:
    """POST as the client's app would: a browser adds the CSRF header, a bearer app no header."""
    if not isinstance(client, BearerClient):
        extra = {**csrf_headers(client), **extra}
    return client.post(url, data, **extra)


def sign_in_anonymously(client: APIClient) -> dict[str, Any]:
    """POST sign-in/anonymous and return the JSON body."""
    response = post(client, api("sign-in/anonymous"))
    assert response.status_code == 200, response.content
    return response.json()


def signed_in_anonymously(kind: str = "cookie", **browser_options: Any) -> Any:
    """Sign in anonymously through the API, as a browser does.

    Return that browser (``kind="cookie"``) or an app that holds the token it got
    (``kind="bearer"``); either way with the sign-in's JSON body as ``.signed_in``.
    """
    browser = CookieClient(**browser_options)
    body = sign_in_anonymously(browser)
    client: CookieClient | BearerClient = (
        browser if kind == "cookie" else BearerClient(body["token"])
    )
    client.signed_in = body
    return client


def session_user(client: APIClient) -> Any:
    """The JSON ``user`` of GET get-session, or None when nobody is signed in."""
    response = client.get(api("get-session"))
    if response.status_code == 401:
        return None
    assert response.status_code == 200, response.content
    body = response.json()
    return body and body["user"]


_placeholder_numbers = itertools.count()


def make_anonymous_user(**fields: Any) -> Any:
    """Create an anonymous user row directly, without a request or a session.

    The only place the tests create one this way: the name defaults to "Guest",
    the email to a generated placeholder; any other field is set as given.
    """
    fields.setdefault("name", "Guest")
    return get_user_model().objects.create_anonymous_user(**fields)


STATEMENT = re.compile(
    r"\s*(?:INSERT INTO|UPDATE|DELETE FROM|SELECT\b.*?\bFROM)\s+[\"`]?(\w+)", re.S
)


def verbs_and_tables(statements: list[str]) -> list[str]:
    """Each SQL statement as its verb and its first table: ``"INSERT django_session"``."""
    shapes = []
    for sql in statements:
        match = STATEMENT.match(sql)
        shapes.append(f"{sql.split()[0].upper()} {match[1]}" if match else sql)
    return shapes

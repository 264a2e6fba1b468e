"""A project's own DRF views with this app's authentication, permission and errors.

The errors are DRF exceptions, so the status is right with DRF's own handler too;
``exception_handler`` only changes the body to ``{code, message}``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import include, path
from rest_framework import exceptions as drf_exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from django_anonymous_auth import exceptions
from django_anonymous_auth.authentication import (
    BearerSessionAuthentication,
    CsrfSessionAuthentication,
)
from django_anonymous_auth.exceptions import exception_handler
from django_anonymous_auth.permissions import IsAnonymousUser

from .helpers import api, sign_in_anonymously

pytestmark = [pytest.mark.urls("tests.test_own_views"), pytest.mark.django_db]


class NotesView(APIView):
    """A view as DRF's default handler serves it."""

    authentication_classes = [BearerSessionAuthentication, CsrfSessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"id": request.user.pk})

    def post(self, request: Request) -> Response:
        return Response({"id": request.user.pk})


class NotesWithOurErrorsView(NotesView):
    """The same view answering ``{code, message}``, as with ``EXCEPTION_HANDLER`` set."""

    def get_exception_handler(self) -> Any:
        return exception_handler


class GuestOnlyView(NotesWithOurErrorsView):
    permission_classes = [IsAnonymousUser]


class RaisingView(APIView):
    """Raises the error class named in the URL, with DRF's default handler.

    DRF answers 401 only from views whose first authentication class names a
    challenge (``WWW-Authenticate``), as ours does; elsewhere it turns 401 into 403.
    """

    authentication_classes = [BearerSessionAuthentication, CsrfSessionAuthentication]
    permission_classes: list[type] = []

    def get(self, request: Request, name: str) -> Response:
        raise getattr(exceptions, name)()


urlpatterns = [
    path("api/auth/", include("django_anonymous_auth.urls")),
    path("notes/", NotesView.as_view()),
    path("notes-our-errors/", NotesWithOurErrorsView.as_view()),
    path("guests-only/", GuestOnlyView.as_view()),
    path("raise/<str:name>/", RaisingView.as_view()),
]

ERRORS = [
    cls.__name__
    for cls in vars(exceptions).values()
    if isinstance(cls, type)
    and issubclass(cls, drf_exceptions.APIException)
    and cls.__module__ == exceptions.__name__
]


def cookie_client_signed_in() -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    sign_in_anonymously(client)
    return client


def test_a_cookie_post_without_csrf_token_is_a_403_with_drfs_default_handler():
    response = cookie_client_signed_in().post("/notes/")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF verification failed."}


def test_a_cookie_post_without_csrf_token_is_csrf_failed_with_our_handler():
    response = cookie_client_signed_in().post("/notes-our-errors/")
    assert response.status_code == 403
    assert response.json() == {"code": "CSRF_FAILED", "message": "CSRF verification failed."}


def test_a_cookie_post_with_the_csrf_token_passes():
    client = cookie_client_signed_in()
    token = client.cookies["csrftoken"].value
    response = client.post("/notes-our-errors/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["id"] is not None


def test_a_bearer_post_needs_no_csrf_token():
    token = sign_in_anonymously(APIClient(enforce_csrf_checks=True))["token"]
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/notes-our-errors/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_nobody_signed_in_is_unauthorized_with_a_bearer_challenge():
    response = APIClient().get("/notes-our-errors/")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_unknown_bearer_token_is_unauthorized():
    response = APIClient().get("/notes-our-errors/", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    assert response.json() == {"code": "UNAUTHORIZED", "message": "Invalid or expired token."}


def test_is_anonymous_user_refuses_a_linked_user(make_user):
    make_user(email="ada@example.com")
    client = APIClient()
    body = client.post(
        api("sign-in/email"),
        {"email": "ada@example.com", "password": "correct horse battery staple"},
        format="json",
    ).json()
    response = client.get("/guests-only/", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert response.status_code == 403
    assert response.json() == {
        "code": "USER_IS_NOT_ANONYMOUS",
        "message": "Only an anonymous user can do this.",
    }


@pytest.mark.parametrize("name", ERRORS)
def test_every_error_has_its_status_and_code_under_drfs_default_handler(name):
    error = getattr(exceptions, name)
    response = APIClient().get(f"/raise/{name}/")
    assert response.status_code == error.status_code
    assert response.json() == {"detail": str(error.default_detail)}
    assert error.default_code.isupper()

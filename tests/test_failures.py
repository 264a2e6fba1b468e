"""A failure half-way: a clean JSON error, no partial rows, and the next request works."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.db.models.signals import pre_save
from rest_framework.test import APIClient

from .helpers import PASSWORD, api, post, session_user, sign_in_anonymously

SIGN_IN = api("sign-in/anonymous")


def client() -> APIClient:
    return APIClient(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.mark.django_db
def test_an_exception_in_generate_name_is_a_json_500_that_creates_nobody(settings, user_model):
    settings.ANONYMOUS_AUTH = {"GENERATE_NAME": "tests.testapp.hooks.broken_generate_name"}
    response = client().post(SIGN_IN)
    assert response.status_code == 500
    assert response.json()["code"] == "FAILED_TO_CREATE_USER"
    assert not user_model.objects.exists()

    settings.ANONYMOUS_AUTH = {}
    assert sign_in_anonymously(client())["user"]["is_anonymous"] is True


@pytest.mark.django_db(transaction=True)
def test_a_failing_session_save_rolls_the_new_user_back(user_model):
    def fail(**kwargs):
        raise OperationalError("disk I/O error")

    pre_save.connect(fail, sender=Session)
    try:
        response = client().post(SIGN_IN)
    finally:
        pre_save.disconnect(fail, sender=Session)
    assert response.status_code == 503
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert not user_model.objects.exists()
    assert not Session.objects.exists()

    assert sign_in_anonymously(client())["user"]["is_anonymous"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_lost_mid_link_changes_nothing(user_model):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a server that ends the connection")
    browser = client()
    guest = sign_in_anonymously(browser)["user"]

    def lose_the_connection(**kwargs):
        with connection.cursor() as cursor:  # the server ends this very connection
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    pre_save.connect(lose_the_connection, sender=user_model)
    try:
        body = {"email": "ada@example.com", "password": PASSWORD}
        response = post(browser, api("anonymous/link-account"), body, format="json")
    finally:
        pre_save.disconnect(lose_the_connection, sender=user_model)
    assert response.status_code == 503
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"

    user = user_model.objects.get(pk=guest["id"])  # a new connection
    assert user.is_anonymous_user and user.email != "ada@example.com"
    assert session_user(browser)["id"] == guest["id"]  # the session still works
    linked = post(browser, api("anonymous/link-account"), body, format="json")
    assert linked.status_code == 200

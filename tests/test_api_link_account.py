from __future__ import annotations

import logging
import threading
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection
from django.db.models.signals import pre_save
from django.test import RequestFactory
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from django_anonymous_auth.exceptions import Unauthorized
from django_anonymous_auth.services import link_account
from django_anonymous_auth.signals import anonymous_user_linked

from .hashers import WatchedArgon2PasswordHasher
from .helpers import (
    PASSWORD,
    api,
    bearer_client,
    post,
    session_user,
    sign_in_anonymously,
    verbs_and_tables,
)

pytestmark = pytest.mark.django_db

LINK = api("anonymous/link-account")


def link(client: APIClient, **body):
    return post(client, LINK, body, format="json")


def test_link_keeps_the_id_and_makes_a_normal_account(anonymous_client, user_model):
    client = anonymous_client
    signed_in = client.signed_in

    response = link(client, email="Ada@Example.COM", password=PASSWORD)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["id"] == signed_in["user"]["id"]
    assert body["user"]["is_anonymous"] is False
    assert body["user"]["email"] == "Ada@example.com"  # domain normalised
    user = user_model.objects.get()
    assert user.pk == signed_in["user"]["id"]
    assert user.is_anonymous_user is False
    assert user.check_password(PASSWORD)
    assert user.password.startswith("argon2")  # the project's first hasher


def test_link_replaces_the_generated_name_with_the_given_one_or_none(api_client, user_model):
    assert sign_in_anonymously(api_client)["user"]["name"] == "Anonymous"
    unnamed = link(api_client, email="ada@example.com", password=PASSWORD).json()
    assert unnamed["user"]["name"] == ""
    assert user_model.objects.get(pk=unnamed["user"]["id"]).get_full_name() == ""

    other = APIClient()
    sign_in_anonymously(other)
    named = link(other, email="grace@example.com", password=PASSWORD, name="Grace").json()
    assert named["user"]["name"] == "Grace"
    assert user_model.objects.get(pk=named["user"]["id"]).get_full_name() == "Grace"


def test_link_rotates_the_session_and_returns_a_working_token(
    anonymous_client_of_kind, client_kind
):
    client = anonymous_client_of_kind
    signed_in = client.signed_in

    response = link(client, email="ada@example.com", password=PASSWORD)  # bearer: no CSRF

    assert response.status_code == 200
    body = response.json()
    assert body["token"] != signed_in["token"]
    new_token_user = session_user(bearer_client(body["token"]))
    assert new_token_user["id"] == signed_in["user"]["id"]
    assert new_token_user["is_anonymous"] is False
    assert bearer_client(signed_in["token"]).get(api("get-session")).status_code == 401
    if client_kind == "cookie":
        assert client.cookies["sessionid"].value == body["token"]
        assert session_user(client)["is_anonymous"] is False


def test_link_ends_every_other_session_and_token(anonymous_client, user_model):
    client = anonymous_client
    signed_in = client.signed_in
    other_browser = APIClient()
    other_browser.force_login(user_model.objects.get())
    assert session_user(other_browser) is not None

    link(client, email="ada@example.com", password=PASSWORD)

    assert session_user(other_browser) is None
    old_token = bearer_client(signed_in["token"]).get(api("get-session"))
    assert old_token.status_code == 401
    assert old_token.json()["code"] == "UNAUTHORIZED"


def test_linked_account_signs_in_with_its_password(anonymous_client):
    client = anonymous_client
    signed_in = client.signed_in
    link(client, email="ada@example.com", password=PASSWORD)

    response = APIClient().post(
        api("sign-in/email"), {"email": "ADA@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == signed_in["user"]["id"]


def test_nobody_signed_in_is_unauthorized(api_client, user_model):
    response = link(api_client, email="ada@example.com", password=PASSWORD)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_linked_user_is_forbidden(api_client, linked_user):
    api_client.force_login(linked_user)
    response = link(api_client, email="new@example.com", password=PASSWORD)
    assert response.status_code == 403
    assert response.json() == {
        "code": "USER_IS_NOT_ANONYMOUS",
        "message": "Only an anonymous user can do this.",
    }


@pytest.mark.parametrize("taken", ["ada@example.com", "ADA@EXAMPLE.COM", "Ada@example.com"])
def test_email_of_another_account_is_refused_and_changes_nothing(
    anonymous_client, make_user, user_model, taken
):
    client = anonymous_client
    signed_in = client.signed_in
    make_user("Ada@Example.com")

    response = link(client, email=taken, password=PASSWORD)

    assert response.status_code == 422
    assert response.json()["code"] == "USER_ALREADY_EXISTS"
    assert user_model.objects.get(pk=signed_in["user"]["id"]).is_anonymous_user is True
    assert session_user(client)["id"] == signed_in["user"]["id"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "ada@example.com"}, "password"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "ada@example.com", "password": "short"}, "password"),
        ({"email": "ada@example.com", "password": "password123"}, "password"),
    ],
)
def test_invalid_input_is_a_validation_error_and_changes_nothing(
    anonymous_client, user_model, body, field
):
    client = anonymous_client
    signed_in = client.signed_in

    response = link(client, **body)

    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "VALIDATION_ERROR"
    assert data["message"]
    assert list(data["errors"]) == [field]
    assert all(isinstance(m, str) and m for m in data["errors"][field])
    assert user_model.objects.get().is_anonymous_user is True
    assert session_user(client)["id"] == signed_in["user"]["id"]


def test_weak_password_reports_the_validators_messages(anonymous_client):
    client = anonymous_client
    response = link(client, email="ada@example.com", password="password")
    assert "This password is too common." in response.json()["errors"]["password"]


def test_password_similar_to_the_new_email_is_refused(anonymous_client, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"}
    ]
    client = anonymous_client
    response = link(client, email="gwendolyn.brooks@example.com", password="gwendolynbrooks")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["password"]


def test_body_that_is_not_json_is_a_validation_error(anonymous_client, user_model):
    client = anonymous_client
    response = post(client, LINK, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert user_model.objects.get().is_anonymous_user is True


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_form_body_is_an_unsupported_media_type(anonymous_client, form):
    client = anonymous_client
    fields = {"email": "ada@example.com", "password": PASSWORD}
    if form == "urlencoded":
        body = {"data": urlencode(fields), "content_type": "application/x-www-form-urlencoded"}
    else:
        body = {"data": fields}  # the test client's default: multipart/form-data
    response = post(client, LINK, **body)
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_database_failure_half_way_leaves_the_guest_as_it_was(anonymous_client, user_model):
    client = anonymous_client
    signed_in = client.signed_in

    def fail(sender, instance, **kwargs):
        if not instance.is_anonymous_user:
            raise DatabaseError("disk full")

    pre_save.connect(fail, sender=user_model)
    client.raise_request_exception = False
    try:
        response = link(client, email="ada@example.com", password=PASSWORD)
    finally:
        pre_save.disconnect(fail, sender=user_model)

    assert response.status_code == 500
    user = user_model.objects.get()
    assert user.is_anonymous_user is True
    assert user.has_usable_password() is False
    assert session_user(client)["id"] == signed_in["user"]["id"]
    assert session_user(bearer_client(signed_in["token"]))["id"] == signed_in["user"]["id"]


def test_linked_signal_fires_once(anonymous_client, user_model, django_capture_on_commit_callbacks):
    client = anonymous_client
    signed_in = client.signed_in
    received = []

    def receiver(sender, user, request, **kwargs):
        received.append((sender, user.pk, user.is_anonymous_user))

    anonymous_user_linked.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            link(client, email="ada@example.com", password=PASSWORD)
    finally:
        anonymous_user_linked.disconnect(receiver)
    assert received == [(user_model, signed_in["user"]["id"], False)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("atomic_requests", [False, True])
def test_password_is_hashed_outside_any_transaction(settings, monkeypatch, atomic_requests):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", atomic_requests)
    settings.PASSWORD_HASHERS = ["tests.hashers.WatchedArgon2PasswordHasher"]
    WatchedArgon2PasswordHasher.encoded_in_transaction.clear()
    client = APIClient()
    sign_in_anonymously(client)

    assert link(client, email="ada@example.com", password=PASSWORD).status_code == 200

    assert WatchedArgon2PasswordHasher.encoded_in_transaction == [False]


class TestUsernameBasedModel:
    @pytest.fixture(autouse=True)
    def username_model_only(self, user_model):
        if user_model.USERNAME_FIELD == "email":
            pytest.skip("the shipped model has no username")

    def test_username_defaults_to_the_email(self, anonymous_client, user_model):
        client = anonymous_client
        body = link(client, email="ada@example.com", password=PASSWORD).json()
        assert body["user"]["username"] == "ada@example.com"
        assert user_model.objects.get().username == "ada@example.com"

    def test_username_is_accepted(self, anonymous_client, user_model):
        client = anonymous_client
        body = link(client, email="ada@example.com", password=PASSWORD, username="ada").json()
        assert body["user"]["username"] == "ada"
        assert user_model.objects.get().username == "ada"

    def test_invalid_username_is_a_validation_error(self, anonymous_client, user_model):
        client = anonymous_client
        response = link(client, email="ada@example.com", password=PASSWORD, username="a d a!")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["username"]
        assert user_model.objects.get().is_anonymous_user is True

    def test_taken_username_is_refused(self, anonymous_client, make_user, user_model):
        client = anonymous_client
        make_user("someone@example.com", username="ada")
        response = link(client, email="ada@example.com", password=PASSWORD, username="ada")
        assert response.status_code == 422
        assert response.json()["code"] == "USER_ALREADY_EXISTS"
        assert user_model.objects.filter(is_anonymous_user=True).count() == 1


def run_at_once(requests):
    """Run the callables in threads released together; return their results in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait()
            results[index] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    @pytest.fixture(autouse=True)
    def postgres_only(self):
        if connection.vendor != "postgresql":
            pytest.skip("real row locks and concurrent transactions need PostgreSQL")

    def test_twenty_guests_linking_one_email_give_one_200_and_nineteen_422(self):
        tokens = [sign_in_anonymously(APIClient())["token"] for _ in range(20)]

        def linker(token):
            return lambda: bearer_client(token).post(
                LINK, {"email": "Same@Example.com", "password": PASSWORD}, format="json"
            )

        responses = run_at_once([linker(token) for token in tokens])

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [422] * 19
        assert {r.json()["code"] for r in responses if r.status_code == 422} == {
            "USER_ALREADY_EXISTS"
        }
        users = get_user_model().objects
        assert users.filter(email__iexact="same@example.com", is_anonymous_user=False).count() == 1
        assert users.filter(is_anonymous_user=True).count() == 19

    def test_one_guest_linking_twice_at_once_ends_with_one_consistent_account(self):
        signed_in = sign_in_anonymously(APIClient())
        emails = ["first@example.com", "second@example.com"]

        def linker(email):
            return lambda: bearer_client(signed_in["token"]).post(
                LINK, {"email": email, "password": PASSWORD}, format="json"
            )

        responses = run_at_once([linker(email) for email in emails])

        ok = [r for r in responses if r.status_code == 200]
        assert len(ok) == 1
        (refused,) = (r for r in responses if r.status_code != 200)
        assert refused.status_code in (401, 403)
        user = get_user_model().objects.get()
        assert user.pk == signed_in["user"]["id"]
        assert user.is_anonymous_user is False
        assert user.email == ok[0].json()["user"]["email"]
        assert user.check_password(PASSWORD)
        assert session_user(bearer_client(ok[0].json()["token"]))["email"] == user.email


def test_user_deleted_while_the_password_was_hashed_is_unauthorized(api_client, user_model):
    sign_in_anonymously(api_client)
    request = RequestFactory().post(LINK)
    request.user = user_model.objects.get()
    user_model.objects.all().delete()  # a merge in another tab, or the cleanup

    with pytest.raises(Unauthorized):
        link_account(request=request, email="ada@example.com", password=PASSWORD)
    assert not user_model.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_link_costs_two_write_transactions(count_statements, anonymous_client_of_kind, user_model):
    users = user_model._meta.db_table
    with count_statements() as statements:
        response = link(anonymous_client_of_kind, email="ada@example.com", password=PASSWORD)
    assert response.status_code == 200
    # Load the session and the user; count the request against the password limits
    # (client and account, one statement), before the hash and outside any
    # transaction, so a refused request costs no hash; then one transaction: lock
    # the user, check that the email (and username) is free, save the user, store
    # the session under a new key and remove the old one. Nothing after the view.
    taken_checks = [f"SELECT {users}"] * (2 if user_model.USERNAME_FIELD != "email" else 1)
    assert verbs_and_tables(statements) == [
        "SELECT django_session",
        f"SELECT {users}",
        "INSERT django_anonymous_auth_ratecounter",
        f"SELECT {users}",
        *taken_checks,
        f"UPDATE {users}",
        "INSERT django_session",
        "SELECT django_session",
        "DELETE django_session",
    ]
    assert statements.write_transactions == 2
    assert statements.savepoints == 0


def test_addresses_the_unique_index_tells_apart_stay_apart_at_sign_in(user_model):
    # Upper case makes "\u017f" (long s) an "S"; lower case keeps it. The unique index
    # compares in lower case, so both links succeed, and each email then signs in
    # to its own account: never MultipleObjectsReturned, never a 500.
    # (A username-based model gets usernames of its own: Django folds usernames to
    # NFKC, where the long s is an s.)
    accounts = {}
    for i, (email, password) in enumerate(
        [("x@sx.com", PASSWORD), ("x@\u017fx.com", PASSWORD + " 2")]
    ):
        client = APIClient(enforce_csrf_checks=True)
        sign_in_anonymously(client)
        extra = {"username": f"x{i}"} if user_model.USERNAME_FIELD != "email" else {}
        response = link(client, email=email, password=password, **extra)
        assert response.status_code == 200, response.content
        accounts[email] = (response.json()["user"]["id"], password)
    for email, (pk, password) in accounts.items():
        response = APIClient().post(
            api("sign-in/email"), {"email": email, "password": password}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["user"]["id"] == pk


class ReportRenderer(logging.Handler):
    """Render each logged request error as Django's admin e-mails do (the HTML report)."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        reporter = ExceptionReporter(record.request, *record.exc_info, is_email=True)
        self.reports.append(reporter.get_traceback_html())


@pytest.mark.parametrize("path", ["anonymous/link-account", "sign-in/email"])
def test_a_server_error_report_never_shows_the_password(path, user_model, make_user):
    secret = "Tr0ub4dor-3-is-the-secret"  # nothing the HTML report would escape
    make_user(email="ada@example.com", password=secret)
    client = APIClient(raise_request_exception=False)
    sign_in_anonymously(client)

    def fail(**kwargs):
        raise RuntimeError("the database went away")

    renderer = ReportRenderer()
    logger = logging.getLogger("django.request")
    logger.addHandler(renderer)
    pre_save.connect(fail, sender=user_model)
    try:
        body = {"email": "ada@example.com" if "email" in path else "new@example.com"}
        response = client.post(api(path), {**body, "password": secret}, format="json")
    finally:
        pre_save.disconnect(fail, sender=user_model)
        logger.removeHandler(renderer)

    assert response.status_code == 500
    [report] = renderer.reports
    assert "the database went away" in report  # the report is real and complete
    assert secret not in report

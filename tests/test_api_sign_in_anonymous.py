from __future__ import annotations

import re

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_anonymous_auth.signals import anonymous_user_created

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

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0 Safari/537.36"
)


def test_creates_an_anonymous_user_and_a_session(api_client, user_model):
    body = sign_in_anonymously(api_client)

    user = user_model.objects.get()
    assert body["user"]["id"] == user.pk
    assert body["user"]["is_anonymous"] is True
    assert body["user"]["name"] == "Anonymous"
    assert body["user"]["email"] == user.email
    assert set(body["user"]) >= {"id", "email", "name", "is_anonymous", "created_at"}
    assert user.is_anonymous_user is True
    assert user.has_usable_password() is False
    assert re.fullmatch(r"temp-[a-z0-9]{32}@example\.com", user.email)  # the current Site
    assert body["token"] == api_client.cookies["sessionid"].value
    assert session_user(api_client)["id"] == user.pk


def test_token_works_as_bearer(anonymous_client):
    body = anonymous_client.signed_in
    assert session_user(bearer_client(body["token"]))["id"] == body["user"]["id"]


def test_username_based_model_reports_the_username(api_client, user_model):
    body = sign_in_anonymously(api_client)
    if user_model.USERNAME_FIELD == "email":
        assert "username" not in body["user"]
    else:
        assert body["user"]["username"] == body["user"]["email"]


@pytest.mark.parametrize(
    "body, content_type",
    [
        (None, None),
        ("", "application/json"),
        ("{}", "application/json"),
        ('{"email": "x@example.com"}', "application/json"),
        ("{not json", "application/json"),
        ("a=1&b=2", "application/x-www-form-urlencoded"),
        ("\x00\xff binary", "application/octet-stream"),
        ("hello", "text/plain"),
        ("<x/>", "application/xml"),
    ],
)
def test_body_is_ignored_whatever_it_is(api_client, user_model, body, content_type):
    kwargs = {} if body is None else {"data": body, "content_type": content_type}
    response = api_client.post(api("sign-in/anonymous"), **kwargs)
    assert response.status_code == 200, response.content
    assert user_model.objects.get().is_anonymous_user


@pytest.mark.parametrize(
    "body, content_type",
    [("a=1", "application/x-www-form-urlencoded"), ("{not json", "application/json")],
)
def test_body_is_ignored_for_a_signed_in_caller_too(api_client, linked_user, body, content_type):
    api_client.force_login(linked_user)
    response = post(api_client, api("sign-in/anonymous"), body, content_type=content_type)
    assert response.status_code == 200
    assert response.json()["user"]["is_anonymous"] is True


def test_anonymous_user_cannot_sign_in_anonymously_again(api_client, user_model):
    first = sign_in_anonymously(api_client)

    response = post(api_client, api("sign-in/anonymous"))

    assert response.status_code == 400
    assert response.json() == {
        "code": "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY",
        "message": "Anonymous users cannot sign in again anonymously.",
    }
    assert user_model.objects.count() == 1
    assert session_user(api_client)["id"] == first["user"]["id"]


def test_linked_user_is_signed_out_and_gets_a_new_anonymous_session(
    api_client, linked_user, user_model
):
    api_client.force_login(linked_user)
    old_session = api_client.cookies["sessionid"].value

    body = sign_in_anonymously(api_client)

    assert body["user"]["is_anonymous"] is True
    assert body["user"]["id"] != linked_user.pk
    assert session_user(api_client)["id"] == body["user"]["id"]
    assert not Session.objects.filter(session_key=old_session).exists()
    assert user_model.objects.filter(pk=linked_user.pk).exists()


def test_anonymous_user_stays_signed_in_when_a_credentials_only_backend_comes_first(
    api_client, settings
):
    # django-axes documents its backend first: it checks credentials, it loads no user.
    settings.AUTHENTICATION_BACKENDS = [
        "tests.testapp.backends.CredentialsOnlyBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    body = sign_in_anonymously(api_client)
    assert session_user(api_client)["id"] == body["user"]["id"]
    assert session_user(bearer_client(body["token"]))["id"] == body["user"]["id"]


def test_email_domain_setting_is_used(api_client, settings, user_model):
    settings.ANONYMOUS_AUTH = {"EMAIL_DOMAIN_NAME": "guests.example.net"}
    sign_in_anonymously(api_client)
    assert user_model.objects.get().email.endswith("@guests.example.net")


@pytest.mark.parametrize("domain", ["not a domain", "localhost", "[127.0.0.1]"])
def test_an_email_domain_setting_that_is_no_domain_creates_nothing(
    api_client, settings, user_model, domain
):
    """System check E005 says so at start-up; a server started without checks refuses too."""
    settings.ANONYMOUS_AUTH = {"EMAIL_DOMAIN_NAME": domain}
    response = api_client.post(api("sign-in/anonymous"))
    assert response.status_code == 500
    assert response.json()["code"] == "INVALID_EMAIL_FORMAT"
    assert not user_model.objects.exists()


WITHOUT_SITES = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "django_anonymous_auth",
    "tests.testapp",
]


@pytest.mark.parametrize(
    "host, domain",
    [
        ("shop.example.org:8443", "shop.example.org"),
        ("Shop.Example.ORG", "shop.example.org"),
        ("127.0.0.1:8000", "anonymous.invalid"),
        ("localhost", "anonymous.invalid"),
    ],
)
def test_without_sites_an_allowed_host_without_port_is_the_domain(db, user_model, host, domain):
    allowed = ["shop.example.org", "127.0.0.1", "localhost"]
    with override_settings(INSTALLED_APPS=WITHOUT_SITES, ALLOWED_HOSTS=allowed):
        response = APIClient().post(api("sign-in/anonymous"), HTTP_HOST=host)
    assert response.status_code == 200
    assert user_model.objects.get().email.endswith(f"@{domain}")


@pytest.mark.parametrize("allowed", [["*"], [".example.org"]])
def test_without_sites_a_host_the_client_chose_is_never_the_domain(db, user_model, allowed):
    # Behind a wildcard the client names the host, and with it someone's real mailbox.
    with override_settings(INSTALLED_APPS=WITHOUT_SITES, ALLOWED_HOSTS=allowed):
        response = APIClient().post(api("sign-in/anonymous"), HTTP_HOST="mail.example.org")
    assert response.status_code == 200
    assert user_model.objects.get().email.endswith("@anonymous.invalid")


def test_without_sites_a_host_too_long_for_the_column_is_not_the_domain(db, user_model):
    host = ".".join(["a" * 60] * 4) + ".org"  # a valid domain of 248 characters
    with override_settings(INSTALLED_APPS=WITHOUT_SITES, ALLOWED_HOSTS=[host]):
        response = APIClient().post(api("sign-in/anonymous"), HTTP_HOST=host)
    assert response.status_code == 200
    assert user_model.objects.get().email.endswith("@anonymous.invalid")


def test_name_and_email_hooks_are_used(api_client, settings, user_model):
    settings.ANONYMOUS_AUTH = {
        "GENERATE_NAME": "tests.testapp.hooks.generate_name",
        "GENERATE_EMAIL": "tests.testapp.hooks.generate_email",
    }
    body = sign_in_anonymously(api_client)
    assert body["user"]["name"] == "Guest from the tests"
    assert user_model.objects.get().email == "Guest.Fixed@Example.org"


def test_invalid_generated_email_is_a_500_and_creates_nothing(api_client, settings, user_model):
    settings.ANONYMOUS_AUTH = {"GENERATE_EMAIL": "tests.testapp.hooks.generate_invalid_email"}
    response = api_client.post(api("sign-in/anonymous"))
    assert response.status_code == 500
    assert response.json()["code"] == "INVALID_EMAIL_FORMAT"
    assert user_model.objects.count() == 0
    assert "sessionid" not in api_client.cookies


def test_colliding_generated_email_is_a_500_and_creates_nothing(api_client, settings, user_model):
    settings.ANONYMOUS_AUTH = {"GENERATE_EMAIL": "tests.testapp.hooks.generate_email"}
    sign_in_anonymously(api_client)

    response = APIClient().post(api("sign-in/anonymous"))

    assert response.status_code == 500
    assert response.json()["code"] == "FAILED_TO_CREATE_USER"
    assert user_model.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_taken_session_key_rolls_the_sign_in_back_whole(monkeypatch, user_model):
    """Never seen with 160 random bits; if it were, the whole transaction goes, not a part."""
    first = APIClient()
    taken = first.post(api("sign-in/anonymous")).json()["token"]
    draws = []

    def the_taken_key() -> str:
        draws.append(taken)
        assert len(draws) == 1, "retried the taken key inside the sign-in's transaction"
        return taken

    monkeypatch.setattr("django_anonymous_auth.sessions.random_token", the_taken_key)

    response = APIClient().post(api("sign-in/anonymous"))

    assert response.status_code == 500
    assert response.json()["code"] == "FAILED_TO_CREATE_USER"
    assert user_model.objects.count() == 1
    assert Session.objects.count() == 1
    assert session_user(first)["id"] == user_model.objects.get().pk


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2)",
        "facebookexternalhit/1.1",
        "Some-Unknown-Crawler/0.1",
    ],
)
def test_crawlers_are_refused_and_create_nothing(api_client, user_model, agent):
    response = api_client.post(api("sign-in/anonymous"), HTTP_USER_AGENT=agent)
    assert response.status_code == 403
    assert response.json()["code"] == "USER_AGENT_BLOCKED"
    assert user_model.objects.count() == 0


@pytest.mark.parametrize(
    "agent",
    [
        BROWSER,
        "Mozilla/5.0 (Linux; Android 9; CUBOT_X19) AppleWebKit/537.36 Chrome/120 Mobile",
        "okhttp/4.12.0",
        "curl/8.5.0",
        "MyApp/3.1 CFNetwork/1410 Darwin/22.6.0",
    ],
)
def test_browsers_and_app_clients_are_not_refused(api_client, agent):
    response = api_client.post(api("sign-in/anonymous"), HTTP_USER_AGENT=agent)
    assert response.status_code == 200


def test_blocked_user_agents_can_be_replaced(api_client, settings):
    settings.ANONYMOUS_AUTH = {"BLOCKED_USER_AGENTS": ["curl/"]}
    assert api_client.post(api("sign-in/anonymous"), HTTP_USER_AGENT="curl/8.5").status_code == 403
    response = APIClient().post(api("sign-in/anonymous"), HTTP_USER_AGENT="Googlebot/2.1")
    assert response.status_code == 200


def test_no_blocked_user_agents_refuses_nobody(api_client, settings):
    settings.ANONYMOUS_AUTH = {"BLOCKED_USER_AGENTS": []}
    assert (
        api_client.post(api("sign-in/anonymous"), HTTP_USER_AGENT="Googlebot/2.1").status_code
        == 200
    )


def test_markers_are_plain_text_not_patterns(api_client, settings):
    settings.ANONYMOUS_AUTH = {"BLOCKED_USER_AGENTS": ["bot.+"]}
    assert APIClient().post(api("sign-in/anonymous"), HTTP_USER_AGENT="robot1").status_code == 200
    response = api_client.post(api("sign-in/anonymous"), HTTP_USER_AGENT="A Bot.+ 1.0")
    assert response.status_code == 403


def test_return_token_false_leaves_the_token_out(api_client, settings):
    settings.ANONYMOUS_AUTH = {"RETURN_TOKEN": False}
    body = sign_in_anonymously(api_client)
    assert "token" not in body
    assert session_user(api_client)["id"] == body["user"]["id"]


def test_created_signal_fires_once_with_the_user(
    api_client, user_model, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, user, request, **kwargs):
        received.append((sender, user.pk))

    anonymous_user_created.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            body = sign_in_anonymously(api_client)
    finally:
        anonymous_user_created.disconnect(receiver)
    assert received == [(user_model, body["user"]["id"])]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("limit", "counting"),
    [
        ({"THROTTLE_STORE": "database"}, ["INSERT django_anonymous_auth_ratecounter"]),
        ({"THROTTLE_STORE": "cache"}, []),  # one cache round trip instead
        ({"SIGN_IN_RATE": None}, []),
    ],
)
def test_a_new_visitor_costs_one_write_transaction(count_statements, settings, limit, counting):
    settings.ANONYMOUS_AUTH = limit
    users = get_user_model()._meta.db_table
    APIClient().post(api("sign-in/anonymous"))  # Sites caches its domain after one read
    with count_statements() as statements:
        response = APIClient().post(api("sign-in/anonymous"))
    assert response.status_code == 200
    # One transaction: [count the client,] INSERT the user with its last_login,
    # INSERT the session with its final data. No SELECT for a free session key, no
    # empty session row, no UPDATE of last_login or of the session after the view.
    assert statements.write_transactions == 1
    assert statements.savepoints == 0  # Django's session save() would make one
    assert verbs_and_tables(statements) == [*counting, f"INSERT {users}", "INSERT django_session"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"]
)
def test_the_session_row_is_inserted_in_the_sign_ins_transaction(
    count_statements, settings, engine
):
    settings.SESSION_ENGINE = engine
    APIClient().post(api("sign-in/anonymous"))
    with count_statements() as statements:
        client = APIClient()
        body = client.post(api("sign-in/anonymous")).json()
    assert statements.write_transactions == 1
    assert statements.savepoints == 0
    assert Session.objects.filter(session_key=body["token"]).exists()
    if engine.endswith("cached_db"):  # its own part of save(), after the INSERT
        cached = caches[settings.SESSION_CACHE_ALIAS].get(CACHED_DB_KEY_PREFIX + body["token"])
        assert cached[SESSION_KEY] == str(body["user"]["id"])
    assert session_user(client)["id"] == body["user"]["id"]


def test_a_new_visitor_has_its_last_login_and_user_logged_in_is_sent(api_client, user_model):
    logins = []
    user_logged_in.connect(
        lambda user, **kwargs: logins.append(user.pk), weak=False, dispatch_uid="t"
    )
    try:
        body = sign_in_anonymously(api_client)
    finally:
        user_logged_in.disconnect(dispatch_uid="t")
    assert logins == [body["user"]["id"]]
    assert user_model.objects.get(pk=body["user"]["id"]).last_login is not None


def test_user_logged_in_receivers_see_the_new_sessions_key(api_client):
    keys = []

    def record(request, **kwargs):
        keys.append(request.session.session_key)

    user_logged_in.connect(record, weak=False, dispatch_uid="record-key")
    try:
        body = sign_in_anonymously(api_client)
    finally:
        user_logged_in.disconnect(dispatch_uid="record-key")
    assert keys == [body["token"]]


def test_user_logged_in_receivers_see_the_new_user_on_the_request(api_client):
    seen = []

    def record(request, user, **kwargs):
        with CaptureQueriesContext(connection) as queries:  # no user to load again
            seen.append((request.user.pk, async_to_sync(request.auser)().pk, user.pk))
        assert len(queries) == 0

    user_logged_in.connect(record, weak=False, dispatch_uid="record-user")
    try:
        body = sign_in_anonymously(api_client)
    finally:
        user_logged_in.disconnect(dispatch_uid="record-user")
    assert seen == [(body["user"]["id"],) * 3]


def test_a_csrf_token_planted_before_the_sign_in_is_worthless_after_it(api_client):
    """Login CSRF: the sign-in replaces the browser's CSRF secret, as login() does."""
    planted = "a" * 32
    api_client.cookies["csrftoken"] = planted
    response = api_client.post(api("sign-in/anonymous"))
    assert response.status_code == 200
    secret = response.cookies["csrftoken"].value
    assert re.fullmatch(r"[a-zA-Z0-9]{32}", secret)
    assert secret != planted

    refused = api_client.post(api("sign-out"), HTTP_X_CSRFTOKEN=planted)
    assert refused.status_code == 403
    assert session_user(api_client)["id"] == response.json()["user"]["id"]
    assert api_client.post(api("sign-out"), HTTP_X_CSRFTOKEN=secret).status_code == 200
    assert session_user(api_client) is None


def test_every_sign_in_draws_its_own_csrf_secret():
    secrets = {
        APIClient().post(api("sign-in/anonymous")).cookies["csrftoken"].value for _ in range(20)
    }
    assert len(secrets) == 20


@pytest.mark.django_db(transaction=True)
def test_user_logged_in_receivers_run_after_the_commit():
    """As in any Django login view: outside the transaction that holds SQLite's write lock."""
    seen = []

    def record(user, **kwargs):
        seen.append((connection.in_atomic_block, Session.objects.count(), user.pk))

    user_logged_in.connect(record, weak=False, dispatch_uid="record-commit")
    try:
        body = sign_in_anonymously(APIClient())
    finally:
        user_logged_in.disconnect(dispatch_uid="record-commit")
    assert seen == [(False, 1, body["user"]["id"])]


def test_a_sign_in_that_fails_leaves_a_linked_caller_signed_in(settings, make_user):
    make_user(email="ada@example.com")
    make_user(email="guest.fixed@example.org")  # the address the hook below gives
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    body = {"email": "ada@example.com", "password": PASSWORD}
    assert post(client, api("sign-in/email"), body, format="json").status_code == 200
    settings.ANONYMOUS_AUTH = {"GENERATE_EMAIL": "tests.testapp.hooks.generate_email"}

    response = post(client, api("sign-in/anonymous"))

    assert response.status_code == 500
    assert response.json()["code"] == "FAILED_TO_CREATE_USER"
    assert session_user(client)["email"] == "ada@example.com"

"""The anonymous sign-in limit, in every store: exact, per client, and never a 500."""

from __future__ import annotations

import logging
import os

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from django_anonymous_auth.models import RateCounter

from .hashers import CountingArgon2PasswordHasher
from .helpers import PASSWORD, api, post, session_user, sign_in_anonymously

pytestmark = pytest.mark.django_db

SIGN_IN = api("sign-in/anonymous")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
#: Nothing listens there: a Redis that is down.
REDIS_DOWN = {**REDIS, "LOCATION": "redis://127.0.0.1:1/0"}


@pytest.fixture(params=["database", "locmem", "redis"])
def limit(request, settings):
    """``ANONYMOUS_AUTH`` for a store: the database, a LocMem cache, or Redis (required)."""
    if request.param == "redis":
        settings.CACHES = {"default": REDIS}
        cache.clear()
    store = "database" if request.param == "database" else "cache"
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": store}

    def configure(**values):
        settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": store, **values}

    yield configure
    if request.param == "redis":
        cache.clear()


def sign_in(**extra):
    return APIClient().post(SIGN_IN, **extra)


def test_31st_sign_in_from_one_ip_within_an_hour_is_refused(limit, user_model):
    limit()
    for _ in range(30):
        assert sign_in().status_code == 200

    response = sign_in()

    assert response.status_code == 429
    assert response.json()["code"] == "TOO_MANY_REQUESTS"
    assert 3500 < int(response["Retry-After"]) <= 3600
    assert user_model.objects.count() == 30


def test_other_ips_are_counted_apart(limit):
    limit(SIGN_IN_RATE="1/minute")
    assert sign_in().status_code == 200
    assert sign_in().status_code == 429
    assert sign_in(REMOTE_ADDR="10.1.2.3").status_code == 200


def test_one_ipv6_network_is_one_client(limit):
    limit(SIGN_IN_RATE="1/minute")
    assert sign_in(REMOTE_ADDR="2001:db8:1:2::1").status_code == 200
    for host in ("2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:7"):
        assert sign_in(REMOTE_ADDR=host).status_code == 429
    assert sign_in(REMOTE_ADDR="2001:db8:1:3::1").status_code == 200  # another /64


def test_the_ipv6_prefix_is_a_setting(limit):
    limit(SIGN_IN_RATE="1/minute", IPV6_PREFIX=48)
    assert sign_in(REMOTE_ADDR="2001:db8:1:2::1").status_code == 200
    assert sign_in(REMOTE_ADDR="2001:db8:1:3::1").status_code == 429


def test_an_ipv4_mapped_address_is_that_ipv4_client(limit):
    limit(SIGN_IN_RATE="1/minute")
    assert sign_in().status_code == 200  # 127.0.0.1
    assert sign_in(REMOTE_ADDR="::ffff:127.0.0.1").status_code == 429


def test_client_ip_follows_drf_num_proxies(limit, settings):
    limit(SIGN_IN_RATE="1/minute")
    settings.REST_FRAMEWORK = {"NUM_PROXIES": 1}
    ip = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert sign_in(**ip).status_code == 200
    assert sign_in(**ip).status_code == 429
    assert sign_in(HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_forwarded_for_is_ignored_without_num_proxies(limit):
    limit(SIGN_IN_RATE="1/minute")
    statuses = [sign_in(HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(3)]
    assert statuses == [200, 429, 429]


def test_none_turns_the_limit_off(limit):
    limit(SIGN_IN_RATE=None)
    for _ in range(35):
        assert sign_in().status_code == 200


def test_a_refused_sign_in_leaves_a_linked_caller_signed_in(limit, make_user):
    limit(SIGN_IN_RATE="1/minute")
    make_user(email="ada@example.com")
    assert sign_in().status_code == 200
    client = APIClient()
    body = {"email": "ada@example.com", "password": PASSWORD}
    assert post(client, api("sign-in/email"), body, format="json").status_code == 200

    assert post(client, SIGN_IN).status_code == 429
    assert session_user(client)["email"] == "ada@example.com"


def test_a_new_window_counts_afresh(limit, user_model):
    limit(SIGN_IN_RATE="1/minute")
    assert sign_in().status_code == 200
    assert sign_in().status_code == 429
    if RateCounter.objects.exists():  # the database store: end the window by hand
        RateCounter.objects.update(window_end=0)
    else:
        cache.clear()
    assert sign_in().status_code == 200


class TestAFailingStore:
    """Redis down, or the counter table missing: never a 500."""

    @pytest.fixture(params=["redis down", "table missing"])
    def broken_store(self, request, settings):
        if request.param == "redis down":
            settings.CACHES = {"default": REDIS_DOWN}
            settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "cache"}
            yield
            return
        settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "database"}
        with connection.schema_editor() as editor:
            editor.delete_model(RateCounter)
        yield
        with connection.schema_editor() as editor:
            editor.create_model(RateCounter)

    @pytest.mark.django_db(transaction=True)
    def test_by_default_sign_in_goes_on_without_the_limit_and_logs_an_error(
        self, broken_store, settings, user_model, caplog
    ):
        settings.ANONYMOUS_AUTH = {**settings.ANONYMOUS_AUTH, "SIGN_IN_RATE": "1/minute"}
        with caplog.at_level(logging.ERROR, logger="django_anonymous_auth"):
            statuses = [sign_in().status_code for _ in range(2)]
        assert statuses == [200, 200]
        assert user_model.objects.count() == 2
        assert "rate limit is off" in caplog.text

    @pytest.mark.django_db(transaction=True)
    def test_refuse_answers_a_json_503_and_creates_nobody(self, broken_store, settings, user_model):
        settings.ANONYMOUS_AUTH = {**settings.ANONYMOUS_AUTH, "THROTTLE_FAILURE": "refuse"}
        response = sign_in()
        assert response.status_code == 503
        assert response.json() == {
            "code": "SERVICE_UNAVAILABLE",
            "message": "Signing in is not possible right now. Try again later.",
        }
        assert user_model.objects.count() == 0


class TestPasswordLimits:
    """sign-in/email and link-account hash a password: limited per client and per account."""

    @staticmethod
    def sign_in_email(email, password="wrong password", **extra):
        body = {"email": email, "password": password}
        return APIClient().post(api("sign-in/email"), body, format="json", **extra)

    def test_an_account_is_limited_whatever_the_letter_case(self, limit, make_user):
        limit(ACCOUNT_PASSWORD_RATE="2/minute")
        make_user(email="ada@example.com")
        statuses = [
            self.sign_in_email(email).status_code
            for email in ("ada@example.com", "ADA@example.com", "Ada@Example.com")
        ]
        assert statuses == [401, 401, 429]
        refused = self.sign_in_email("ada@example.com", PASSWORD)
        assert refused.status_code == 429  # the right password too, until the window ends
        assert refused.json()["code"] == "TOO_MANY_REQUESTS"
        assert 0 < int(refused["Retry-After"]) <= 60
        assert self.sign_in_email("grace@example.com").status_code == 401

    def test_unknown_emails_are_limited_alike_so_the_answer_tells_nothing(self, limit):
        limit(ACCOUNT_PASSWORD_RATE="1/minute")
        assert self.sign_in_email("nobody@example.com").status_code == 401
        assert self.sign_in_email("nobody@example.com").status_code == 429

    def test_a_client_is_limited_across_accounts(self, limit):
        limit(PASSWORD_RATE="3/minute", ACCOUNT_PASSWORD_RATE=None)
        statuses = [self.sign_in_email(f"user{i}@example.com").status_code for i in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert self.sign_in_email("user9@example.com", REMOTE_ADDR="10.9.9.9").status_code == 401

    def test_a_refused_request_runs_no_hash(self, limit, settings):
        limit(ACCOUNT_PASSWORD_RATE="1/minute")
        settings.PASSWORD_HASHERS = ["tests.hashers.CountingArgon2PasswordHasher"]
        self.sign_in_email("nobody@example.com")
        CountingArgon2PasswordHasher.hashes = 0
        assert self.sign_in_email("nobody@example.com").status_code == 429
        assert CountingArgon2PasswordHasher.hashes == 0

    def test_link_account_is_limited_per_anonymous_user(self, limit, make_user, user_model):
        limit(ACCOUNT_PASSWORD_RATE="1/minute")
        make_user(email="taken@example.com")
        client = APIClient(enforce_csrf_checks=True)
        sign_in_anonymously(client)
        link = api("anonymous/link-account")
        taken = {"email": "taken@example.com", "password": PASSWORD}
        assert post(client, link, taken, format="json").status_code == 422
        free = {"email": "free@example.com", "password": PASSWORD}
        assert post(client, link, free, format="json").status_code == 429
        assert not user_model.objects.filter(email="free@example.com").exists()
        assert session_user(client)["is_anonymous"] is True


@pytest.mark.django_db(transaction=True)
def test_failed_password_sign_ins_stay_counted_under_atomic_requests(
    settings, make_user, monkeypatch
):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    settings.ANONYMOUS_AUTH = {"THROTTLE_STORE": "database", "ACCOUNT_PASSWORD_RATE": "2/minute"}
    make_user(email="ada@example.com")
    body = {"email": "ada@example.com", "password": "wrong password"}
    statuses = [
        APIClient().post(api("sign-in/email"), body, format="json").status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 429]

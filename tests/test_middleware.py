"""The middleware keeps an anonymous user's ``last_seen`` and session fresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from .helpers import api, signed_in_anonymously

pytestmark = pytest.mark.django_db

# The request each kind of client makes: a browser, any page of the project; an app, the API.
REQUEST = {"cookie": "/whoami/", "bearer": api("get-session")}


def make_stale(client, last_seen, user_model):
    """Date the signed-in anonymous user's last_seen back; its session expires in a day."""
    user_model.objects.filter(pk=client.signed_in["user"]["id"]).update(last_seen=last_seen)
    Session.objects.filter(session_key=client.signed_in["token"]).update(
        expire_date=timezone.now() + timedelta(days=1)
    )
    return client


@pytest.fixture
def two_days_ago():
    return timezone.now() - timedelta(days=2)


@pytest.fixture
def stale_anonymous_client(db, two_days_ago, user_model):
    """A browser signed in anonymously, last seen two days ago, its session ending in a day."""
    client = signed_in_anonymously("cookie", enforce_csrf_checks=False)
    return make_stale(client, two_days_ago, user_model)


class TestLastSeen:
    def test_any_request_of_a_stale_anonymous_user_refreshes_last_seen_and_the_session(
        self, anonymous_client_of_kind, client_kind, two_days_ago, user_model
    ):
        client = make_stale(anonymous_client_of_kind, two_days_ago, user_model)

        client.get(REQUEST[client_kind])

        user = user_model.objects.get()
        assert timezone.now() - user.last_seen < timedelta(seconds=5)
        session = Session.objects.get(session_key=client.signed_in["token"])
        assert session.expire_date > timezone.now() + timedelta(days=13)

    @pytest.mark.django_db(transaction=True)
    def test_refresh_is_one_update_and_none_inside_the_interval(
        self, stale_anonymous_client, count_statements
    ):
        client = stale_anonymous_client
        with count_statements() as stale:
            client.get(api("get-session"))
        with count_statements() as fresh:
            client.get(api("get-session"))
        # Session and user SELECTs, then one UPDATE of last_seen and the session's
        # own UPDATE (its expiry slides); inside the interval, the SELECTs only.
        assert len(stale) == 4, stale
        assert sum(sql.startswith("UPDATE") and "last_seen" in sql for sql in stale) == 1
        assert len(fresh) == 2, fresh

    def test_interval_comes_from_the_setting(
        self, stale_anonymous_client, two_days_ago, settings, user_model
    ):
        settings.ANONYMOUS_AUTH = {"ACTIVITY_UPDATE_INTERVAL": timedelta(days=3)}
        stale_anonymous_client.get("/whoami/")
        assert user_model.objects.get().last_seen == two_days_ago

    def test_linked_users_are_not_touched(self, linked_user, user_model):
        client = Client()
        client.force_login(linked_user)
        client.get("/whoami/")
        assert user_model.objects.get(pk=linked_user.pk).last_seen is None


def test_views_of_a_session_cookie_get_the_user_itself_not_a_proxy(user_model):
    """The middleware loaded the user already; reads in the view need no lazy proxy."""
    browser = signed_in_anonymously("cookie")
    seen = browser.get("/whoami/").json()
    assert seen == {"id": browser.signed_in["user"]["id"], "class": user_model.__name__}

    Session.objects.all().delete()  # the cookie now names no session
    assert browser.get("/whoami/").json() == {"id": None, "class": "AnonymousUser"}

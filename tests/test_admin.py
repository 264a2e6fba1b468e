from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_anonymous_auth.admin import AnonymousUserAdminMixin
from django_anonymous_auth.models import User as ShippedUser

from .helpers import PASSWORD, make_anonymous_user
from .testapp import models as testapp
from .testapp.models import Invoice, Note

pytestmark = pytest.mark.django_db

SHIPPED = settings.AUTH_USER_MODEL == "django_anonymous_auth.User"
shipped_only = pytest.mark.skipif(not SHIPPED, reason="the shipped User is not the user model")

ACTION = "delete_selected_anonymous_users"


def url(user_model: type[Any], view: str = "changelist", *args: Any) -> str:
    opts = user_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def listed(response: Any) -> set[Any]:
    """The primary keys of the rows on a changelist page."""
    assert response.status_code == 200
    return {user.pk for user in response.context["cl"].result_list}


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def remaining(user_model: type[Any]) -> set[Any]:
    return set(user_model._default_manager.values_list("pk", flat=True))


# Registration --------------------------------------------------------------------------


def test_the_user_model_is_registered_with_the_anonymous_user_admin(user_model):
    assert isinstance(admin.site._registry[user_model], AnonymousUserAdminMixin)


def test_the_shipped_admin_is_registered_only_when_its_model_is_the_user_model():
    assert admin.site.is_registered(ShippedUser) is SHIPPED
    assert admin.site.is_registered(testapp.User) is not SHIPPED


# The filter and the column ---------------------------------------------------------------


def test_filter_yes_lists_only_anonymous_users(admin_client, user_model, make_user):
    anonymous = {make_anonymous_user().pk, make_anonymous_user().pk}
    make_user(email="ada@example.com")

    response = admin_client.get(url(user_model), {"is_anonymous_user": "yes"})

    assert listed(response) == anonymous
    assert "ada@example.com" not in response.content.decode()


def test_filter_no_lists_only_linked_users(admin_client, admin_user, user_model, make_user):
    anonymous = make_anonymous_user()
    ada = make_user(email="ada@example.com")

    response = admin_client.get(url(user_model), {"is_anonymous_user": "no"})

    assert listed(response) == {ada.pk, admin_user.pk}
    assert anonymous.email not in response.content.decode()


def test_without_the_filter_everyone_is_listed(admin_client, admin_user, user_model):
    anonymous = make_anonymous_user()
    assert listed(admin_client.get(url(user_model))) == {anonymous.pk, admin_user.pk}


def test_the_filter_offers_yes_and_no_in_the_sidebar(admin_client, user_model):
    content = admin_client.get(url(user_model)).content.decode()

    assert "By anonymous" in content
    assert 'href="?is_anonymous_user=yes"' in content
    assert 'href="?is_anonymous_user=no"' in content


def test_the_anonymous_column_shows_the_flag(admin_client, user_model):
    make_anonymous_user()

    content = admin_client.get(url(user_model)).content.decode()

    assert ">Anonymous</a></div>" in content  # a sortable column header
    cells = content.split('<td class="field-anonymous">')[1:]
    flags = sorted(cell.split('alt="')[1].split('"')[0] for cell in cells)
    assert flags == ["False", "True"]  # the admin user, the anonymous user


def test_the_changelist_costs_the_same_queries_for_3_or_30_users(
    admin_client, user_model, django_assert_num_queries
):
    for _ in range(3):
        make_anonymous_user()
    with CaptureQueriesContext(connection) as three:
        assert len(listed(admin_client.get(url(user_model), {"is_anonymous_user": "yes"}))) == 3
    for _ in range(27):
        make_anonymous_user()

    with django_assert_num_queries(len(three)):
        response = admin_client.get(url(user_model), {"is_anonymous_user": "yes"})

    assert len(listed(response)) == 30


# The action ----------------------------------------------------------------------------


def test_the_action_is_offered(admin_client, user_model):
    content = admin_client.get(url(user_model)).content.decode()
    assert f'<option value="{ACTION}">Delete selected anonymous users</option>' in content


def test_the_action_deletes_selected_anonymous_users_and_skips_linked_ones(
    admin_client, admin_user, user_model, make_user
):
    chosen, spared = [make_anonymous_user(), make_anonymous_user()], make_anonymous_user()
    ada = make_user(email="ada@example.com")
    Note.objects.create(owner=chosen[0], text="goes with its owner")

    response = admin_client.post(
        url(user_model),
        {"action": ACTION, "_selected_action": [*(u.pk for u in chosen), ada.pk]},
        follow=True,
    )

    assert remaining(user_model) == {spared.pk, ada.pk, admin_user.pk}
    assert not Note.objects.exists()
    assert messages_of(response) == [
        "Deleted 2 anonymous users.",
        "Skipped 1 linked user: only anonymous users are deleted.",
    ]


def test_the_action_keeps_users_that_protected_data_refers_to(admin_client, admin_user, user_model):
    invoiced, other = make_anonymous_user(), make_anonymous_user()
    Invoice.objects.create(owner=invoiced, number="2026-001")

    response = admin_client.post(
        url(user_model),
        {"action": ACTION, "_selected_action": [invoiced.pk, other.pk]},
        follow=True,
    )

    assert remaining(user_model) == {invoiced.pk, admin_user.pk}
    assert messages_of(response) == [
        "Deleted 1 anonymous user.",
        "Kept 1 anonymous user that protected data refers to.",
    ]


def test_the_action_on_all_filtered_rows_deletes_every_anonymous_user(
    admin_client, admin_user, user_model, make_user
):
    for _ in range(5):
        make_anonymous_user()
    ada = make_user(email="ada@example.com")

    response = admin_client.post(
        url(user_model) + "?is_anonymous_user=yes",
        {"action": ACTION, "select_across": "1", "_selected_action": ["0"]},
        follow=True,
    )

    assert remaining(user_model) == {ada.pk, admin_user.pk}
    assert messages_of(response) == ["Deleted 5 anonymous users."]


def test_the_action_needs_the_delete_permission(user_model, make_user):
    staff = make_user(email="staff@example.com", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label=user_model._meta.app_label,
            codename__in=[f"view_{user_model._meta.model_name}"],
        )
    )
    anonymous = make_anonymous_user()
    client = Client()
    client.force_login(staff)

    assert ACTION not in client.get(url(user_model)).content.decode()
    client.post(url(user_model), {"action": ACTION, "_selected_action": [anonymous.pk]})
    assert anonymous.pk in remaining(user_model)


# The shipped model's forms -------------------------------------------------------------


@shipped_only
def test_the_add_form_asks_for_an_email_and_the_password_twice(admin_client, user_model):
    content = admin_client.get(url(user_model, "add")).content.decode()

    for field in ("email", "password1", "password2"):
        assert f'name="{field}"' in content
    assert 'name="username"' not in content


@shipped_only
def test_the_add_form_creates_an_email_user_with_a_usable_password(admin_client, user_model):
    response = admin_client.post(
        url(user_model, "add"),
        {
            "email": "new@Example.COM",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    user = user_model.objects.get(email="new@example.com")  # domain normalised
    assert response.status_code == 302
    assert response["Location"] == url(user_model, "change", user.pk)
    assert user.check_password(PASSWORD)
    assert user.is_anonymous_user is False


@shipped_only
@pytest.mark.parametrize(
    ("email", "password2", "error"),
    [
        ("ADA@example.com", PASSWORD, "A user with that email address already exists."),
        ("new@example.com", PASSWORD + "!", "The two password fields didn"),
        ("not-an-email", PASSWORD, "Enter a valid email address."),
    ],
)
def test_the_add_form_refuses_bad_input(
    admin_client, user_model, make_user, email, password2, error
):
    make_user(email="ada@example.com")
    before = user_model.objects.count()

    response = admin_client.post(
        url(user_model, "add"),
        {"email": email, "usable_password": "true", "password1": PASSWORD, "password2": password2},
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert user_model.objects.count() == before


@shipped_only
def test_the_change_form_shows_the_password_hash_and_links_to_change_it(
    admin_client, user_model, make_user
):
    ada = make_user(email="ada@example.com")

    content = admin_client.get(url(user_model, "change", ada.pk)).content.decode()

    assert "<bdi>argon2</bdi>" in content  # the hash summary, never the hash
    assert ada.password not in content
    assert 'href="../password/"' in content
    assert 'name="is_anonymous_user"' in content
    assert 'name="username"' not in content


@shipped_only
def test_the_password_can_be_changed_from_the_change_form(admin_client, user_model, make_user):
    ada = make_user(email="ada@example.com")
    new_password = "another horse battery staple"

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[ada.pk]),
        {"usable_password": "true", "password1": new_password, "password2": new_password},
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.check_password(new_password)


@shipped_only
def test_the_change_form_saves_the_user(admin_client, user_model, make_user):
    ada = make_user(email="ada@example.com")

    response = admin_client.post(
        url(user_model, "change", ada.pk),
        {
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "is_active": "on",
            "date_joined_0": "2026-01-02",
            "date_joined_1": "03:04:05",
        },
    )

    assert response.status_code == 302, response.content
    ada.refresh_from_db()
    assert ada.name == "Ada Lovelace"
    assert ada.check_password(PASSWORD)  # the read-only hash is left alone


@shipped_only
def test_the_changelist_searches_and_orders_by_email(admin_client, user_model, make_user):
    for email in ("zed@example.com", "bob@example.com", "ada@example.com"):
        make_user(email=email)

    everyone = admin_client.get(url(user_model)).context["cl"].result_list
    found = admin_client.get(url(user_model), {"q": "bob"}).context["cl"].result_list

    assert [u.email for u in everyone] == [
        "ada@example.com",
        "admin@example.com",
        "bob@example.com",
        "zed@example.com",
    ]
    assert [u.email for u in found] == ["bob@example.com"]

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from .helpers import PASSWORD, make_anonymous_user

pytestmark = pytest.mark.django_db


def test_anonymous_user_has_the_flag_and_an_unusable_password(user_model):
    user = make_anonymous_user(email="temp-x@example.com", name="Guest")
    user.refresh_from_db()
    assert user.is_anonymous_user is True
    assert user.has_usable_password() is False
    assert user.get_username() == "temp-x@example.com"
    assert user.get_full_name() == "Guest"


def test_anonymous_user_keeps_djangos_meaning_of_is_anonymous(anonymous_user):
    # Django's property means "nobody is signed in"; the flag must not shadow it.
    assert anonymous_user.is_anonymous is False
    assert anonymous_user.is_authenticated is True


def test_anonymous_user_gets_permissions_from_model_backend(anonymous_user):
    permission = Permission.objects.get(codename="view_group")
    anonymous_user.user_permissions.add(permission)
    assert anonymous_user.has_perm("auth.view_group") is True


def test_anonymous_user_cannot_sign_in_with_any_password(anonymous_user):
    assert authenticate(username=anonymous_user.get_username(), password="") is None
    assert authenticate(username=anonymous_user.get_username(), password="!") is None


def test_new_users_are_linked_by_default(make_user):
    assert make_user().is_anonymous_user is False


def test_queryset_separates_anonymous_and_linked_users(user_model, anonymous_user, linked_user):
    assert list(user_model.objects.anonymous()) == [anonymous_user]
    assert list(user_model.objects.linked()) == [linked_user]


def test_email_is_unique_whatever_its_letter_case(make_user):
    make_user("Bob@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user("bob@example.com")


def test_shipped_model_signs_in_by_email_in_any_letter_case(user_model, make_user):
    if user_model.USERNAME_FIELD != "email":
        pytest.skip("the username-based model signs in by username")
    user = make_user("Ada@Example.com")
    assert authenticate(username="ada@EXAMPLE.com", password=PASSWORD) == user


def test_createsuperuser_works(user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    options = {"email": "root@example.com"}
    if user_model.USERNAME_FIELD != "email":
        options["username"] = "root"
    call_command("createsuperuser", interactive=False, verbosity=0, **options)
    user = user_model.objects.get(email="root@example.com")
    assert user.is_superuser and user.is_staff and not user.is_anonymous_user
    assert user.check_password(PASSWORD)


def test_anonymous_flag_is_indexed(user_model):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, user_model._meta.db_table)
    assert any(c["index"] and c["columns"] == ["is_anonymous_user"] for c in constraints.values())

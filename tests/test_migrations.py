from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_shipped_table_exists_only_when_it_is_the_user_model():
    shipped = settings.AUTH_USER_MODEL == "django_anonymous_auth.User"
    assert ("django_anonymous_auth_user" in connection.introspection.table_names()) is shipped

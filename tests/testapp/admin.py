"""How a project with its own user model gets the anonymous-user admin: one mixin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from django_anonymous_auth.admin import AnonymousUserAdminMixin

from .models import User


class UserAdmin(AnonymousUserAdminMixin, BaseUserAdmin):
    """Django's UserAdmin, plus the "Anonymous" filter, column and delete action."""

    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Anonymous sign-in", {"fields": ("is_anonymous_user", "last_seen")}),
    )


# Ignored by the admin site unless testapp.User is AUTH_USER_MODEL (it is swappable).
admin.site.register(User, UserAdmin)

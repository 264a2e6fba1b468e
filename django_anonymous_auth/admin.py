"""Admin for anonymous users: a mixin for any user admin, and the shipped model's admin.

A project with its own user model adds the mixin to its own ``UserAdmin``::

    class UserAdmin(AnonymousUserAdminMixin, django.contrib.auth.admin.UserAdmin): ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ANONYMOUS, User
from .services import bulk_delete_anonymous_users


class AnonymousUserListFilter(admin.SimpleListFilter):
    """Filter users by ``is_anonymous_user``: "By anonymous: Yes / No"."""

    title = _("anonymous")
    parameter_name = "is_anonymous_user"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(ANONYMOUS)
        if self.value() == "no":
            return queryset.filter(~ANONYMOUS)
        return queryset


if TYPE_CHECKING:
    MixinBase = admin.ModelAdmin
else:
    MixinBase = object


class AnonymousUserAdminMixin(MixinBase):
    """Add the "Anonymous" filter, column and delete action to a user ``ModelAdmin``.

    They are added to the admin's own ``list_filter``, ``list_display`` and actions,
    so put the mixin first and keep those as they are.
    """

    # Django collects ``actions`` from every class of the admin's MRO.
    actions = ["delete_selected_anonymous_users"]

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns = list(super().get_list_display(request))
        if "anonymous" not in columns:
            columns.append("anonymous")
        return columns

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = list(super().get_list_filter(request))
        if AnonymousUserListFilter not in filters:
            filters.insert(0, AnonymousUserListFilter)
        return filters

    @admin.display(description=_("Anonymous"), boolean=True, ordering="is_anonymous_user")
    def anonymous(self, user: Any) -> bool:
        return user.is_anonymous_user

    @admin.action(description=_("Delete selected anonymous users"), permissions=["delete"])
    def delete_selected_anonymous_users(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> None:
        """Delete the selected anonymous users, in batches; report linked ones as skipped."""
        linked = queryset.filter(~ANONYMOUS).count()
        # The changelist's queryset can be DISTINCT (a search across relations), which
        # SELECT ... FOR UPDATE refuses: hand the cleanup a plain one, by primary key.
        selected = queryset.model._base_manager.filter(pk__in=queryset.values("pk"))
        stats = bulk_delete_anonymous_users(selected)
        if deleted := stats.deleted:
            message = ngettext(
                "Deleted %(count)d anonymous user.", "Deleted %(count)d anonymous users.", deleted
            )
            self.message_user(request, message % {"count": deleted}, messages.SUCCESS)
        else:
            self.message_user(request, _("No anonymous users were deleted."), messages.WARNING)
        if linked:
            message = ngettext(
                "Skipped %(count)d linked user: only anonymous users are deleted.",
                "Skipped %(count)d linked users: only anonymous users are deleted.",
                linked,
            )
            self.message_user(request, message % {"count": linked}, messages.WARNING)
        if protected := stats.protected:
            message = ngettext(
                "Kept %(count)d anonymous user that protected data refers to.",
                "Kept %(count)d anonymous users that protected data refers to.",
                protected,
            )
            self.message_user(request, message % {"count": protected}, messages.WARNING)


class UserCreationForm(auth_forms.AdminUserCreationForm):
    """The admin's add form for the email-based ``User``: email, and the password twice."""

    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    """The admin's change form for the email-based ``User``: Django's, without username."""

    class Meta:
        model = User
        fields = "__all__"


class UserAdmin(AnonymousUserAdminMixin, auth_admin.UserAdmin):
    """The admin of the shipped email-based ``User``."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name",)}),
        (_("Anonymous sign-in"), {"fields": ("is_anonymous_user", "last_seen")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "name", "is_staff", "date_joined", "last_seen")
    search_fields = ("email", "name")
    ordering = ("email",)


# Like Django's own auth admin: the admin site ignores a model that AUTH_USER_MODEL
# swapped out, so this registers only when the shipped User is the user model.
admin.site.register(User, UserAdmin)

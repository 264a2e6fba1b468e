"""The six endpoints, at better-auth's paths, each with and without a trailing slash."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from . import views

app_name = "django_anonymous_auth"

# The most frequent first: Django tries the patterns in order.
urlpatterns: list[URLPattern] = [
    re_path(r"^get-session/?$", views.GetSessionView.as_view(), name="get-session"),
    re_path(
        r"^sign-in/anonymous/?$", views.SignInAnonymousView.as_view(), name="sign-in-anonymous"
    ),
    re_path(r"^anonymous/link-account/?$", views.LinkAccountView.as_view(), name="link-account"),
    re_path(r"^sign-in/email/?$", views.SignInEmailView.as_view(), name="sign-in-email"),
    re_path(r"^sign-out/?$", views.SignOutView.as_view(), name="sign-out"),
    re_path(
        r"^delete-anonymous-user/?$",
        views.DeleteAnonymousUserView.as_view(),
        name="delete-anonymous-user",
    ),
]

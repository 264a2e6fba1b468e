from __future__ import annotations

app_name = "django_anonymous_auth"

urlpatterns: list = []

"""Views of a project that logs people in its own way."""

from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, JsonResponse


def login_directly(request: HttpRequest, pk: int) -> JsonResponse:
    """Log in as user ``pk`` by calling ``login()``, the way many projects do (twice here)."""
    user = get_user_model().objects.get(pk=pk)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return JsonResponse({"id": request.user.pk})


def whoami(request: HttpRequest) -> JsonResponse:
    """A plain Django view that reads request.user, and says what it got."""
    return JsonResponse({"id": request.user.pk, "class": type(request.user).__name__})

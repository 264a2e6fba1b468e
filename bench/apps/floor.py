"""Views and URLs of the floor: the least Django does for each endpoint.

Plain function views, no DRF, no throttle, no checks. They are ``csrf_exempt`` because
the load generator sends no CSRF token (our sign-in needs none without a session, and
our link is authenticated by a bearer token, which needs none either).
"""

from __future__ import annotations

import json
import uuid

from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

BACKEND = "django.contrib.auth.backends.ModelBackend"


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def sign_in(request: HttpRequest) -> JsonResponse:
    """A new anonymous user (placeholder email, unusable password), logged in."""
    user = get_user_model()(email=f"temp-{uuid.uuid4().hex}@anonymous.invalid")
    user.is_anonymous_user = True
    user.set_unusable_password()
    user.save()
    login(request, user, backend=BACKEND)
    return JsonResponse({"token": request.session.session_key, "id": user.pk})


@require_GET
def get_session(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"id": request.user.pk})


@csrf_exempt
@require_POST
def link(request: HttpRequest) -> JsonResponse:
    """Email and password for the signed-in anonymous user; the session stays valid."""
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_anonymous_user", False):
        return JsonResponse({"error": "not an anonymous session"}, status=401)
    data = json.loads(request.body)
    user.email = data["email"]
    user.set_password(data["password"])  # PASSWORD_HASHERS[0], as the package uses
    user.is_anonymous_user = False
    user.save(update_fields=["email", "password", "is_anonymous_user"])
    update_session_auth_hash(request, user)
    return JsonResponse({"id": user.pk})


urlpatterns = [
    path("healthz", healthz),
    path("sign-in", sign_in),
    path("get-session", get_session),
    path("link", link),
]

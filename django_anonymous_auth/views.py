"""Thin DRF views: validate, call a service, respond.

Every view fixes its own authentication, permissions, parsers, renderer, content
negotiation, versioning, throttles and exception handler, so a project's global
``REST_FRAMEWORK`` settings change neither who may call them nor the shape of
their answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework.exceptions import MethodNotAllowed, UnsupportedMediaType
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from . import services
from .authentication import (
    BearerSessionAuthentication,
    CsrfSessionAuthentication,
    origin_is_trusted,
)
from .conf import app_settings
from .exceptions import CsrfFailed, exception_handler
from .parsers import JSONBodyParser
from .permissions import IsAnonymousUser
from .serializers import (
    EmailPasswordSerializer,
    LinkAccountSerializer,
    UserSerializer,
    user_fields,
)


def user_data(user: Any, request: Request | HttpRequest) -> dict[str, Any]:
    serializer_class = app_settings.import_hook("USER_SERIALIZER")
    if serializer_class is UserSerializer:
        # The default, not a subclass, needs no instance: building a DRF serializer
        # costs more than rendering the user, on every get-session.
        return user_fields(user)
    # to_representation() is what .data returns, without its wrapper and checks.
    return serializer_class(user, context={"request": request}).to_representation(user)


def signed_in(user: Any, request: Request | HttpRequest) -> HttpResponse:
    """The answer of every successful sign-in: ``{token, user}``."""
    data: dict[str, Any] = {"user": user_data(user, request)}
    if request.session.session_key is None:
        # login() after a flush (another user was signed in) leaves the new key to
        # SessionMiddleware; the token must exist now.
        request.session.save()
    if app_settings.RETURN_TOKEN:
        data = {"token": request.session.session_key, **data}
    return json_response(data)


def json_response(data: Any) -> HttpResponse:
    """``data`` written as DRF's JSONRenderer writes it, whichever way the request came."""
    text = JSON.encode(data).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return HttpResponse(text, content_type="application/json")


#: DRF's JSONRenderer's way of writing JSON (strict, compact, U+2028 and U+2029 escaped
#: so that it is also JavaScript). One encoder serves every answer, rather than one built
#: per answer as ``json.dumps(cls=...)`` does: it keeps no state between calls.
JSON = JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def answered_without_drf(respond: Callable[[], HttpResponse]) -> HttpResponse:
    """``respond()``, for a request DRF never sees: its errors answered as DRF's views do.

    An exception this app's handler does not answer is raised again, for Django's
    500 handling.
    """
    try:
        return respond()
    except Exception as exc:
        handled = exception_handler(exc, {})
        if handled is None:
            raise
    response = json_response(handled.data)
    response.status_code = handled.status_code
    for header in ("Retry-After", "WWW-Authenticate"):
        if header in handled:
            response[header] = handled[header]
    return response


def carries_credentials(request: HttpRequest) -> bool:
    """Tell whether the request has a session cookie or a token for DRF to check."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META


class AuthView(APIView):
    """The policy shared by all endpoints of this app."""

    authentication_classes = [BearerSessionAuthentication, CsrfSessionAuthentication]
    permission_classes = [AllowAny]
    parser_classes = [JSONBodyParser]
    renderer_classes = [JSONRenderer]
    throttle_classes: list[type] = []
    content_negotiation_class = DefaultContentNegotiation
    versioning_class = None

    # functools.wraps copies the attributes DRF's return type declares; mypy cannot see that.
    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:  # type: ignore[override]
        """DRF's view, behind the requests this endpoint answers without DRF.

        The wrapper carries the attributes of DRF's view (``cls``, ``csrf_exempt``,
        what decorators set on ``dispatch``), so URL tools and schema generators see
        the same view.
        """
        drf_view = super().as_view(**initkwargs)

        @functools.wraps(drf_view)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            respond = cls.without_drf(request)
            if respond is None:
                return drf_view(request, *args, **kwargs)
            return answered_without_drf(respond)

        return view

    @classmethod
    def without_drf(cls, request: HttpRequest) -> Callable[[], HttpResponse] | None:
        """How to answer ``request`` without DRF, or ``None`` to go through DRF.

        Only for requests DRF would add nothing to: its dispatch (a view instance,
        the request wrapper, authentication, content negotiation) costs more than
        the rest of a get-session, and a tenth of a sign-in.
        """
        return None

    def get_exception_handler(self) -> Any:
        return exception_handler

    def perform_authentication(self, request: Request) -> None:
        if request.user is None:
            # The project's UNAUTHENTICATED_USER is None; login() and our checks need
            # Django's AnonymousUser.
            request.user = AnonymousUser()

    def validated_body(self, request: Request, serializer_class: type[Serializer]) -> Any:
        """The JSON body, validated by ``serializer_class``; any other media type is a 415.

        The media type is checked here, not left to ``request.data``: the CSRF check
        may already have had Django parse a form body, and DRF then reads that as an
        empty form.
        """
        negotiator = self.get_content_negotiator()
        if request.content_type and not negotiator.select_parser(request, self.get_parsers()):
            raise UnsupportedMediaType(request.content_type)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not origin_is_trusted(request):
            raise CsrfFailed()
        # DRF checks permissions before the method; a method no caller may use is a
        # 405 for everyone, not a 401 for some.
        method = request.method or ""
        if not hasattr(self, method.lower()):
            raise MethodNotAllowed(method)
        super().initial(request, *args, **kwargs)


class SignInAnonymousView(AuthView):
    """``POST sign-in/anonymous``: the body is never read, whatever it is.

    A new visitor (no session cookie, no token) has nothing for DRF to authenticate,
    and bots send thousands of these: they skip DRF. Everything else (a session, a
    token, another method, a foreign origin) goes through DRF. Both ways call the
    same service and answer with the same functions.
    """

    @classmethod
    def without_drf(cls, request: HttpRequest) -> Callable[[], HttpResponse] | None:
        if (
            request.method == "POST"
            and not carries_credentials(request)
            and origin_is_trusted(request)
        ):
            return lambda: signed_in(services.sign_in_anonymously(request=request), request)
        return None

    def post(self, request: Request) -> HttpResponse:
        user = services.sign_in_anonymously(request=request)
        return signed_in(user, request)


def keep_password_out_of_reports(view: type[AuthView]) -> type[AuthView]:
    """Keep the password out of error reports, as Django's own login views do.

    Out of the POST data a report shows, and out of the local variables of every
    frame below ``post`` (Django cleanses all frames a ``sensitive_variables``
    wrapper calls). Django's filter applies both only while ``DEBUG`` is off.
    """
    view = method_decorator(sensitive_post_parameters("password"), name="dispatch")(view)
    return method_decorator(sensitive_variables(), name="post")(view)


# Under ATOMIC_REQUESTS the whole request would be one transaction, and the password
# would be hashed inside it; the service opens its own short one instead.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
@keep_password_out_of_reports
class LinkAccountView(AuthView):
    """``POST anonymous/link-account`` ``{email, password[, username][, name]}``."""

    permission_classes = [IsAnonymousUser]

    def post(self, request: Request) -> HttpResponse:
        data = self.validated_body(request, LinkAccountSerializer)
        user = services.link_account(request=request, **data)
        return signed_in(user, request)


# Under ATOMIC_REQUESTS a refused sign-in would roll back its own count in the
# password limits (the database store), and the hash would run inside a transaction.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
@keep_password_out_of_reports
class SignInEmailView(AuthView):
    """``POST sign-in/email`` ``{email, password}``."""

    def post(self, request: Request) -> HttpResponse:
        data = self.validated_body(request, EmailPasswordSerializer)
        user = services.sign_in_with_email(request=request, **data)
        return signed_in(user, request)


class GetSessionView(AuthView):
    """``GET get-session``: ``{session: {expires_at}, user}``, or ``null`` for nobody.

    Pages call it on every load. A same-origin GET with the session cookie (or
    none) needs nothing of DRF; anything else (a bearer token, another method, a
    foreign ``Origin``) goes through DRF, which answers refusals as every endpoint
    does.
    """

    @classmethod
    def without_drf(cls, request: HttpRequest) -> Callable[[], HttpResponse] | None:
        if (
            request.method == "GET"
            and "HTTP_AUTHORIZATION" not in request.META
            and origin_is_trusted(request)
        ):
            return lambda: session_response(request)
        return None

    def get(self, request: Request) -> HttpResponse:
        return session_response(request._request)


def session_response(request: HttpRequest) -> HttpResponse:
    """The answer of get-session for the request's user, signed in or not."""
    if "CSRF_COOKIE" not in request.META:
        # A page's first call: the CSRF cookie must exist for the POSTs to come.
        get_token(request)
    if not request.user.is_authenticated:
        return json_response(None)
    return json_response(
        {
            "session": {"expires_at": request.session.get_expiry_date()},
            "user": user_data(request.user, request),
        }
    )


class SignOutView(AuthView):
    """``POST sign-out``: the session ends server-side, cookie and token alike."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        logout(request)
        return Response({"success": True})


class DeleteAnonymousUserView(AuthView):
    """``POST delete-anonymous-user``: the anonymous user and its session are gone."""

    permission_classes = [IsAnonymousUser]

    def post(self, request: Request) -> Response:
        services.delete_anonymous_user(request=request)
        return Response({"success": True})

"""The OpenAPI description of this app's API, for drf-spectacular (the ``[openapi]`` extra).

The app imports this module when drf-spectacular is installed. Its extensions give each
view its request body, its answer, and every error code it can give, by status; and
the two ways to authenticate: the session cookie and the bearer token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from .serializers import EmailPasswordSerializer, LinkAccountSerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "django_anonymous_auth.authentication.BearerSessionAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The `token` of a sign-in answer: the session key.",
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):
    target_class = "django_anonymous_auth.authentication.CsrfSessionAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class UserDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(allow_blank=True)
    is_anonymous = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)
    username = serializers.CharField(required=False, help_text="Username-based models only.")


class SignedInSerializer(serializers.Serializer):
    token = serializers.CharField(required=False, help_text="Unless RETURN_TOKEN is off.")
    user = UserDataSerializer()


#: get-session's answer: the session and its user, or ``null`` when nobody is signed in.
#: A raw schema: drf-spectacular cannot make a serializer's whole answer nullable.
CURRENT_SESSION_OR_NULL = {
    "type": "object",
    "nullable": True,
    "properties": {
        "session": {
            "type": "object",
            "properties": {"expires_at": {"type": "string", "format": "date-time"}},
            "required": ["expires_at"],
        },
        "user": {"$ref": "#/components/schemas/UserData"},
    },
    "required": ["session", "user"],
}


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    # Declared fields leave the class (DRF's metaclass takes them), so this one does not
    # hide Serializer.errors, whatever the type checker thinks.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="VALIDATION_ERROR only: the messages of each field.",
    )


#: The errors every endpoint can give, by status: a request Django refuses, an unknown
#: token, a foreign origin, another method, a lost database.
EVERY_ENDPOINT = {
    400: ["BAD_REQUEST"],
    401: ["UNAUTHORIZED"],
    403: ["CSRF_FAILED"],
    405: ["METHOD_NOT_ALLOWED"],
    413: ["REQUEST_TOO_LARGE"],
    503: ["SERVICE_UNAVAILABLE"],
}
#: A POST's form body is read by the CSRF check of a session-cookie request.
MALFORMED_BODY = ["VALIDATION_ERROR"]


def answers(success: Any, **codes: list[str]) -> dict[int, Any]:
    """``success`` for 200, and an error answer per status listing its codes."""
    by_status = {status: list(names) for status, names in EVERY_ENDPOINT.items()}
    for status, names in codes.items():
        by_status.setdefault(int(status.removeprefix("s")), []).extend(names)
    errors = {
        status: OpenApiResponse(
            ErrorSerializer, description="Codes: " + ", ".join(f"`{name}`" for name in names) + "."
        )
        for status, names in sorted(by_status.items())
    }
    return {200: success, **errors}


def describe(view: str, method: str, **schema: Any) -> type[OpenApiViewExtension]:
    """A view extension giving ``view``'s ``method`` the schema of ``extend_schema(**schema)``."""

    class Extension(OpenApiViewExtension):
        target_class = f"django_anonymous_auth.views.{view}"

        def view_replacement(self) -> type:
            target: Any = self.target_class  # the class, once drf-spectacular loaded it
            described = extend_schema(**schema)(getattr(target, method))
            return type(view, (target,), {method: described})

    return Extension


SIGN_IN_ANONYMOUS = describe(
    "SignInAnonymousView",
    "post",
    operation_id="signInAnonymous",
    summary="Sign in as a new anonymous user",
    description="Creates a user with no email, password or name of its own and signs it "
    "in: the session cookie is set, and `token` works as a bearer token. The body is not "
    "read. A linked user who calls it is signed out first.",
    request=None,
    responses=answers(
        SignedInSerializer,
        s400=[*MALFORMED_BODY, "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY"],
        s403=["USER_AGENT_BLOCKED"],
        s429=["TOO_MANY_REQUESTS"],
        s500=["INVALID_EMAIL_FORMAT", "FAILED_TO_CREATE_USER"],
    ),
)
LINK_ACCOUNT = describe(
    "LinkAccountView",
    "post",
    operation_id="linkAccount",
    summary="Give the signed-in anonymous user an email and password, keeping its id",
    description="The same user, with all its data, becomes a normal account. The session "
    "key changes and this session stays signed in; every other session and token of the "
    "user ends. `username` exists for username-based user models only.",
    request=LinkAccountSerializer,
    responses=answers(
        SignedInSerializer,
        s400=MALFORMED_BODY,
        s415=["UNSUPPORTED_MEDIA_TYPE"],
        s403=["USER_IS_NOT_ANONYMOUS"],
        s422=["USER_ALREADY_EXISTS"],
        s429=["TOO_MANY_REQUESTS"],
    ),
)
SIGN_IN_EMAIL = describe(
    "SignInEmailView",
    "post",
    operation_id="signInEmail",
    summary="Sign in with email and password; an anonymous caller's data is merged",
    description="Unknown emails and wrong passwords get the same answer. An anonymous "
    "caller's data is moved to the account by the project's ON_LINK_ACCOUNT hook.",
    request=EmailPasswordSerializer,
    responses=answers(
        SignedInSerializer,
        s400=MALFORMED_BODY,
        s401=["INVALID_EMAIL_OR_PASSWORD"],
        s415=["UNSUPPORTED_MEDIA_TYPE"],
        s429=["TOO_MANY_REQUESTS"],
    ),
)
GET_SESSION = describe(
    "GetSessionView",
    "get",
    operation_id="getSession",
    summary="The current session and user; null when nobody is signed in",
    description="Also sets the CSRF cookie, for the POSTs a page makes next.",
    responses=answers(CURRENT_SESSION_OR_NULL),
)
SIGN_OUT = describe(
    "SignOutView",
    "post",
    operation_id="signOut",
    summary="End the session, cookie and token alike",
    description="The session is deleted on the server: its cookie and token stop working.",
    request=None,
    responses=answers(SuccessSerializer, s400=MALFORMED_BODY),
)
DELETE_ANONYMOUS_USER = describe(
    "DeleteAnonymousUserView",
    "post",
    operation_id="deleteAnonymousUser",
    summary="Delete the signed-in anonymous user and its session",
    description="Only an anonymous user may delete itself, unless ALLOW_SELF_DELETE is off.",
    request=None,
    responses=answers(
        SuccessSerializer,
        s400=MALFORMED_BODY,
        s403=["USER_IS_NOT_ANONYMOUS", "DELETE_ANONYMOUS_USER_DISABLED"],
        s409=["USER_HAS_PROTECTED_DATA"],
    ),
)

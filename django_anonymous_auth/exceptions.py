"""Domain errors and the one place that turns every error into ``{code, message}``."""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response


class AnonymousAuthError(Exception):
    """An error with a stable ``code`` that API clients can branch on."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "BAD_REQUEST"
    message: Any = _("The request could not be processed.")

    def __init__(self, message: Any = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class AnonymousUsersCannotSignInAgain(AnonymousAuthError):
    code = "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY"
    message = _("Anonymous users cannot sign in again anonymously.")


class Unauthorized(AnonymousAuthError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "UNAUTHORIZED"
    message = _("You are not signed in.")


class InvalidEmailOrPassword(AnonymousAuthError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "INVALID_EMAIL_OR_PASSWORD"
    message = _("Invalid email or password.")


class UserIsNotAnonymous(AnonymousAuthError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "USER_IS_NOT_ANONYMOUS"
    message = _("Only an anonymous user can do this.")


class SelfDeleteDisabled(AnonymousAuthError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "DELETE_ANONYMOUS_USER_DISABLED"
    message = _("Deleting anonymous users is disabled.")


class UserHasProtectedData(AnonymousAuthError):
    status_code = status.HTTP_409_CONFLICT
    code = "USER_HAS_PROTECTED_DATA"
    message = _("This account holds data that cannot be deleted with it.")


class CsrfFailed(AnonymousAuthError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "CSRF_FAILED"
    message = _("CSRF verification failed.")


class UserAgentBlocked(AnonymousAuthError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "USER_AGENT_BLOCKED"
    message = _("Automated clients cannot sign in anonymously.")


class UserAlreadyExists(AnonymousAuthError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "USER_ALREADY_EXISTS"
    message = _("A user with this email already exists.")


class InvalidEmailFormat(AnonymousAuthError):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    code = "INVALID_EMAIL_FORMAT"
    message = _("The generated email address is not valid.")


class FailedToCreateUser(AnonymousAuthError):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    code = "FAILED_TO_CREATE_USER"
    message = _("Failed to create the user.")


#: DRF's own exceptions, by class: status and code of our error body.
DRF_ERRORS: list[tuple[type[exceptions.APIException], int, str]] = [
    (exceptions.ValidationError, 400, "VALIDATION_ERROR"),
    (exceptions.ParseError, 400, "VALIDATION_ERROR"),
    (exceptions.NotAuthenticated, 401, "UNAUTHORIZED"),
    (exceptions.AuthenticationFailed, 401, "UNAUTHORIZED"),
    (exceptions.MethodNotAllowed, 405, "METHOD_NOT_ALLOWED"),
    (exceptions.UnsupportedMediaType, 415, "UNSUPPORTED_MEDIA_TYPE"),
    (exceptions.Throttled, 429, "TOO_MANY_REQUESTS"),
    (exceptions.NotFound, 404, "NOT_FOUND"),
    (exceptions.NotAcceptable, 406, "NOT_ACCEPTABLE"),
]


def error_response(status_code: int, code: str, message: Any, **extra: Any) -> Response:
    return Response({"code": code, "message": str(message), **extra}, status=status_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render any error of our views as ``{code, message[, errors]}``.

    Our views use this whatever ``REST_FRAMEWORK["EXCEPTION_HANDLER"]`` says, so a
    project's global DRF settings cannot change the error format of this API.
    Unexpected exceptions return ``None`` and go to Django's 500 handling.
    """
    if isinstance(exc, AnonymousAuthError):
        return error_response(exc.status_code, exc.code, exc.message)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.PermissionDenied):
        # Our permission classes name their code; DRF's default one is generic.
        code = exc.get_codes()
        code = code if isinstance(code, str) and code.isupper() else "FORBIDDEN"
        return error_response(403, code, exc.detail)
    for exc_class, status_code, code in DRF_ERRORS:
        if isinstance(exc, exc_class):
            if isinstance(exc, exceptions.ValidationError):
                errors = (
                    exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
                )
                return error_response(status_code, code, _("Invalid input."), errors=errors)
            response = error_response(status_code, code, exc.detail)
            wait = getattr(exc, "wait", None)  # set by Throttled
            if wait is not None:
                response["Retry-After"] = str(math.ceil(wait))
            if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
                response["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
    return None

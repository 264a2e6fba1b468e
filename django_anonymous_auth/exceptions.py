"""The errors of this app, in DRF's own hierarchy, and the handler that shapes their body.

Each error is an ``APIException`` subclass whose ``default_code`` is the code API
clients branch on, so any DRF view answers it with the right status, with or
without :func:`exception_handler`. The handler only turns DRF's body into
``{code, message[, errors]}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousMultipartForm,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger("django_anonymous_auth")


class AnonymousUsersCannotSignInAgain(exceptions.APIException):
    """An anonymous user asked for another anonymous account."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY"
    default_detail = _("Anonymous users cannot sign in again anonymously.")


class Unauthorized(exceptions.NotAuthenticated):
    """Nobody is signed in, or the user signed in is gone."""

    default_code = "UNAUTHORIZED"
    default_detail = _("You are not signed in.")


class InvalidEmailOrPassword(exceptions.AuthenticationFailed):
    """Sign-in failed: one answer for an unknown email and a wrong password."""

    default_code = "INVALID_EMAIL_OR_PASSWORD"
    default_detail = _("Invalid email or password.")


class UserIsNotAnonymous(exceptions.PermissionDenied):
    """A linked user asked for what only an anonymous user may do."""

    default_code = "USER_IS_NOT_ANONYMOUS"
    default_detail = _("Only an anonymous user can do this.")


class SelfDeleteDisabled(exceptions.PermissionDenied):
    """``ALLOW_SELF_DELETE`` is off."""

    default_code = "DELETE_ANONYMOUS_USER_DISABLED"
    default_detail = _("Deleting anonymous users is disabled.")


class CsrfFailed(exceptions.PermissionDenied):
    """A cookie request without a valid CSRF token, or from a foreign origin."""

    default_code = "CSRF_FAILED"
    default_detail = _("CSRF verification failed.")


class UserAgentBlocked(exceptions.PermissionDenied):
    """A crawler asked for an anonymous account."""

    default_code = "USER_AGENT_BLOCKED"
    default_detail = _("Automated clients cannot sign in anonymously.")


class UserHasProtectedData(exceptions.APIException):
    """Deleting the user would take data that ``PROTECT`` or ``RESTRICT`` holds."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "USER_HAS_PROTECTED_DATA"
    default_detail = _("This account holds data that cannot be deleted with it.")


class UserAlreadyExists(exceptions.APIException):
    """Another account has this email (in any letter case) or username."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "USER_ALREADY_EXISTS"
    default_detail = _("A user with this email already exists.")


class ThrottleUnavailable(exceptions.APIException):
    """The rate limit's store failed and ``THROTTLE_FAILURE`` is ``"refuse"``."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "SERVICE_UNAVAILABLE"
    default_detail = _("Signing in is not possible right now. Try again later.")


class DatabaseUnavailable(exceptions.APIException):
    """The database failed mid-request (connection lost, server gone): nothing was changed."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "SERVICE_UNAVAILABLE"
    default_detail = _("The service is unavailable right now. Try again later.")


class RequestTooLarge(exceptions.APIException):
    """The body, or its number of fields or files, is over Django's ``DATA_UPLOAD_*`` limits."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "REQUEST_TOO_LARGE"
    default_detail = _("The request is too large.")


class BadRequest(exceptions.APIException):
    """Django refused the request as suspicious (a host it does not serve, say)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "BAD_REQUEST"
    default_detail = _("The request could not be understood.")


class InvalidEmailFormat(exceptions.APIException):
    """``GENERATE_EMAIL`` returned an invalid address: the project's bug, hence a 500."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "INVALID_EMAIL_FORMAT"
    default_detail = _("The generated email address is not valid.")


class FailedToCreateUser(exceptions.APIException):
    """``GENERATE_EMAIL`` returned a taken address: the project's bug, hence a 500."""

    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_code = "FAILED_TO_CREATE_USER"
    default_detail = _("Failed to create the user.")


#: DRF's own codes whose name in this API differs (better-auth's names); the others
#: are DRF's code in upper case (``method_not_allowed`` -> ``METHOD_NOT_ALLOWED``).
RENAMED_CODES = {
    "not_authenticated": "UNAUTHORIZED",
    "authentication_failed": "UNAUTHORIZED",
    "parse_error": "VALIDATION_ERROR",
    "permission_denied": "FORBIDDEN",
    "throttled": "TOO_MANY_REQUESTS",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering ``{code, message[, errors]}``.

    DRF's handler does the work: status, ``Retry-After``, ``WWW-Authenticate``,
    ``Http404`` and Django's ``PermissionDenied``, and the rollback of
    ``ATOMIC_REQUESTS``. Our views use it whatever ``REST_FRAMEWORK`` says; a project
    sets it as ``EXCEPTION_HANDLER`` for the same answers from its own views.
    Unexpected exceptions return ``None`` and go to Django's 500 handling.
    """
    # Imported here: rest_framework.views reads REST_FRAMEWORK when it is imported, and
    # a project whose DEFAULT_AUTHENTICATION_CLASSES name ours would import this module
    # again, half-loaded, through ours.
    from rest_framework.views import exception_handler as drf_exception_handler

    exc = as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {
            "code": "VALIDATION_ERROR",
            "message": str(_("Invalid input.")),
            "errors": errors,
        }
        return response
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    code = str(getattr(detail, "code", None) or "error")
    response.data = {"code": RENAMED_CODES.get(code, code.upper()), "message": str(detail)}
    return response


def as_api_exception(exc: Exception) -> Exception:
    """Django's own refusals of a request, and a lost database, as our errors.

    Django would answer them in HTML. A lost database is logged here with its
    traceback, as Django logs a server error: the answer alone would hide it.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("The database failed during a request: %s", exc, exc_info=exc)
        return DatabaseUnavailable()
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return RequestTooLarge()
    if isinstance(exc, MultiPartParserError | SuspiciousMultipartForm):
        return exceptions.ParseError(_("The request body is malformed."))
    if isinstance(exc, SuspiciousOperation):
        return BadRequest()
    return exc

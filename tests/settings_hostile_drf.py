"""The test settings plus global DRF settings that would break a naive app.

DRF copies its defaults onto ``APIView`` when ``rest_framework.views`` is imported,
so these must be in place at start-up: ``make test`` runs the API tests once more with
``--ds tests.settings_hostile_drf``. Our views must answer exactly as with DRF's defaults.
"""

from .settings import *  # noqa: F403

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.FormParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tests.testapp.drf.RefusingContentNegotiation",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.AcceptHeaderVersioning",
    "ALLOWED_VERSIONS": ["1.0"],
    "EXCEPTION_HANDLER": "tests.testapp.drf.hostile_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "1/day"},
    "UNAUTHENTICATED_USER": None,
}

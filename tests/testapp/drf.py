"""A global DRF exception handler a project might have; our API must not use it."""

from rest_framework.response import Response


def hostile_exception_handler(exc, context):
    return Response({"detail": "handled by the project"}, status=418)

"""Global DRF pieces a project might have; the API of this app must not use them."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response


def hostile_exception_handler(exc, context):
    return Response({"detail": "handled by the project"}, status=418)


class RefusingContentNegotiation(BaseContentNegotiation):
    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        raise NotAcceptable("the project's negotiation refuses everything")

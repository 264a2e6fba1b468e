"""``GET/POST /api/notes/``: the signed-in user's notes, guest or not."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import generics
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from django_anonymous_auth.authentication import (
    BearerSessionAuthentication,
    CsrfSessionAuthentication,
)
from django_anonymous_auth.exceptions import exception_handler

from .models import Note
from .serializers import NoteSerializer


class NoteListView(generics.ListCreateAPIView):
    """List and add notes of ``request.user``, by session cookie or bearer token.

    The same authentication as the auth API, and its error handler, so the page
    shows every error of this endpoint the way it shows the auth API's.
    """

    authentication_classes = [BearerSessionAuthentication, CsrfSessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    serializer_class = NoteSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Note]:
        return Note.objects.filter(owner=self.request.user)

    def perform_create(self, serializer: NoteSerializer) -> None:
        serializer.save(owner=self.request.user)

    def get_exception_handler(self) -> Any:
        return exception_handler

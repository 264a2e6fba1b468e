"""A credentials-only backend, like django-axes', that projects put first."""

from __future__ import annotations

from typing import Any


class CredentialsOnlyBackend:
    """Checks credentials (here: never matches) and cannot load a user by id."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

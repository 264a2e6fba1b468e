"""The authentication backend that logs anonymous users in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils.module_loading import import_string


def login_backend() -> str | None:
    """The backend that logs anonymous users in: the first ``ModelBackend`` configured.

    Django keeps it in the session and asks it for the user on every later request,
    so it must load users by id, as ``ModelBackend`` and its subclasses (allauth's
    among them) do. Credential-only backends, such as django-axes', often come first.
    ``None`` when there is none, which system check E008 reports.
    """
    for path in settings.AUTHENTICATION_BACKENDS:
        try:
            backend = import_string(path)
        except ImportError:
            continue  # fails where Django itself loads the backends
        if isinstance(backend, type) and issubclass(backend, ModelBackend):
            return path
    return None

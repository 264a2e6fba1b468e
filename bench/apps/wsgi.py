"""WSGI entry point of both bench servers; ``DJANGO_SETTINGS_MODULE`` picks which."""

from __future__ import annotations

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

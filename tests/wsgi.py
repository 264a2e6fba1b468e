"""WSGI entry of the test settings, for tests that need a real multi-process server."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

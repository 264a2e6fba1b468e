from __future__ import annotations

from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnonymousAuthConfig(AppConfig):
    name = "django_anonymous_auth"
    verbose_name = _("Anonymous authentication")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers the system checks)
        from .services.merge import merge_on_login
        from .sessions import take_over_update_last_login

        user_logged_in.connect(merge_on_login, dispatch_uid="django_anonymous_auth.merge")
        take_over_update_last_login()
        if find_spec("drf_spectacular") is not None:
            from . import openapi  # noqa: F401  (registers the OpenAPI schema extensions)

from django.urls import include, path

from .urls import urlpatterns as base_urlpatterns

urlpatterns = [
    *[pattern for pattern in base_urlpatterns if str(pattern.pattern) != "accounts/login/"],
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
]

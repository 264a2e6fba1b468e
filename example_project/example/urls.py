from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from notes.views import NoteListView

urlpatterns = [
    # First: Django tries the patterns in order, and get-session comes with every page.
    path("api/auth/", include("django_anonymous_auth.urls")),
    # The page's JavaScript sends the csrftoken cookie back as X-CSRFToken, so the
    # page must set it even for a visitor who has never posted a form.
    path(
        "",
        ensure_csrf_cookie(
            TemplateView.as_view(
                template_name="index.html", extra_context={"allauth": settings.ALLAUTH}
            )
        ),
        name="index",
    ),
    path("admin/", admin.site.urls),
    path("api/notes/", NoteListView.as_view(), name="notes"),
    # The OpenAPI schema of the API (the [openapi] extra), and a Swagger UI page for it.
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/swagger/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger"),
]

if settings.ALLAUTH:
    urlpatterns += [
        path("accounts/", include("allauth.urls")),  # allauth's own pages
        path("_allauth/", include("allauth.headless.urls")),  # its API for SPAs and apps
    ]

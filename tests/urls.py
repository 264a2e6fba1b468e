from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from .testapp import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_anonymous_auth.urls")),
    path("accounts/login/", LoginView.as_view(template_name="admin/login.html")),
    path("login-directly/<int:pk>/", views.login_directly),
    path("whoami/", views.whoami),
]

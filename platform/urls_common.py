from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from nuandong.health import healthz


def common_urls(urlconf: str) -> list:
    return [
        path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("healthz", healthz, name="healthz"),
        path("i18n/", include("django.conf.urls.i18n")),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    ]

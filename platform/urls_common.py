from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.ui.places import PlaceAwareLoginView
from nuandong.health import healthz
from tenants import views as tenant_views


def common_urls(urlconf: str) -> list:
    return [
        path("accounts/login/", PlaceAwareLoginView.as_view(), name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("accounts/go/<slug:target>/", tenant_views.site_go, name="site_go"),
        path("accounts/handoff/", tenant_views.site_handoff, name="site_handoff"),
        path("healthz", healthz, name="healthz"),
        path("i18n/", include("django.conf.urls.i18n")),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    ]

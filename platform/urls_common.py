from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.ui.places import PlaceAwareLoginView
from nuandong.health import healthz
from tenants import views as tenant_views
from tenants.lockouts import login_lockouts


def common_urls(urlconf: str) -> list:
    return [
        path("accounts/login/", PlaceAwareLoginView.as_view(), name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("accounts/go/<slug:target>/", tenant_views.site_go, name="site_go"),
        path("accounts/handoff/", tenant_views.site_handoff, name="site_handoff"),
        path("accounts/lockouts/", login_lockouts, name="login_lockouts"),
        path("healthz", healthz, name="healthz"),
        path("i18n/", include("django.conf.urls.i18n")),
        path("api/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        # Split view: Swagger UI's start script is a file of its own (CSP allows no inline script);
        # its page keeps one inline <style>.
        path(
            "api/docs/",
            csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
            name="api-docs",
        ),
    ]

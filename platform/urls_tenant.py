"""URLs of a street office's site (its own schema)."""

from django.urls import include, path

from api.urls import common_patterns, street_patterns
from core.ui import views as ui_views
from nuandong.urls_common import common_urls

urlpatterns = [
    path("", ui_views.street_home, name="home"),
    path("org/", include("core.org.urls")),
    path("households/", include("core.registry.urls")),
    path("", include("core.inspections.urls")),
    path("api/v1/", include(common_patterns + street_patterns)),
    *common_urls("nuandong.urls_tenant"),
]

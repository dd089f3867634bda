"""URLs of a street office's site (its own schema)."""

from django.urls import include, path

from api.open311 import urlpatterns as open311_patterns
from api.urls import common_patterns, street_patterns
from core.campaigns.urls import street_urlpatterns as campaign_urls
from core.deadlines import views as deadline_views
from core.org.hotline import street_urlpatterns as hotline_urls
from district import access as district_access
from home import views as home_views
from nuandong.urls_common import common_urls

urlpatterns = [
    path("", home_views.street_home, name="home"),
    path("org/", include("core.org.urls")),
    path("households/", include("core.registry.urls")),
    path("", include("core.inspections.urls")),
    path("requests/", include("core.requests.urls")),
    path("district-access/", district_access.district_access, name="district_access"),
    path("district-access/log/", district_access.district_access_log, name="district_access_log"),
    path("rectifications/", include("core.rectification.urls")),
    path("reports/", include("reports.urls")),
    path("relief/", include("core.relief.urls")),
    path("deadlines/", deadline_views.my_deadlines_page, name="my_deadlines"),
    path("notifications/", include("core.notifications.urls")),
    path("integrations/", include("core.integrations.urls")),
    *campaign_urls,
    *hotline_urls,  # the public /hotline/ page (no login)
    path("api/v1/", include(common_patterns + street_patterns)),
    path("open311/v2/", include(open311_patterns)),  # Open311 GeoReport v2 (api/open311.py)
    *common_urls("nuandong.urls_tenant"),
]

# 404 in the API's shape (request_guard); 500 too, and a database outage as 503 (nuandong/outage.py).
handler404 = "nuandong.request_guard.not_found"
handler500 = "nuandong.outage.server_error"

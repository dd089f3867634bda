"""URLs of the district site (public schema)."""

from django.urls import include, path

from api.urls import common_patterns, district_patterns
from core.campaigns.urls import district_urlpatterns as campaign_urls
from core.org.hotline import district_urlpatterns as hotline_urls
from district import views as district_views
from nuandong.urls_common import common_urls

urlpatterns = [
    path("", district_views.district_home, name="home"),
    path("streets/new/", district_views.street_office_new, name="street_office_new"),
    path("id-duplicates/", district_views.id_duplicates, name="id_duplicates"),
    path("overdue/", district_views.district_overdue, name="district_overdue"),
    path("streets/<slug:slug>/", district_views.district_street, name="district_street"),
    path("notifications/", include("core.notifications.urls")),
    path("integrations/", include("core.integrations.urls")),
    path("reports/", include("reports.urls_district")),
    *campaign_urls,
    *hotline_urls,  # public (no login)
    path("api/v1/", include(common_patterns + district_patterns)),
    *common_urls("nuandong.urls_public"),
]

# 404 in the API's shape (request_guard); 500 too, and a database outage as 503 (nuandong/outage.py).
handler404 = "nuandong.request_guard.not_found"
handler500 = "nuandong.outage.server_error"

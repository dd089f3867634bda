"""URLs of the district site (public schema)."""

from django.urls import include, path

from api.urls import common_patterns, district_patterns
from nuandong.urls_common import common_urls
from tenants import views as tenant_views
from tenants.campaigns.urls import district_urlpatterns as campaign_urls

urlpatterns = [
    path("", tenant_views.district_home, name="home"),
    path("streets/new/", tenant_views.street_office_new, name="street_office_new"),
    path("id-duplicates/", tenant_views.id_duplicates, name="id_duplicates"),
    path("notifications/", include("core.notifications.urls")),
    *campaign_urls,  # includes the public /hotline/ pages
    path("api/v1/", include(common_patterns + district_patterns)),
    *common_urls("nuandong.urls_public"),
]

# API errors in the API shape, a database outage as 503 (nuandong/outage.py).
handler500 = "nuandong.outage.server_error"

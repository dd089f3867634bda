"""API routes. ``common`` on every domain; ``street`` on street domains; ``district`` on the district domain.

Domain apps add their routes to ``street_patterns`` / ``district_patterns``.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from api import campaigns, deadlines, notifications
from api import relief as relief_api
from api.auth import TokenObtainApi
from api.inspections import CoverageApi, DistrictIdDuplicatesApi, NeedViewSet, ProblemViewSet, VisitViewSet
from api.me import MeApi
from api.rectifications import RectificationViewSet
from api.registry import BuildingViewSet, CommunityViewSet, GridViewSet, HouseholdViewSet, PersonViewSet
from api.requests import RequestViewSet

common_patterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("me/", MeApi.as_view(), name="api-me"),
    path("notifications/", notifications.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read/", notifications.NotificationReadApi.as_view(), name="api-notifications-read"),
]

_street_router = SimpleRouter()
for prefix, viewset in [
    ("communities", CommunityViewSet),
    ("grids", GridViewSet),
    ("buildings", BuildingViewSet),
    ("households", HouseholdViewSet),
    ("persons", PersonViewSet),
    ("visits", VisitViewSet),
    ("needs", NeedViewSet),
    ("problems", ProblemViewSet),
]:
    _street_router.register(prefix, viewset, basename=prefix.rstrip("s"))
_street_router.register("requests", RequestViewSet, basename="api-requests")
_street_router.register("rectifications", RectificationViewSet, basename="api-rectifications")
_relief_paths = relief_api.register(_street_router)

street_patterns: list = [
    *_street_router.urls,
    *_relief_paths,
    path("coverage/", CoverageApi.as_view(), name="api-coverage"),
    path("deadlines/", deadlines.DeadlineListApi.as_view(), name="api-deadlines"),
    path("deadlines/on-time/", deadlines.OnTimeRateApi.as_view(), name="api-deadlines-on-time"),
    path("campaign/", campaigns.StreetCampaignApi.as_view(), name="api-street-campaign"),
    path("campaign/checks/<int:pk>/done/", campaigns.CheckDoneApi.as_view(), name="api-campaign-check-done"),
]
district_patterns: list = [
    path("id-duplicates/", DistrictIdDuplicatesApi.as_view(), name="api-id-duplicates"),
    path("campaigns/", campaigns.CampaignApi.as_view(), name="api-campaigns"),
    path("campaigns/phases/<int:pk>/", campaigns.PhaseApi.as_view(), name="api-campaign-phase"),
    path(
        "campaigns/deliverables/<int:pk>/",
        campaigns.DeliverableApi.as_view(),
        name="api-campaign-deliverable",
    ),
    path("campaigns/calendar/", campaigns.CalendarApi.as_view(), name="api-campaign-calendar"),
    path("campaigns/progress/", campaigns.ProgressApi.as_view(), name="api-campaign-progress"),
    path("relief-policy/", relief_api.ReliefPolicyApi.as_view(), name="api-relief-policy"),
]

"""API routes. ``common`` on every domain; ``street`` on street domains; ``district`` on the district domain.

Domain apps add their routes to ``street_patterns`` / ``district_patterns``.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from api import campaigns, deadlines, district, integrations, notifications, reports
from api import relief as relief_api
from api.auth import TokenObtainApi
from api.inspections import CoverageApi, DistrictIdDuplicatesApi, NeedViewSet, ProblemViewSet, VisitViewSet
from api.me import MeApi
from api.rectifications import RectificationViewSet
from api.registry import BuildingViewSet, CommunityViewSet, GridViewSet, HouseholdViewSet, PersonViewSet
from api.requests import RequestViewSet

_common_router = SimpleRouter()
integrations.register(_common_router)

common_patterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    *_common_router.urls,
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
    path("district-access/", district.DistrictAccessApi.as_view(), name="api-district-access"),
    path("deadlines/", deadlines.DeadlineListApi.as_view(), name="api-deadlines"),
    path("deadlines/on-time/", deadlines.OnTimeRateApi.as_view(), name="api-deadlines-on-time"),
    path("campaign/", campaigns.StreetCampaignApi.as_view(), name="api-street-campaign"),
    path("campaign/checks/<int:pk>/done/", campaigns.CheckDoneApi.as_view(), name="api-campaign-check-done"),
    *[path(f"reports/{p}", v.as_view(), name=n) for p, v, n in [
        ("", reports.ReportRunListApi, "api-reports"),
        ("<int:pk>/", reports.ReportRunApi, "api-report"),
        ("<int:pk>/download/", reports.ReportRunDownloadApi, "api-report-download"),
        ("monthly/<str:period>/", reports.MonthlyNarrativeApi, "api-report-monthly"),
    ]],
    path("submissions/", reports.SubmissionListApi.as_view(), name="api-submissions"),
    path("submissions/<int:pk>/", reports.SubmissionApi.as_view(), name="api-submission"),
    path("submissions/<int:pk>/<str:step>/", reports.SubmissionStepApi.as_view(), name="api-submission-step"),
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
    path("reports/", reports.ReportRunListApi.as_view(), name="api-reports"),
    path("reports/<int:pk>/", reports.ReportRunApi.as_view(), name="api-report"),
    path("reports/<int:pk>/download/", reports.ReportRunDownloadApi.as_view(), name="api-report-download"),
    path("submissions/", reports.SubmissionListApi.as_view(), name="api-submissions"),
    path("submissions/<slug:slug>/<int:pk>/<str:step>/", reports.DistrictSubmissionStepApi.as_view(),
         name="api-district-submission-step"),
    path("relief-policy/", relief_api.ReliefPolicyApi.as_view(), name="api-relief-policy"),
    path("district/summary/", district.DistrictSummaryApi.as_view(), name="api-district-summary"),
    path("district/streets/", district.DistrictStreetsApi.as_view(), name="api-district-streets"),
    path("district/streets/<slug:slug>/communities/", district.DistrictCommunitiesApi.as_view(),
         name="api-district-communities"),
    path("district/series/", district.DistrictSeriesApi.as_view(), name="api-district-series"),
    path("district/duplicates/", district.DistrictDuplicatesApi.as_view(), name="api-district-duplicates"),
    path("district/overdue/", district.DistrictOverdueApi.as_view(), name="api-district-overdue"),
]

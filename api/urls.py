"""API routes. ``common`` on every domain; ``street`` on street domains; ``district`` on the district domain.

Domain apps add their routes to ``street_patterns`` / ``district_patterns``.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from api.auth import TokenObtainApi
from api.inspections import CoverageApi, DistrictIdDuplicatesApi, NeedViewSet, ProblemViewSet, VisitViewSet
from api.me import MeApi
from api.registry import BuildingViewSet, CommunityViewSet, GridViewSet, HouseholdViewSet, PersonViewSet

common_patterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("me/", MeApi.as_view(), name="api-me"),
]
_street_router = SimpleRouter()
for prefix, viewset in [("communities", CommunityViewSet), ("grids", GridViewSet), ("buildings", BuildingViewSet),
                        ("households", HouseholdViewSet), ("persons", PersonViewSet), ("visits", VisitViewSet),
                        ("needs", NeedViewSet), ("problems", ProblemViewSet)]:
    _street_router.register(prefix, viewset, basename=prefix.rstrip("s"))
street_patterns: list = [
    *_street_router.urls,
    path("coverage/", CoverageApi.as_view(), name="api-coverage"),
]
district_patterns: list = [
    path("id-duplicates/", DistrictIdDuplicatesApi.as_view(), name="api-id-duplicates"),
]

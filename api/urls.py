"""API routes. ``common`` on every domain; ``street`` on street domains; ``district`` on the district domain.

Domain apps add their routes to ``street_patterns`` / ``district_patterns``.
"""

from __future__ import annotations

from django.urls import path

from api.auth import TokenObtainApi
from api.me import MeApi

common_patterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("me/", MeApi.as_view(), name="api-me"),
]
street_patterns: list = []
district_patterns: list = []

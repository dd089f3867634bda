"""Every URL of both URL configurations, with sample values for their parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLES = {"int": "1", "slug": "x", "str": "x", "uuid": "00000000-0000-0000-0000-000000000001", "path": "x",
           "fmt": "json"}

# Paths anyone may open without an account or a membership: sign-in, health, API docs, the
# public hotline pages. Everything else must refuse a stranger. Keep this list short.
OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/handoff/",
    "/healthz",
    "/i18n/",
    "/api/schema/",
    "/api/docs/",
    "/api/v1/auth/token/",
    "/hotline/",
    "/static/",
)


@dataclass(frozen=True)
class SampleUrl:
    path: str
    name: str

    @property
    def is_api(self) -> bool:
        return self.path.startswith(("/api/", "/open311/"))

    @property
    def is_open311(self) -> bool:
        """Open311 GeoReport (api/open311.py): an API whose errors are ``[{"code", "description"}]``."""
        return self.path.startswith("/open311/")

    @property
    def is_open(self) -> bool:
        return self.path.startswith(OPEN_PREFIXES)

    @property
    def has_params(self) -> bool:
        return "/1/" in self.path or "/x/" in self.path or "0000-" in self.path or "/x." in self.path


def _route_to_path(pattern, samples: dict) -> str | None:
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples.get(m.group(1) or "str", "x"), route)
    if isinstance(pattern, RegexPattern):
        regex = pattern._regex
        if "format" in regex:  # DRF format-suffix duplicates of the same views
            return None
        text = re.sub(r"\(\?P<\w+>[^)]*\)", samples["int"], regex).lstrip("^").rstrip("$")
        text = text.replace("\\.", ".")
        if re.search(r"[()\[\]?*+\\]", text):
            return None
        return text
    return None


def all_urls(urlconf: str, *, ids: str = "1") -> list[SampleUrl]:
    """Every URL of ``urlconf``; each id parameter (``<int:...>`` or a regex group) set to ``ids``."""
    found: list[SampleUrl] = []
    samples = SAMPLES | {"int": ids}

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            piece = _route_to_path(entry.pattern, samples)
            if piece is None:
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + piece)
            elif isinstance(entry, URLPattern):
                found.append(SampleUrl(path="/" + prefix + piece, name=entry.name or ""))

    walk(get_resolver(urlconf).url_patterns, "")
    unique = {u.path: u for u in found}
    return sorted(unique.values(), key=lambda u: u.path)


TENANT_URLS = all_urls("nuandong.urls_tenant")
PUBLIC_URLS = all_urls("nuandong.urls_public")

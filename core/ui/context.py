from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from core.ui.navigation import DISTRICT, NAV, STREET
from tenants.models import PUBLIC_SCHEMA


def navigation(request) -> dict:
    member = getattr(request, "member", None)
    tenant = getattr(request, "tenant", None)
    site = DISTRICT if tenant is None or tenant.schema_name == PUBLIC_SCHEMA else STREET
    items = []
    if member is not None:
        urlconf = getattr(request, "urlconf", None)
        for label, url_name, action, item_site in NAV:
            if item_site != site or not member.can(action):
                continue
            try:
                url = reverse(url_name, urlconf=urlconf)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url, "active": request.path == url})
    return {"nav_items": items, "site_kind": site, "current_tenant": tenant if site == STREET else None}

"""Hotline pages: each street office's public list of community civil-affairs hotlines (no login), the
district's list of street offices linking to them (no login), and the page where street staff keep the
list current."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from core.campaigns.services import sla_for_street
from core.org.models import Community
from core.org.scope import communities_in_reach
from core.org.services_hotline import community_hotline_set
from core.ui.decorators import member_required
from core.ui.errors import error_text
from tenants.models import PUBLIC_SCHEMA, District
from tenants.selectors import street_office_url, street_offices_of


def street_hotline(request):
    """Each community's civil-affairs hotline and its hours, for residents. Intentionally public."""
    office = request.tenant
    communities = Community.objects.filter(is_active=True).exclude(hotline="")
    sla = sla_for_street(office) if office.district_id else None
    return render(
        request, "org/hotline_street.html", {"office": office, "communities": communities, "sla": sla}
    )


def district_hotline(request, code: str | None = None):
    """The district's street offices, each linking to its hotline page. Intentionally public."""
    districts = District.objects.all()
    if code:
        districts = districts.filter(code=code)
        if not districts.exists():
            raise Http404
    rows = []
    for district in districts:
        offices = [
            {"office": o, "url": street_office_url(o, request) + "hotline/"}
            for o in street_offices_of(district=district).exclude(schema_name=PUBLIC_SCHEMA)
        ]
        rows.append({"district": district, "offices": offices})
    return render(request, "org/hotline_district.html", {"rows": rows})



@member_required("hotline.edit")
def hotline_edit(request):
    """Street staff (and community directors for their own community) keep the public hotline list current."""
    communities = list(communities_in_reach(request.member))
    if request.method == "POST":
        errors = []
        for community in communities:
            number = request.POST.get(f"hotline-{community.pk}", "").strip()
            hours = request.POST.get(f"hours-{community.pk}", "").strip()
            if (number, hours) == (community.hotline, community.hotline_hours):
                continue
            try:
                community_hotline_set(community=community, hotline=number, hours=hours, actor=request.member)
            except ValidationError as exc:
                errors.append(f"{community.name}：{error_text(exc)}")
        if errors:
            for error in errors:
                messages.error(request, error)
        else:
            messages.success(request, "已保存热线信息")
            return redirect("hotline_edit")
    return render(request, "org/hotline_edit.html", {"communities": communities})


district_urlpatterns = [
    path("hotline/", district_hotline, name="hotline"),
    path("hotline/<str:code>/", district_hotline, name="hotline_district"),
]
street_urlpatterns = [
    path("hotline/", street_hotline, name="hotline"),
    path("hotline-edit/", hotline_edit, name="hotline_edit"),
]

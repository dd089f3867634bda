"""District-site pages: the district home, opening a street office, duplicate IDs across street offices.

A composer: reads tenancy (tenants) and the registry's district-wide duplicate check; owns no tables.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.registry.selectors import district_duplicates
from core.ui.decorators import member_required
from district.forms import StreetOfficeForm
from tenants.members import memberships_of
from tenants.services import street_office_create


@login_required
def district_home(request):
    member = request.member
    if member is None:
        # Street-level users signed in on the district site: show where they work.
        places = [
            {"membership": m, "url": reverse("site_go", args=[m.street_office.slug])}
            for m in memberships_of(request.user)
            if m.street_office_id
        ]
        return render(request, "district/my_places.html", {"places": places})
    if not member.can("district.view"):
        raise PermissionDenied
    from district.figures import SORTABLE, district_figures

    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in SORTABLE:
        sort = "name"
    rows, total = district_figures(member=member, sort=sort)
    for row in rows:
        row.url = reverse("site_go", args=[row.slug])
    return render(request, "district/district_home.html", {
        "rows": rows, "total": total, "district": member.district, "sort": sort, "refreshed_at": timezone.now(),
        "has_offices": bool(rows),
    })


@member_required("district.manage_streets")
def street_office_new(request):
    form = StreetOfficeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            office = street_office_create(district=request.member.district, actor=request.member, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"已开设 {office.name}")
            return redirect("home")
    return render(request, "district/street_office_new.html", {"form": form})


@member_required("district.view")
def id_duplicates(request):
    """The same resident ID registered by two street offices of the district (keyed hash only)."""
    groups = district_duplicates(district_id=request.member.district.pk)
    _describe_claims(groups)
    return render(request, "district/id_duplicates.html", {"groups": groups, "district": request.member.district})


def mask_name(name: str) -> str:
    """张桂兰 -> 张*兰, 王芳 -> 王*: enough for the streets concerned to find the record, no more."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * max(1, len(name) - 2) + (name[-1] if len(name) > 2 else "")


def _describe_claims(groups: list[dict]) -> None:
    """Give each claim what the district may see of the street's record (issue 12 §11): the masked
    name, community and grid, the date registered — read in each street's schema, one query each."""
    from django_tenants.utils import schema_context

    from core.registry.models import Person
    from tenants.models import StreetOffice

    by_office: dict[int, list[dict]] = {}
    for group in groups:
        for claim in group["claims"]:
            by_office.setdefault(claim["street_office_id"], []).append(claim)
    for office in StreetOffice.objects.filter(pk__in=by_office):
        claims = by_office[office.pk]
        with schema_context(office.schema_name):
            rows = {
                p["pk"]: p
                for p in Person.objects.filter(pk__in=[c["person_id"] for c in claims]).values(
                    "pk", "name", "created_at", "household__community__name", "household__grid__name"
                )
            }
        for claim in claims:
            row = rows.get(claim["person_id"])
            claim["person"] = row and {
                "name": mask_name(row["name"]),
                "place": f"{row['household__community__name']} · {row['household__grid__name']}",
                "registered": row["created_at"],
            }


@member_required("district.view")
def district_overdue(request):
    """Everything overdue in the district's street offices, grouped by street (the district's digest
    notifications link here)."""
    from district.figures import overdue_across_streets

    groups = overdue_across_streets(member=request.member, kind=request.GET.get("kind", ""))
    return render(request, "district/overdue.html", {
        "groups": groups, "total": sum(len(g.items) for g in groups), "district": request.member.district,
        "now": timezone.now(),
    })

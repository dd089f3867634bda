"""District-site pages: the district home, opening a street office, duplicate IDs across street offices.

A composer: reads tenancy (tenants) and the registry's district-wide duplicate check; owns no tables.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.registry.selectors import district_duplicates
from core.ui.decorators import member_required
from district.forms import StreetOfficeForm
from tenants.members import memberships_of
from tenants.services import street_office_create

RANKING_COLUMNS = [  # (sort key or "", Chinese label)
    ("name", _("街道")), ("coverage", _("覆盖率")), ("phase_coverage", _("阶段内覆盖")), ("overdue", _("超时未办")),
    ("on_time", _("诉求按时率")), ("needs_open", _("需求 待解决/已解决")), ("problems_open", _("问题 待解决/已解决")),
    ("relapsed", _("整改 在办/超时/反弹")), ("relief", _("救助 件/批准金额")), ("patrol", _("巡查完成率")),
    ("", _("报表 按时/迟报/未报")), ("tasks", _("阶段任务")), ("", _("更新于")),
]


def ranking_columns(sort: str) -> list[dict]:
    """Header cells of the ranking table: the link that sorts by each column, and ``aria-sort``."""
    from district.figures import WORST_FIRST

    key = sort.lstrip("-")
    descending = (key in WORST_FIRST) != sort.startswith("-")
    columns = []
    for code, label in RANKING_COLUMNS:
        active = bool(code) and code == key
        columns.append({
            "key": code, "label": label, "active": active,
            "aria": "descending" if descending else "ascending",
            "next": (code if sort.startswith("-") else f"-{code}") if active else code,
        })
    return columns


def chart_series(offices) -> dict:
    """The dashboard's charts: per street and day (last 60 days), coverage % and overdue items."""
    from core.rollup.selectors import district_series

    since = timezone.localdate() - dt.timedelta(days=60)
    series = district_series(offices=offices, metrics=["households_visited", "households_registered",
                                                       "clocks_overdue"], since=since)
    out = {"days": [d.isoformat() for d in series.days], "streets": []}
    for office_id, _slug, name in series.streets:
        visited = series.values["households_visited"][office_id]
        registered = series.values["households_registered"][office_id]
        out["streets"].append({
            "name": name,
            "coverage": [round(float(100 * v / r), 1) if v is not None and r else None
                         for v, r in zip(visited, registered, strict=True)],
            "overdue": [int(v) if v is not None else None for v in series.values["clocks_overdue"][office_id]],
        })
    return out


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
    from district.figures import clean_sort, district_figures
    from tenants.selectors import street_offices_of

    sort = clean_sort(request.GET.get("sort", "name"))
    rows, total = district_figures(member=member, sort=sort)
    for row in rows:
        row.url = reverse("district_street", args=[row.slug])
    return render(request, "district/district_home.html", {
        "rows": rows, "total": total, "district": member.district, "sort": sort,
        "columns": ranking_columns(sort), "has_offices": bool(rows),
        "series": chart_series(street_offices_of(district=member.district)) if rows else {},
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
    describe_claims(groups)
    return render(request, "district/id_duplicates.html", {"groups": groups, "district": request.member.district})


def mask_name(name: str) -> str:
    """张桂兰 -> 张*兰, 王芳 -> 王*: enough for the streets concerned to find the record, no more."""
    if len(name) <= 1:
        return name
    return name[0] + "*" * max(1, len(name) - 2) + (name[-1] if len(name) > 2 else "")


def describe_claims(groups: list[dict]) -> None:
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


def office_of_district(member, slug: str):
    """The member's district's street office by slug; 404 for another district's or an unknown one."""
    from django.http import Http404

    from tenants.selectors import street_offices_of

    office = street_offices_of(district=member.district).filter(slug=slug).first()
    if office is None:
        raise Http404("没有这个街道 / no such street office in your district")
    return office


@member_required("district.view")
def district_street(request, slug: str):
    """One street office: its communities' figures (from the rollup) and the way into its lists."""
    from core.rollup.selectors import community_figures, street_figures

    office = office_of_district(request.member, slug)
    communities = community_figures(office=office)
    street = street_figures(offices=[office])[0]
    from tenants.access import GRANT_MINUTES

    return render(request, "district/street.html", {
        "office": office, "street": street, "communities": communities, "district": request.member.district,
        "street_url": reverse("site_go", args=[office.slug]), "lists": STREET_LISTS, "minutes": GRANT_MINUTES,
    })


# The street's lists a district member may open from its page (read-only; person-level ones ask for
# a reason first, tenants.access).
STREET_LISTS = [
    {"label": _("诉求"), "path": "/requests/"},
    {"label": _("问题台账"), "path": "/problems/"},
    {"label": _("整改台账"), "path": "/rectifications/"},
    {"label": _("过冬需求台账"), "path": "/needs/"},
    {"label": _("户籍与人员"), "path": "/households/"},
    {"label": _("排查覆盖率"), "path": "/coverage/"},
]

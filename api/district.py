"""District site: ``/api/v1/district/summary/``, ``/api/v1/district/streets/`` (per-street figures,
``?sort=``) and ``/api/v1/district/overdue/`` (everything overdue across the district's streets)."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.base import TenantApi
from district.figures import SORTABLE, district_figures, overdue_across_streets

_FIGURE_FIELDS = {
    "slug": serializers.CharField(), "name": serializers.CharField(),
    **{f: serializers.IntegerField() for f in (
        "registered", "covered", "needs_open", "needs_met", "problems_open", "problems_resolved", "requests_open",
        "requests_total", "clocks_overdue", "on_time", "late", "rectifications_open", "rectifications_relapsed",
        "tasks_done", "tasks_due")},
    "coverage_rate": serializers.FloatField(allow_null=True),
    "on_time_rate": serializers.FloatField(allow_null=True),
    "needs_met_rate": serializers.FloatField(allow_null=True),
}
StreetFiguresOut = type("StreetFiguresOut", (serializers.Serializer,), dict(_FIGURE_FIELDS))


def _figures(row) -> dict:
    return asdict(row) | {"coverage_rate": row.coverage_rate, "on_time_rate": row.on_time_rate,
                          "needs_met_rate": row.needs_met_rate}


class DistrictSummaryApi(TenantApi):
    """The district's totals (live) and when they were computed."""

    required_action = "district.view"

    @extend_schema(responses=inline_serializer("DistrictSummary", {
        "district": serializers.CharField(), "computed_at": serializers.DateTimeField(), "total": StreetFiguresOut}))
    def get(self, request):
        _rows, total = district_figures(member=request.member)
        return Response({"district": request.member.district.name, "computed_at": timezone.now(), "total": _figures(total)})


class DistrictStreetsApi(TenantApi):
    """One row of figures per street office of the district, sorted by ``sort``."""

    required_action = "district.view"

    @extend_schema(parameters=[OpenApiParameter("sort", str, enum=sorted(SORTABLE) + [f"-{k}" for k in sorted(SORTABLE)])],
                   responses=StreetFiguresOut(many=True))
    def get(self, request):
        sort = request.query_params.get("sort", "name")
        if sort.lstrip("-") not in SORTABLE:
            sort = "name"
        rows, _total = district_figures(member=request.member, sort=sort)
        return Response([_figures(r) for r in rows])


class DistrictOverdueApi(TenantApi):
    """Everything overdue in the district's street offices, grouped by street (``?kind=`` filters)."""

    required_action = "district.view"

    @extend_schema(parameters=[OpenApiParameter("kind", str)], responses=inline_serializer("OverdueGroup", {
        "street": serializers.CharField(), "slug": serializers.CharField(),
        "items": inline_serializer("OverdueItem", {
            "kind": serializers.CharField(), "kind_label": serializers.CharField(), "title": serializers.CharField(),
            "rule": serializers.CharField(), "due_at": serializers.DateTimeField(),
            "overdue_hours": serializers.IntegerField(), "escalation": serializers.CharField(),
            "escalated_at": serializers.DateTimeField(allow_null=True)}, many=True)}, many=True))
    def get(self, request):
        groups = overdue_across_streets(member=request.member, kind=request.query_params.get("kind", "")[:32])
        return Response([
            {"street": g.street, "slug": g.slug,
             "items": [{k: v for k, v in asdict(i).items() if k not in ("street", "slug")} for i in g.items]}
            for g in groups
        ])

"""District site: ``/api/v1/district/summary/``, ``/api/v1/district/streets/`` (per-street figures,
``?sort=``), ``/api/v1/district/streets/{slug}/communities/``, ``/api/v1/district/series/`` (daily
figures for charts) and ``/api/v1/district/overdue/`` (everything overdue across the district's streets).

Figures come from the district rollup (``core.rollup``): each row carries ``refreshed_at`` (aware UTC,
null for a street office not rolled up yet); counts are integers, ``*_yuan`` decimal strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.base import TenantApi
from core.rollup.metrics import METRICS
from core.rollup.selectors import community_figures, district_series, street_figures
from district.figures import SORTABLE, clean_sort, district_figures, overdue_across_streets
from tenants.selectors import street_offices_of

RATES = ("coverage_rate", "phase_coverage_rate", "on_time_rate", "needs_met_rate", "patrol_rate", "tasks_rate")
_FIGURE_FIELDS = {
    "slug": serializers.CharField(), "name": serializers.CharField(),
    "refreshed_at": serializers.DateTimeField(allow_null=True),
    "figures": inline_serializer("RollupFigures", {
        code: serializers.DecimalField(max_digits=16, decimal_places=2) if m.unit == "元" else serializers.IntegerField()
        for code, m in METRICS.items()}),
    **{rate: serializers.FloatField(allow_null=True) for rate in RATES},
}
StreetFiguresOut = type("StreetFiguresOut", (serializers.Serializer,), dict(_FIGURE_FIELDS))


def _figures(row) -> dict:
    return {"slug": row.slug, "name": row.name, "refreshed_at": row.refreshed_at,
            "figures": {code: str(v) if METRICS[code].unit == "元" else v for code, v in row.n.items()},
            **{rate: getattr(row, rate) for rate in RATES}}


def _office(request, slug: str):
    office = street_offices_of(district=request.member.district).filter(slug=slug).first()
    if office is None:
        raise Http404
    return office


class DistrictSummaryApi(TenantApi):
    """The district's totals from the rollup and when the stalest street was refreshed."""

    required_action = "district.view"

    @extend_schema(responses=inline_serializer("DistrictSummary", {
        "district": serializers.CharField(), "refreshed_at": serializers.DateTimeField(allow_null=True),
        "total": StreetFiguresOut}))
    def get(self, request):
        _rows, total = district_figures(member=request.member)
        return Response({"district": request.member.district.name, "refreshed_at": total.refreshed_at,
                         "total": _figures(total)})


class DistrictStreetsApi(TenantApi):
    """One row of figures per street office of the district, sorted by ``sort`` (worst first by default)."""

    required_action = "district.view"

    @extend_schema(parameters=[OpenApiParameter("sort", str, enum=sorted(SORTABLE) + [f"-{k}" for k in sorted(SORTABLE)])],
                   responses=StreetFiguresOut(many=True))
    def get(self, request):
        sort = request.query_params.get("sort", "name")
        if clean_sort(sort) != sort:  # a typo is an error, not the default order
            raise ValidationError({"sort": [f"未知排序 / unknown sort; one of: {', '.join(sorted(SORTABLE))} (- for descending)"]})
        rows, _total = district_figures(member=request.member, sort=sort)
        return Response([_figures(r) for r in rows])


class DistrictCommunitiesApi(TenantApi):
    """One street office's figures per community (``slug`` ``""`` rows: the street as a whole)."""

    required_action = "district.view"

    @extend_schema(responses=inline_serializer("StreetCommunities", {
        "street": StreetFiguresOut(), "communities": StreetFiguresOut(many=True)}))
    def get(self, request, slug: str):
        office = _office(request, slug)
        street = street_figures(offices=[office])[0]
        communities = community_figures(office=office)
        return Response({"street": _figures(street),
                         "communities": [_figures(c) | {"slug": "", "community_id": c.key} for c in communities]})


class DistrictSeriesApi(TenantApi):
    """Daily figures per street office for charts: ``?metric=`` (repeatable, default coverage and
    overdue), ``?days=`` (1..366, default 60). Values are the sum over the street's communities; null
    on a day the street was not rolled up."""

    required_action = "district.view"

    @extend_schema(parameters=[OpenApiParameter("metric", str, many=True, enum=sorted(METRICS)),
                               OpenApiParameter("days", int)],
                   responses=inline_serializer("DistrictSeries", {
                       "days": serializers.ListField(child=serializers.DateField()),
                       "streets": inline_serializer("SeriesStreet", {
                           "slug": serializers.CharField(), "name": serializers.CharField(),
                           "values": serializers.DictField(child=serializers.ListField(
                               child=serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)))},
                           many=True)}))
    def get(self, request):
        from django.utils import timezone

        metrics = request.query_params.getlist("metric") or ["households_visited", "households_registered", "clocks_overdue"]
        unknown = sorted(set(metrics) - set(METRICS))
        if unknown:
            raise ValidationError({"metric": [f"未知指标 / unknown metric: {', '.join(unknown)[:200]}"]})
        try:
            days = int(request.query_params.get("days", "60"))
        except ValueError:
            days = 0
        if not 1 <= days <= 366:
            raise ValidationError({"days": ["天数应为 1 至 366 / days must be 1..366"]})
        series = district_series(offices=street_offices_of(district=request.member.district), metrics=metrics,
                                 since=timezone.localdate() - dt.timedelta(days=days - 1))
        return Response({"days": series.days, "streets": [
            {"slug": slug, "name": name, "values": {m: series.values[m][pk] for m in metrics}}
            for pk, slug, name in series.streets]})


class DistrictOverdueApi(TenantApi):
    """Everything overdue in the district's street offices, grouped by street (``?kind=`` filters)."""

    required_action = "district.view"

    @extend_schema(parameters=[OpenApiParameter("kind", str, description="a clock kind, e.g. respond, handle, feedback")], responses=inline_serializer("OverdueGroup", {
        "street": serializers.CharField(), "slug": serializers.CharField(),
        "items": inline_serializer("OverdueItem", {
            "kind": serializers.CharField(), "kind_label": serializers.CharField(), "title": serializers.CharField(),
            "rule": serializers.CharField(), "due_at": serializers.DateTimeField(),
            "overdue_hours": serializers.IntegerField(), "escalation": serializers.CharField(),
            "escalated_at": serializers.DateTimeField(allow_null=True)}, many=True)}, many=True))
    def get(self, request):
        from core.deadlines.subjects import KIND_LABELS

        kind = request.query_params.get("kind", "")
        if kind and kind not in KIND_LABELS:  # a typo must not read as "nothing overdue"
            raise ValidationError({"kind": [f"未知时限类型 / unknown clock kind; one of: {', '.join(sorted(KIND_LABELS))}"]})
        groups = overdue_across_streets(member=request.member, kind=kind)
        return Response([
            {"street": g.street, "slug": g.slug,
             "items": [{k: v for k, v in asdict(i).items() if k not in ("street", "slug")} for i in g.items]}
            for g in groups
        ])


class DistrictDuplicatesApi(TenantApi):
    """The same resident ID registered by two or more street offices of the district: per person, each
    street's record as the district may see it (masked name, community · grid, date registered) —
    never the number nor its hash."""

    required_action = "district.view"

    @extend_schema(responses=inline_serializer("DuplicateGroup", {
        "person": serializers.IntegerField(help_text="1, 2, ... within this answer"),
        "claims": inline_serializer("DuplicateClaim", {
            "street_office": serializers.CharField(),
            "name": serializers.CharField(allow_null=True), "place": serializers.CharField(allow_null=True),
            "registered": serializers.DateTimeField(allow_null=True)}, many=True)}, many=True))
    def get(self, request):
        from core.registry.selectors import district_duplicates
        from district.views import describe_claims

        groups = district_duplicates(district_id=request.member.district.pk)
        describe_claims(groups)
        return Response([
            {"person": n, "claims": [
                {"street_office": c["street_office"], "name": (c.get("person") or {}).get("name"),
                 "place": (c.get("person") or {}).get("place"), "registered": (c.get("person") or {}).get("registered")}
                for c in g["claims"]]}
            for n, g in enumerate(groups, start=1)
        ])


class DistrictAccessApi(TenantApi):
    """Inside a street office: a district member states a reason (``{"reason": "..."}``, at least 5
    characters) to read its person-level records read-only for 30 minutes (break-the-glass, ADR 0056),
    recorded in the district's and the street's audit trail. The same as the page ``/district-access/``."""

    required_action = "district.drill_down"

    @extend_schema(request=inline_serializer("DistrictAccessIn", {"reason": serializers.CharField()}),
                   responses={201: inline_serializer("DistrictAccessOut", {
                       "reason": serializers.CharField(), "expires_at": serializers.DateTimeField()})})
    def post(self, request):
        from django.core.exceptions import ValidationError as DjangoValidationError

        from tenants.access import street_access_open

        if not request.member.read_only:
            raise Http404
        try:
            grant = street_access_open(member=request.member, office=request.tenant,
                                       reason=str(request.data.get("reason", ""))[:1000])
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response({"reason": grant.reason, "expires_at": grant.expires_at}, status=201)

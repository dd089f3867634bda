"""/api/v1/deadlines/: my clocks, clocks in my reach, and on-time rates."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.base import TenantApi
from api.requests import ClockOut
from core.deadlines.selectors import CLOCK_STATE_FILTERS, clocks_for_member, on_time_rates
from core.deadlines.services import clock_state_at
from core.deadlines.subjects import subject_url


class DeadlineOut(ClockOut):
    title = serializers.CharField()
    subject_type = serializers.CharField()
    subject_id = serializers.IntegerField()
    state_now = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta(ClockOut.Meta):
        fields = ClockOut.Meta.fields + [
            "title",
            "subject_type",
            "subject_id",
            "state_now",
            "url",
            "community_id",
            "grid_id",
        ]

    def get_state_now(self, obj) -> str:
        return clock_state_at(obj, timezone.now())

    def get_url(self, obj) -> str:
        return subject_url(obj)


class DeadlineListApi(TenantApi):
    """Clocks I am responsible for (default), or every clock in my reach (``?scope=reach``)."""

    required_action = "deadline.view"

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", str, enum=["mine", "reach"], description="mine (default) or reach"),
            OpenApiParameter(
                "state",
                str,
                enum=list(CLOCK_STATE_FILTERS),
                description="open (default: on_track, due_soon, overdue), all (cancelled included), or one state",
            ),
            OpenApiParameter("kind", str),
        ],
        responses=DeadlineOut(many=True),
    )
    def get(self, request):
        scope = request.query_params.get("scope") or "mine"
        if scope not in ("mine", "reach"):
            from django.core.exceptions import ValidationError

            raise ValidationError({"scope": ["应为 mine 或 reach / mine or reach"]})
        qs = clocks_for_member(
            member=request.member, mine=scope == "mine", state=request.query_params.get("state") or "open"
        )
        if request.query_params.get("kind"):
            qs = qs.filter(kind=request.query_params["kind"])
        return Response(DeadlineOut(qs.order_by("due_at", "id")[:500], many=True).data)


class OnTimeRateApi(TenantApi):
    """On-time rate by grid, community or street; clocks open past their deadline count as late."""

    required_action = "deadline.view"

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=["grid", "community", "street"]),
            OpenApiParameter("kind", str, description="comma-separated clock kinds"),
        ],
        responses=inline_serializer(
            "OnTimeRate",
            {
                "key": serializers.IntegerField(allow_null=True),
                "on_time": serializers.IntegerField(),
                "late": serializers.IntegerField(),
                "open_not_due": serializers.IntegerField(),
                "rate": serializers.FloatField(allow_null=True),
            },
            many=True,
        ),
    )
    def get(self, request):
        by = request.query_params.get("by", "community")
        if by not in ("grid", "community", "street"):
            from django.core.exceptions import ValidationError

            raise ValidationError({"by": ["应为 grid、community 或 street / grid, community or street"]})
        kinds = [k for k in request.query_params.get("kind", "").split(",") if k] or None
        rows = on_time_rates(by=by, kinds=kinds, member=request.member)
        return Response(
            [
                {
                    "key": r.key,
                    "on_time": r.on_time,
                    "late": r.late,
                    "open_not_due": r.open_not_due,
                    "rate": r.rate,
                }
                for r in rows
            ]
        )

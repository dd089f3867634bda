"""Campaign API. District: /api/v1/campaigns/ (policy, phases, calendar, progress of every street).
Street: /api/v1/campaign/ (the policy in force here, the street's tasks, tightening the SLA)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from api.base import TenantApi
from core.campaigns import services
from core.campaigns.models import (
    SLA_KINDS,
    UNIT_CHOICES,
    CalendarDay,
    Campaign,
    Deliverable,
    DeliverableCheck,
    Phase,
)
from core.campaigns.selectors import district_progress, street_checks
from core.deadlines.durations import RULE_TEXT, Duration


class DeliverableOut(serializers.ModelSerializer):
    class Meta:
        model = Deliverable
        fields = ["id", "key", "name", "kind", "due_on", "monthly"]


class PhaseOut(serializers.ModelSerializer):
    deliverables = DeliverableOut(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "key", "name", "starts_on", "ends_on", "deliverables"]


class CampaignOut(serializers.ModelSerializer):
    phases = PhaseOut(many=True, read_only=True)
    rule = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "starts_on",
            "ends_on",
            "respond_amount",
            "respond_unit",
            "handle_amount",
            "handle_unit",
            "feedback_amount",
            "feedback_unit",
            "need_critical_amount",
            "need_critical_unit",
            "need_urgent_amount",
            "need_urgent_unit",
            "need_normal_amount",
            "need_normal_unit",
            "rectify_amount",
            "rectify_unit",
            "lookback_days",
            "phases",
            "rule",
        ]

    def get_rule(self, obj) -> str:
        return RULE_TEXT


class CampaignIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    lookback_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    for _kind in (*SLA_KINDS, "rectify"):
        locals()[f"{_kind}_amount"] = serializers.IntegerField(min_value=1, max_value=720, required=False)
        locals()[f"{_kind}_unit"] = serializers.ChoiceField(choices=UNIT_CHOICES, required=False)
    del _kind


class CampaignApi(TenantApi):
    """The district's active campaign (created from the plan's defaults the first time)."""

    required_action = {"GET": "campaign.view", "PATCH": "campaign.manage"}

    @extend_schema(responses=CampaignOut)
    def get(self, request):
        return Response(CampaignOut(services.campaign_ensure(request.member.district)).data)

    @extend_schema(request=CampaignIn, responses=CampaignOut)
    def patch(self, request):
        data = self.validated(CampaignIn, request.data)
        campaign = services.campaign_update(
            campaign=services.campaign_ensure(request.member.district), actor=request.member, **data
        )
        return Response(CampaignOut(campaign).data)


class PhaseApi(TenantApi):
    required_action = {"PATCH": "campaign.manage"}

    class PhaseIn(serializers.Serializer):
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()

    @extend_schema(request=PhaseIn, responses=PhaseOut)
    def patch(self, request, pk: int):
        phase = get_object_or_404(Phase, pk=pk, campaign__district=request.member.district)
        data = self.validated(self.PhaseIn, request.data)
        return Response(PhaseOut(services.phase_update(phase=phase, actor=request.member, **data)).data)


class DeliverableApi(TenantApi):
    required_action = {"PATCH": "campaign.manage"}

    class DeliverableDueIn(serializers.Serializer):
        due_on = serializers.DateField()

    @extend_schema(request=DeliverableDueIn, responses=DeliverableOut)
    def patch(self, request, pk: int):
        item = get_object_or_404(Deliverable, pk=pk, phase__campaign__district=request.member.district)
        data = self.validated(self.DeliverableDueIn, request.data)
        return Response(
            DeliverableOut(services.deliverable_update(deliverable=item, actor=request.member, **data)).data
        )


class CalendarDayOut(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "name"]


class CalendarApi(TenantApi):
    """The working-day calendar: holidays and make-up working days. POST one day, or a CSV (``file``)."""

    required_action = {"GET": "campaign.view", "POST": "campaign.manage"}

    class CalendarIn(serializers.Serializer):
        date = serializers.DateField(required=False)
        kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices, required=False)
        name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
        file = serializers.FileField(
            required=False, help_text="CSV: date,kind,name (kind = holiday | workday)"
        )

    @extend_schema(responses=CalendarDayOut(many=True))
    def get(self, request):
        qs = CalendarDay.objects.filter(district=request.member.district)
        if request.query_params.get("year"):
            qs = qs.filter(date__year=request.query_params["year"])
        return Response(CalendarDayOut(qs, many=True).data)

    @extend_schema(
        request={"multipart/form-data": CalendarIn, "application/json": CalendarIn}, responses={201: dict}
    )
    def post(self, request):
        data = self.validated(self.CalendarIn, request.data)
        district = request.member.district
        if data.get("file"):
            text = data["file"].read().decode("utf-8-sig", errors="replace")
            return Response(
                services.calendar_import(district=district, text=text, actor=request.member),
                status=status.HTTP_201_CREATED,
            )
        if not data.get("date") or not data.get("kind"):
            from django.core.exceptions import ValidationError

            raise ValidationError(
                {"date": ["请提供日期和类型，或上传 CSV / give date and kind, or a CSV file"]}
            )
        day = services.calendar_day_set(
            district=district, date=data["date"], kind=data["kind"], name=data["name"], actor=request.member
        )
        return Response(CalendarDayOut(day).data, status=status.HTTP_201_CREATED)


class ProgressApi(TenantApi):
    """Which street office has done which phase task (on time, late, pending, overdue)."""

    required_action = "campaign.view"

    @extend_schema(
        responses=inline_serializer(
            "Progress",
            {
                "deliverables": serializers.ListField(child=serializers.DictField()),
                "streets": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request):
        return Response(district_progress(district=request.member.district, as_json=True))


# --- street site -----------------------------------------------------------------------------------
class CheckOut(serializers.ModelSerializer):
    name = serializers.CharField(source="deliverable.name")
    kind = serializers.CharField(source="deliverable.kind")
    done_by = serializers.CharField(source="done_by.display_name", default=None, allow_null=True)

    class Meta:
        model = DeliverableCheck
        fields = [
            "id",
            "name",
            "kind",
            "period_due_on",
            "due_at",
            "done_at",
            "done_by",
            "evidence",
            "on_time",
        ]


class StreetCampaignApi(TenantApi):
    """The policy in force in this street office (the district's, tightened where the street chose) and its tasks."""

    required_action = {"GET": "campaign.view", "PUT": "campaign.street_edit"}

    class StreetSlaIn(serializers.Serializer):
        for _kind in SLA_KINDS:
            locals()[f"{_kind}_amount"] = serializers.IntegerField(
                min_value=1, max_value=720, required=False, allow_null=True
            )
            locals()[f"{_kind}_unit"] = serializers.ChoiceField(choices=UNIT_CHOICES, required=False)
        del _kind

    def _body(self, request):
        office = request.tenant
        campaign = services.campaign_ensure(office.district)
        sla = services.sla_for_street(office)
        return {
            "campaign": CampaignOut(campaign).data,
            "sla": {k: {"amount": d.amount, "unit": d.unit, "label": d.label} for k, d in sla.items()},
            "checks": CheckOut(street_checks(office=office), many=True).data,
        }

    @extend_schema(
        responses=inline_serializer(
            "StreetCampaign",
            {"campaign": CampaignOut(), "sla": serializers.DictField(), "checks": CheckOut(many=True)},
        )
    )
    def get(self, request):
        return Response(self._body(request))

    @extend_schema(
        request=StreetSlaIn,
        responses=inline_serializer("StreetCampaignPut", {"sla": serializers.DictField()}),
    )
    def put(self, request):
        data = self.validated(self.StreetSlaIn, request.data)
        durations = {}
        for kind in SLA_KINDS:
            if f"{kind}_amount" in data:
                amount = data[f"{kind}_amount"]
                durations[kind] = Duration(amount, data.get(f"{kind}_unit", "hours")) if amount else None
        services.street_sla_set(office=request.tenant, actor=request.member, **durations)
        return Response(self._body(request))


class CheckDoneApi(TenantApi):
    required_action = "campaign.street_edit"

    class CheckDoneIn(serializers.Serializer):
        evidence = serializers.CharField(max_length=4000)
        attended_user_ids = serializers.ListField(
            child=serializers.IntegerField(), required=False, default=list
        )

    @extend_schema(request=CheckDoneIn, responses=CheckOut)
    def post(self, request, pk: int):
        check = get_object_or_404(DeliverableCheck, pk=pk, street_office=request.tenant)
        data = self.validated(self.CheckDoneIn, request.data)
        return Response(
            CheckOut(services.deliverable_check_done(check=check, actor=request.member, **data)).data
        )

"""Relief API: /api/v1/relief-cases/ (with the procedure's steps), /payments/, /patrols/,
/holiday-campaigns/, /holiday-visits/ and /materials/ (items, movements, balances, counts, diversion).

Amounts are strings of yuan with two decimals ("812.50"); times ISO 8601. Errors are the API's one
shape ``{code, message, details}``: 400 for bad input or a step the case's status does not allow,
403 for a role that may not take the step (or deciding one's own case), 404 outside reach.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api.base import (
    COMMUNITY_ROWS,
    HOUSEHOLD_ROWS,
    PLACE,
    WHOLE_STREET,
    InReach,
    Reach,
    TenantApi,
    TenantViewSet,
)
from core.deadlines.models import Clock
from core.inspections.models import Need
from core.org.models import Community
from core.registry.models import Household, Person
from core.relief import holidays, ledger, patrols, payments, services
from core.relief.models import (
    CaseEvent,
    CaseEvidence,
    CaseKind,
    CasePath,
    EncounterAction,
    EvidenceKind,
    HolidayCampaign,
    HolidayTarget,
    HolidayVisit,
    MaterialItem,
    Patrol,
    PatrolEncounter,
    Payment,
    PaymentEntry,
    ReliefCase,
    StockBalance,
    StockMovement,
    StockSource,
)
from core.relief.selectors import (
    CaseFilters,
    balance_list,
    balance_totals,
    case_clocks,
    case_get,
    case_list,
    diversion_report,
    evidence_image_get,
    holiday_campaigns,
    holiday_confirmation_get,
    holiday_targets,
    holiday_visit_list,
    item_list,
    movement_confirmation_get,
    movement_list,
    patrol_list,
    payment_list,
    picture_response,
)
from core.relief.services import steps_for_member

MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}


def _example(field: serializers.Field, example, **schema) -> serializers.Field:
    """``field`` with its own OpenAPI example (api/schema.py fills by name only fields without one)."""
    # on a subclass: DRF deep-copies declared fields by re-instantiating their class
    annotation = {"field": {"type": "string", "example": example, **schema}}
    field.__class__ = type(f"{type(field).__name__}WithExample", (type(field),), {"_spectacular_annotation": annotation})
    return field


def _amount(example: str = "1200.50", **kwargs) -> serializers.CharField:
    """A request amount: yuan as a string, at most two decimals (read by the one amount parser,
    ``core.reliefpolicy.amounts.parse_amount``: ASCII or full-width digits, no exponent)."""
    kwargs.setdefault("help_text", "yuan, digits with at most two decimals, e.g. 1200.50")
    return _example(serializers.CharField(max_length=20, **kwargs), example)


def _text(example: str, **kwargs) -> serializers.CharField:
    return _example(serializers.CharField(**kwargs), example)


# a structured error in Chinese (and English) for a required file the client left out
CONFIRMATION_REQUIRED = "请上传领取人签名或领取照片 / the recipient's signature or photo is required"
SIGNATURE_REQUIRED = "请上传签收人签名或照片 / the recipient's signature or photo is required"


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- cases ---------------------------------------------------------------------------------------------
class CaseClockOut(serializers.ModelSerializer):
    class Meta:
        model = Clock
        fields = ["id", "kind", "round", "rule", "started_at", "due_at", "met_at", "state"]


class CaseEventOut(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ["step", "at", "actor_id", "actor_name", "note"]


class EvidenceOut(serializers.ModelSerializer):
    has_image = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField(help_text="GET it for the picture's bytes (null without one)")

    class Meta:
        model = CaseEvidence
        fields = ["id", "kind", "note", "at", "recorded_by_name", "has_image", "image_url"]

    def get_has_image(self, obj) -> bool:
        return bool(obj.image)

    def get_image_url(self, obj) -> str | None:
        return f"/api/v1/relief-cases/{obj.case_id}/evidence/{obj.pk}/image/" if obj.image else None


class CaseOut(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, default=None)
    household_label = serializers.CharField(source="household.__str__", read_only=True)
    status_label = serializers.SerializerMethodField()
    available_steps = serializers.SerializerMethodField()
    next_due_at = serializers.DateTimeField(read_only=True, required=False, allow_null=True)
    amount_requested = serializers.DecimalField(**MONEY, read_only=True)
    amount_approved = serializers.DecimalField(**MONEY, read_only=True, allow_null=True)
    help_amount = serializers.DecimalField(**MONEY, read_only=True, allow_null=True)
    monthly_amount = serializers.DecimalField(**MONEY, read_only=True, allow_null=True)
    need_ids = serializers.PrimaryKeyRelatedField(source="needs", many=True, read_only=True)

    class Meta:
        model = ReliefCase
        fields = [
            "id", "number", "kind", "path", "status", "status_label", "household_id", "household_label",
            "person_id", "person_name", "community_id", "grid_id", "reason", "amount_requested",
            "amount_approved", "help_amount", "monthly_amount", "payment_start_month", "applied_by_community",
            "staff_relative", "staff_relative_note", "accepted_at", "accepted_by_id", "accepted_by_name",
            "investigation_note", "review_opinion", "notice_round", "notice_starts_on", "notice_ends_on",
            "objection_note", "decided_at", "decided_by_name", "decision_level", "decision_note",
            "refusal_reason", "refusal_notified_at", "extended", "extension_reason", "delivered_at", "closed_at",
            "need_ids", "next_due_at", "available_steps",
        ]

    def get_status_label(self, obj) -> str:
        return services.status_label(obj)

    def get_available_steps(self, obj) -> list[str]:
        request = self.context.get("request")
        member = getattr(request, "member", None)
        return steps_for_member(obj, member) if member else []


class CaseDetailOut(CaseOut):
    clocks = serializers.SerializerMethodField()
    events = CaseEventOut(many=True, read_only=True)
    evidence = EvidenceOut(many=True, read_only=True)

    class Meta(CaseOut.Meta):
        fields = [*CaseOut.Meta.fields, "clocks", "events", "evidence"]

    @extend_schema(responses=CaseClockOut(many=True))
    def get_clocks(self, obj) -> list[dict]:
        return CaseClockOut(case_clocks(obj), many=True).data


class CaseIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    path = serializers.ChoiceField(choices=CasePath.choices, default=CasePath.ORDINARY)
    household_id = InReach(Household, what="户", reach=PLACE, as_id=True)
    person_id = InReach(Person, what="人员", reach=HOUSEHOLD_ROWS, as_id=True, required=False, allow_null=True, default=None)
    reason = _text("冬季取暖困难，家中老人患病，申请临时救助", max_length=4000)
    amount_requested = _amount("1200.50", required=False, default="0")
    applied_by_community = serializers.BooleanField(required=False, default=False)
    staff_relative = serializers.BooleanField(required=False, default=False)
    staff_relative_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    need_ids = serializers.ListField(
        child=InReach(Need, what="需求", reach=HOUSEHOLD_ROWS, as_id=True), required=False, default=list
    )


class StepIn(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(services.STEP_NAMES))
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    reason = _text("家庭人均收入高于当地低保标准", max_length=4000, required=False, allow_blank=True, default="")
    amount = _amount("800.00", required=False)
    monthly_amount = _amount("812.50", required=False)
    above_request_reason = _text(
        "入户核实另有医疗欠款2000元", max_length=500, required=False, allow_blank=True,
        help_text="required when the granted amount is above the amount requested (help, to_district, approve)")
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)


class EvidenceIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    note = serializers.CharField(max_length=4000)
    image = serializers.FileField(required=False, allow_null=True, default=None)


class ReasonIn(serializers.Serializer):
    reason = _text("申请人住院，无法按期入户核查", max_length=300)


class NeedsIn(serializers.Serializer):
    need_ids = serializers.ListField(child=InReach(Need, what="需求", reach=HOUSEHOLD_ROWS, as_id=True), min_length=1)


@extend_schema(tags=["relief"])
class ReliefCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Relief cases in reach, most urgent first. Each step of the procedure is ``POST .../step/``
    with ``{"step": ...}``; ``available_steps`` says which the caller may take now."""

    required_action = {
        "list": "relief.view", "retrieve": "relief.view", "create": "relief.edit",
        # the step's own action (relief.edit / approve / district_decide) is checked by the service
        "step": "relief.view", "evidence": "relief.edit", "extend": "relief.approve", "needs": "relief.edit",
        "evidence_image": "relief.view",
    }
    reach = PLACE
    serializer_class = CaseOut
    queryset = ReliefCase.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        return CaseOut if self.action == "list" else CaseDetailOut

    def rows(self):
        if self.action != "list":
            return ReliefCase.objects.select_related("household", "person", "community", "grid")
        p = self.request.query_params
        filters = CaseFilters(status=p.get("status", ""), kind=p.get("kind", ""),
                              community_id=_int(p.get("community")), household_id=_int(p.get("household")),
                              q=p.get("q", ""))
        return case_list(member=self.request.member, filters=filters)

    @extend_schema(parameters=[
        OpenApiParameter("status", str, description="open (default), all, or one status"),
        OpenApiParameter("kind", str), OpenApiParameter("community", int), OpenApiParameter("household", int),
        OpenApiParameter("q", str, description="number, person's name or address"),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _out(self, case, code=status.HTTP_200_OK):
        case = case_get(member=self.request.member, pk=case.pk)
        return Response(CaseDetailOut(case, context={"request": self.request}).data, status=code)

    @extend_schema(request=CaseIn, responses={201: CaseDetailOut})
    def create(self, request):
        data = self.validated(CaseIn, request.data)
        case = services.case_accept(actor=request.member, **data)
        return self._out(case, status.HTTP_201_CREATED)

    @extend_schema(request=StepIn, responses=CaseDetailOut)
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        """Take one step: help, investigate, review, notice, objection, to_district, approve, refuse,
        notify_refusal, deliver, close, withdraw (see core.relief.services.case_step for the data)."""
        data = self.validated(StepIn, request.data)
        step = data.pop("step")
        case = services.case_step(case=self.get_object(), actor=request.member, step=step, **data)
        return self._out(case)

    @extend_schema(request={"multipart/form-data": EvidenceIn, "application/json": EvidenceIn}, responses={201: EvidenceOut})
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        """Add investigation evidence (optionally a picture, multipart ``image``)."""
        data = self.validated(EvidenceIn, request.data)
        item = services.case_add_evidence(case=self.get_object(), actor=request.member, **data)
        return Response(EvidenceOut(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("evidence_id", int, OpenApiParameter.PATH)],
        responses={(200, "image/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>[0-9]+)/image")
    def evidence_image(self, request, pk=None, evidence_id=None):
        """The picture of one piece of evidence (its bytes); 404 unless the case is within your reach
        and the evidence has a picture."""
        return picture_response(evidence_image_get(member=request.member, case_id=pk, pk=int(evidence_id)))

    @extend_schema(request=ReasonIn, responses=CaseDetailOut)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Extend an enrolment case's time limit to the district's 40 working days (once, with a reason)."""
        data = self.validated(ReasonIn, request.data)
        return self._out(services.case_extend(case=self.get_object(), actor=request.member, **data))

    @extend_schema(request=NeedsIn, responses=CaseDetailOut)
    @action(detail=True, methods=["post"])
    def needs(self, request, pk=None):
        """Link needs of the household that this case meets."""
        data = self.validated(NeedsIn, request.data)
        return self._out(services.case_link_needs(case=self.get_object(), actor=request.member, **data))


# --- payments ------------------------------------------------------------------------------------------
class PaymentEntryOut(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY, read_only=True)
    reverses_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = PaymentEntry
        fields = ["id", "kind", "amount", "paid_on", "reverses_id", "note", "recorded_by_name", "recorded_at"]


class PaymentOut(serializers.ModelSerializer):
    entries = PaymentEntryOut(many=True, read_only=True, help_text="the payment ledger lines: payments and "
                              "reversals (冲正), never edited; paid_amount is their sum")
    case_number = serializers.CharField(source="case.number", read_only=True)
    person_name = serializers.CharField(source="case.person.name", read_only=True, default=None)
    expected_amount = serializers.DecimalField(**MONEY, read_only=True)
    paid_amount = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "case_id", "case_number", "person_name", "household_id", "month", "expected_amount",
                  "due_on", "paid_amount", "paid_on", "status", "problem_id", "note", "entries"]


class PaymentCorrectIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="why the recorded payment was wrong (冲正原因)")
    amount = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                   help_text="what was really paid (yuan, to the fen); omit with paid_on to reverse only")
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PaymentIn(serializers.Serializer):
    amount = serializers.CharField(max_length=20)
    paid_on = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema(tags=["relief"])
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Expected monthly payments of enrolled people and the recorded actual payments."""

    required_action = {
        "list": "relief.view", "retrieve": "relief.view", "record": "relief.edit", "correct": "relief.edit",
    }
    reach = HOUSEHOLD_ROWS
    serializer_class = PaymentOut
    queryset = Payment.objects.none()

    def rows(self):
        p = self.request.query_params
        return payment_list(member=self.request.member, status=p.get("status", ""),
                            household_id=_int(p.get("household")))

    @extend_schema(parameters=[OpenApiParameter("status", str, description="due, paid, late, short, paid_late or problem"),
                               OpenApiParameter("household", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PaymentIn, responses=PaymentOut)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the actual payment; late or short ones are flagged and become problems."""
        data = self.validated(PaymentIn, request.data)
        payment = payments.payment_record(actor=request.member, payment=self.get_object(), **data)
        return Response(PaymentOut(payment).data)

    @extend_schema(request=PaymentCorrectIn, responses=PaymentOut)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Correct a wrongly recorded payment (冲正): a reversal line plus, with amount and paid_on, the
        right payment line; never an edit. 400 when nothing is recorded or the correction changes nothing."""
        data = self.validated(PaymentCorrectIn, request.data)
        payment = payments.payment_correct(actor=request.member, payment=self.get_object(), **data)
        return Response(PaymentOut(payment).data)


# --- patrols -------------------------------------------------------------------------------------------
class EncounterOut(serializers.ModelSerializer):
    class Meta:
        model = PatrolEncounter
        fields = ["id", "person_id", "description", "place", "action", "follow_up"]


class PatrolOut(serializers.ModelSerializer):
    encounters = EncounterOut(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = ["id", "started_at", "ended_at", "area", "members", "with_enforcement", "community_id", "notes",
                  "recorded_by_name", "encounters"]


class EncounterIn(serializers.Serializer):
    person_id = InReach(Person, what="人员", reach=HOUSEHOLD_ROWS, as_id=True, required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=200)
    action = serializers.ChoiceField(choices=EncounterAction.choices)
    follow_up = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PatrolIn(serializers.Serializer):
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    area = serializers.CharField(max_length=200)
    members = serializers.CharField(max_length=300)
    with_enforcement = serializers.BooleanField(required=False, default=False)
    community_id = InReach(Community, what="社区", reach=COMMUNITY_ROWS, as_id=True, required=False, allow_null=True, default=None)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    encounters = EncounterIn(many=True, required=False, default=list)


class ComplianceWeekOut(serializers.Serializer):
    week_start = serializers.DateField()
    week_end = serializers.DateField()
    required = serializers.IntegerField()
    done = serializers.IntegerField()
    short = serializers.IntegerField()
    elapsed = serializers.BooleanField()
    state = serializers.ChoiceField(choices=["met", "overdue", "in_progress"])
    state_label = serializers.CharField()
    clock_state = serializers.CharField(allow_blank=True)
    clock_id = serializers.IntegerField(allow_null=True)


class ComplianceOut(serializers.Serializer):
    per_week = serializers.IntegerField()
    starts_on = serializers.DateField(allow_null=True)
    weeks = ComplianceWeekOut(many=True)


@extend_schema(tags=["relief"])
class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Street patrols; ``compliance/`` gives the weekly count against the schedule."""

    required_action = {"list": "patrol.view", "retrieve": "patrol.view", "create": "patrol.create",
                       "compliance": "patrol.view"}
    reach = WHOLE_STREET  # patrols are the street's (community_id only says where)
    serializer_class = PatrolOut
    queryset = Patrol.objects.none()

    def rows(self):
        return patrol_list(member=self.request.member)

    @extend_schema(request=PatrolIn, responses={201: PatrolOut})
    def create(self, request):
        data = self.validated(PatrolIn, request.data)
        data["encounters"] = [dict(e) for e in data["encounters"]]
        patrol = patrols.patrol_record(actor=request.member, **data)
        return Response(PatrolOut(patrol).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ComplianceOut)
    @action(detail=False, methods=["get"])
    def compliance(self, request):
        """The last 8 assessed weeks (from the schedule's start week, none in the future): the current
        week is ``in_progress`` until its Sunday has passed, a past week short of the plan ``overdue``."""
        now = timezone.now()
        schedule = patrols.patrol_schedule(now=now)
        return Response(ComplianceOut({"per_week": schedule.per_week, "starts_on": schedule.starts_on,
                                       "weeks": patrols.patrol_compliance(weeks=8, now=now)}).data)


# --- holiday visits ------------------------------------------------------------------------------------
class HolidayCampaignOut(serializers.ModelSerializer):
    target_count = serializers.IntegerField(read_only=True)
    visited = serializers.IntegerField(read_only=True)

    class Meta:
        model = HolidayCampaign
        fields = ["id", "name", "holiday", "starts_on", "ends_on", "categories", "target_count", "visited"]


class HolidayCampaignIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    holiday = serializers.ChoiceField(choices=HolidayCampaign.Holiday.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    categories = serializers.ListField(child=serializers.CharField(max_length=24), min_length=1)


class HolidayTargetOut(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    household_label = serializers.CharField(source="household.__str__", read_only=True)
    visit_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = HolidayTarget
        fields = ["id", "campaign_id", "household_id", "household_label", "person_id", "person_name", "category",
                  "community_id", "grid_id", "visit_count"]


@extend_schema(tags=["relief"])
class HolidayCampaignViewSet(mixins.ListModelMixin, TenantViewSet):
    required_action = {"list": "holiday.view", "create": "holiday.manage", "targets": "holiday.view"}
    reach = WHOLE_STREET  # the street's campaigns; their targets are scoped by holiday_targets
    serializer_class = HolidayCampaignOut
    queryset = HolidayCampaign.objects.none()

    def rows(self):
        return holiday_campaigns()

    @extend_schema(request=HolidayCampaignIn, responses={201: HolidayCampaignOut})
    def create(self, request):
        data = self.validated(HolidayCampaignIn, request.data)
        campaign = holidays.holiday_campaign_create(actor=request.member, **data)
        return Response(HolidayCampaignOut(holiday_campaigns().get(pk=campaign.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=HolidayTargetOut(many=True))
    @action(detail=True, methods=["get"])
    def targets(self, request, pk=None):
        qs = holiday_targets(member=request.member, campaign=self.get_object(),
                             pending_only=request.query_params.get("pending") in ("1", "true"))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(HolidayTargetOut(page, many=True).data)


class HolidayVisitOut(serializers.ModelSerializer):
    cash_amount = serializers.DecimalField(**MONEY, read_only=True)
    person_name = serializers.CharField(source="target.person.name", read_only=True)
    household_id = serializers.IntegerField(source="target.household_id", read_only=True)
    confirmation_url = serializers.SerializerMethodField(help_text="GET it for the signature or photo")

    class Meta:
        model = HolidayVisit
        fields = ["id", "target_id", "household_id", "person_name", "visited_at", "visitor_name", "gifts",
                  "cash_amount", "stock_out_id", "recipient_name", "note", "confirmation_url"]

    def get_confirmation_url(self, obj) -> str | None:
        return f"/api/v1/holiday-visits/{obj.pk}/confirmation/" if obj.confirmation else None


class HolidayVisitIn(serializers.Serializer):
    target_id = InReach(HolidayTarget, what="慰问对象", reach=PLACE)
    recipient_name = serializers.CharField(max_length=50)
    confirmation = serializers.FileField(
        help_text="the recipient's signature or photo (JPEG, PNG or WebP)",
        error_messages={"required": SIGNATURE_REQUIRED, "null": SIGNATURE_REQUIRED,
                        "empty": SIGNATURE_REQUIRED, "invalid": SIGNATURE_REQUIRED})
    gifts = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    cash_amount = _amount("500.00", required=False, default="0")
    item_id = InReach(MaterialItem, what="物资", reach=WHOLE_STREET, as_id=True, required=False, allow_null=True, default=None)
    quantity = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema(tags=["relief"])
class HolidayVisitViewSet(mixins.ListModelMixin, TenantViewSet):
    """Holiday visits in reach. POST as multipart/form-data with ``confirmation`` (signature or photo)."""

    required_action = {"list": "holiday.view", "create": "holiday.record", "confirmation": "holiday.view"}
    reach = Reach.via("target")
    serializer_class = HolidayVisitOut
    queryset = HolidayVisit.objects.none()
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def rows(self):
        return holiday_visit_list(member=self.request.member, household_id=_int(self.request.query_params.get("household")))

    @extend_schema(request={"multipart/form-data": HolidayVisitIn}, responses={201: HolidayVisitOut})
    def create(self, request):
        data = self.validated(HolidayVisitIn, request.data)
        target = data.pop("target_id")  # resolved within reach by InReach
        visit = holidays.holiday_visit_record(actor=request.member, target=target, **data)
        return Response(HolidayVisitOut(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def confirmation(self, request, pk=None):
        """The recipient's signature or photo (its bytes); 404 unless the visit is within your reach."""
        return picture_response(holiday_confirmation_get(member=request.member, pk=pk))


# --- material ledger -----------------------------------------------------------------------------------
class ItemOut(serializers.ModelSerializer):
    class Meta:
        model = MaterialItem
        fields = ["id", "name", "unit"]


class ItemIn(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    unit = serializers.CharField(max_length=10, required=False, default="件")


class MovementOut(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    has_confirmation = serializers.SerializerMethodField()
    confirmation_url = serializers.SerializerMethodField(help_text="GET it for the signature or photo")
    reversed = serializers.SerializerMethodField()

    class Meta:
        model = StockMovement
        fields = ["id", "item_id", "item_name", "community_id", "community_name", "kind", "delta", "quantity",
                  "occurred_on", "source", "donor", "household_id", "person_id", "recipient_name", "handed_by_name",
                  "has_confirmation", "confirmation_url", "reverses_id", "reversed", "note", "recorded_by_name",
                  "created_at"]

    def get_has_confirmation(self, obj) -> bool:
        return bool(obj.confirmation)

    def get_confirmation_url(self, obj) -> str | None:
        return f"/api/v1/materials/movements/{obj.pk}/confirmation/" if obj.confirmation else None

    def get_reversed(self, obj) -> bool:
        return StockMovement.objects.filter(reverses_id=obj.pk).exists()


class StockInIn(serializers.Serializer):
    item_id = InReach(MaterialItem, what="物资", reach=WHOLE_STREET, as_id=True)
    community_id = InReach(Community, what="社区", reach=COMMUNITY_ROWS, as_id=True)
    quantity = serializers.IntegerField()
    source = serializers.ChoiceField(choices=StockSource.choices)
    donor = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class StockOutIn(serializers.Serializer):
    item_id = InReach(MaterialItem, what="物资", reach=WHOLE_STREET, as_id=True)
    household_id = InReach(Household, what="户", reach=PLACE, as_id=True)
    person_id = InReach(Person, what="人员", reach=HOUSEHOLD_ROWS, as_id=True, required=False, allow_null=True, default=None)
    quantity = serializers.IntegerField()
    recipient_name = serializers.CharField(max_length=50)
    confirmation = serializers.FileField(
        help_text="the recipient's signature or photo (JPEG, PNG or WebP)",
        error_messages={"required": CONFIRMATION_REQUIRED, "null": CONFIRMATION_REQUIRED,
                        "empty": CONFIRMATION_REQUIRED, "invalid": CONFIRMATION_REQUIRED})
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CountIn(serializers.Serializer):
    item_id = InReach(MaterialItem, what="物资", reach=WHOLE_STREET, as_id=True)
    community_id = InReach(Community, what="社区", reach=COMMUNITY_ROWS, as_id=True)
    counted_quantity = serializers.IntegerField(min_value=0)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BalanceOut(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = StockBalance
        fields = ["item_id", "item_name", "unit", "community_id", "community_name", "quantity"]


@extend_schema(tags=["relief"])
class MaterialItemViewSet(mixins.ListModelMixin, TenantViewSet):
    required_action = {"list": "material.view", "create": "material.edit"}
    reach = WHOLE_STREET  # the street's catalogue of materials
    serializer_class = ItemOut
    queryset = MaterialItem.objects.none()

    def rows(self):
        return item_list()

    @extend_schema(request=ItemIn, responses={201: ItemOut})
    def create(self, request):
        data = self.validated(ItemIn, request.data)
        return Response(ItemOut(ledger.item_create(actor=request.member, **data)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relief"])
class StockMovementViewSet(mixins.ListModelMixin, TenantViewSet):
    """Ledger lines in reach, newest first. ``stock-in/``, ``stock-out/`` (multipart with the
    recipient's ``confirmation`` picture), ``{id}/reverse/`` (a reversing line, never an edit)."""

    required_action = {"list": "material.view", "stock_in": "material.edit", "stock_out": "material.edit",
                       "reverse": "material.edit", "confirmation": "material.view"}
    reach = Reach(grid=None, community="community")  # a grid worker: narrowed further by movement_list
    serializer_class = MovementOut
    queryset = StockMovement.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def rows(self):
        p = self.request.query_params
        return movement_list(member=self.request.member, item_id=_int(p.get("item")), household_id=_int(p.get("household")))

    @extend_schema(request=StockInIn, responses={201: MovementOut})
    @action(detail=False, methods=["post"], url_path="stock-in")
    def stock_in(self, request):
        data = self.validated(StockInIn, request.data)
        return Response(MovementOut(ledger.stock_in(actor=request.member, **data)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": StockOutIn}, responses={201: MovementOut})
    @action(detail=False, methods=["post"], url_path="stock-out")
    def stock_out(self, request):
        data = self.validated(StockOutIn, request.data)
        return Response(MovementOut(ledger.stock_out(actor=request.member, **data)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonIn, responses={201: MovementOut})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        movement = self.get_object()
        data = self.validated(ReasonIn, request.data)
        line = ledger.stock_reverse(actor=request.member, movement_id=movement.pk, **data)
        return Response(MovementOut(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def confirmation(self, request, pk=None):
        """The recipient's signature or photo of a hand-out (its bytes); 404 outside your reach."""
        return picture_response(movement_confirmation_get(member=request.member, pk=pk))


class BalancesApi(TenantApi):
    """Balance per item and community, and per item across the caller's communities."""

    required_action = "material.view"

    @extend_schema(responses=dict, tags=["relief"])
    def get(self, request):
        member = request.member
        return Response({"by_community": BalanceOut(balance_list(member=member), many=True).data,
                         "by_item": balance_totals(member=member)})


class StockCountApi(TenantApi):
    """Record a physical count beside the ledger's balance."""

    required_action = "material.edit"

    @extend_schema(request=CountIn, responses={201: dict}, tags=["relief"])
    def post(self, request):
        data = self.validated(CountIn, request.data)
        count = ledger.stock_count(actor=request.member, **data)
        return Response({"id": count.pk, "counted_quantity": count.counted_quantity,
                         "recorded_quantity": count.recorded_quantity, "difference": count.difference},
                        status=status.HTTP_201_CREATED)


class DiversionApi(TenantApi):
    """Stock that left without a confirmed recipient (must be empty), balances not matching their
    movements, and counts differing from the ledger."""

    required_action = "material.view"

    @extend_schema(responses=dict, tags=["relief"])
    def get(self, request):
        report = diversion_report(member=request.member)
        return Response({
            "unconfirmed": MovementOut(report["unconfirmed"], many=True).data,
            "mismatched": report["mismatched"],
            "count_differences": [
                {"item": c.item.name, "community": c.community.name, "counted": c.counted_quantity,
                 "recorded": c.recorded_quantity, "difference": c.difference, "counted_at": c.counted_at}
                for c in report["count_differences"]
            ],
        })


def register(router) -> list:
    """Add relief's routes to the street router; returns its plain paths (for ``street_patterns``)."""
    from django.urls import path

    router.register("relief-cases", ReliefCaseViewSet, basename="api-relief-cases")
    router.register("payments", PaymentViewSet, basename="api-payments")
    router.register("patrols", PatrolViewSet, basename="api-patrols")
    router.register("holiday-campaigns", HolidayCampaignViewSet, basename="api-holiday-campaigns")
    router.register("holiday-visits", HolidayVisitViewSet, basename="api-holiday-visits")
    router.register("materials/items", MaterialItemViewSet, basename="api-material-items")
    router.register("materials/movements", StockMovementViewSet, basename="api-material-movements")
    return [
        path("materials/balances/", BalancesApi.as_view(), name="api-material-balances"),
        path("materials/counts/", StockCountApi.as_view(), name="api-material-counts"),
        path("materials/diversion/", DiversionApi.as_view(), name="api-material-diversion"),
    ]


# --- district: the relief rules ------------------------------------------------------------------------
class ReliefPolicyOut(serializers.Serializer):
    whole_working_days = serializers.IntegerField()
    extended_working_days = serializers.IntegerField()
    notice_min_days = serializers.IntegerField()
    confirm_working_days = serializers.IntegerField()
    refusal_notice_working_days = serializers.IntegerField()
    temporary_decide_working_days = serializers.IntegerField()
    emergency_help_hours = serializers.IntegerField()
    emergency_paperwork_working_days = serializers.IntegerField()
    street_decision_limit = serializers.DecimalField(**MONEY)
    payment_due_day = serializers.IntegerField()
    enrolment_monthly_ceiling = serializers.DecimalField(**MONEY)
    temporary_ceiling = serializers.DecimalField(**MONEY)
    heating_subsidy_ceiling = serializers.DecimalField(**MONEY)
    material_aid_ceiling = serializers.DecimalField(**MONEY)


class ReliefPolicyIn(serializers.Serializer):
    whole_working_days = serializers.IntegerField(required=False)
    extended_working_days = serializers.IntegerField(required=False)
    notice_min_days = serializers.IntegerField(required=False)
    confirm_working_days = serializers.IntegerField(required=False)
    refusal_notice_working_days = serializers.IntegerField(required=False)
    temporary_decide_working_days = serializers.IntegerField(required=False)
    emergency_help_hours = serializers.IntegerField(required=False)
    emergency_paperwork_working_days = serializers.IntegerField(required=False)
    street_decision_limit = _amount("3000.00", required=False)
    payment_due_day = serializers.IntegerField(required=False)
    enrolment_monthly_ceiling = _amount("3000.00", required=False)
    temporary_ceiling = _amount("20000.00", required=False)
    heating_subsidy_ceiling = _amount("5000.00", required=False)
    material_aid_ceiling = _amount("10000.00", required=False)


class ReliefPolicyApi(TenantApi):
    """The district's relief time limits (working days unless said) and the street's decision limit
    (yuan). New limits apply to clocks started afterwards."""

    required_action = {"GET": "campaign.view", "PATCH": "campaign.manage"}

    @extend_schema(responses=ReliefPolicyOut, tags=["relief"])
    def get(self, request):
        from core.reliefpolicy.services import relief_policy_for

        return Response(ReliefPolicyOut(relief_policy_for(request.member.district)).data)

    @extend_schema(request=ReliefPolicyIn, responses=ReliefPolicyOut, tags=["relief"])
    def patch(self, request):
        from core.reliefpolicy.services import relief_policy_set

        data = self.validated(ReliefPolicyIn, request.data)
        policy = relief_policy_set(actor=request.member, district=request.member.district, **data)
        return Response(ReliefPolicyOut(policy).data)

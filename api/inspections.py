"""API of inspections: visits (created with checklist and needs in one atomic request), the needs
and problems ledgers, and coverage."""

from __future__ import annotations

import json

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from api.base import HOUSEHOLD_ROWS, PLACE, InReach, TenantApi, TenantViewSet
from api.clocks import next_due_representation
from api.rectifications import RectificationOut
from core.inspections.checklist import (
    CHECKLIST,
    ITEM_CHOICES,
    NEED_TYPE_CHOICES,
    RESULT_CHOICES,
    URGENCY_CHOICES,
)
from core.inspections.filters import NeedFilter, ProblemFilter, VisitFilter
from core.inspections.models import Need, Problem, Visit, VisitItem
from core.inspections.selectors import (
    coverage,
    need_list,
    not_visited,
    problem_list,
    visit_list,
    visit_photo_get,
    visit_photo_response,
)
from core.inspections.services import (
    need_reassign,
    need_status_set,
    problem_assign,
    problem_rectification,
    problem_resolve,
    visit_record,
)
from core.registry.models import Household, Person
from core.registry.selectors import household_get


class VisitItemIO(serializers.ModelSerializer):
    item = serializers.ChoiceField(choices=ITEM_CHOICES)
    result = serializers.ChoiceField(choices=RESULT_CHOICES)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    class Meta:
        model = VisitItem
        fields = ["item", "result", "note"]


class NeedOut(serializers.ModelSerializer):
    community = serializers.IntegerField(source="household.community_id", read_only=True)
    grid = serializers.IntegerField(source="household.grid_id", read_only=True)
    next_due_at = serializers.SerializerMethodField(
        help_text="due time of the need's open clock (by urgency, district policy tightened by the street); "
        "null once met or cancelled"
    )

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_due_at(self, obj) -> str | None:
        return next_due_representation(obj)

    class Meta:
        model = Need
        fields = [
            "id",
            "visit",
            "household",
            "community",
            "grid",
            "person",
            "need_type",
            "quantity",
            "urgency",
            "description",
            "status",
            "responsible_user_id",
            "responsible_name",
            "next_due_at",
            "created_at",
            "updated_at",
        ]


class ProblemOut(serializers.ModelSerializer):
    community = serializers.IntegerField(source="household.community_id", read_only=True)
    grid = serializers.IntegerField(source="household.grid_id", read_only=True)
    rectification = serializers.SerializerMethodField(
        help_text="the rectification item this problem was turned into (id and number), or null"
    )

    @extend_schema_field(
        inline_serializer(
            "ProblemRectificationRef",
            {"id": serializers.IntegerField(), "number": serializers.CharField(allow_null=True)},
            allow_null=True,
        )
    )
    def get_rectification(self, obj) -> dict | None:
        item = problem_rectification(obj)
        return {"id": item.pk, "number": item.number} if item is not None else None

    class Meta:
        model = Problem
        fields = [
            "id",
            "visit",
            "household",
            "community",
            "grid",
            "item",
            "description",
            "responsible_user_id",
            "responsible_name",
            "due_at",
            "status",
            "resolved_at",
            "rectification",
            "created_at",
        ]


class VisitPhotoOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="download with the same credentials (visit.view)")

    def get_url(self, obj) -> str:
        path = reverse("visit-photo", kwargs={"pk": obj.visit_id, "photo_id": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class VisitOut(serializers.ModelSerializer):
    items = VisitItemIO(many=True, read_only=True)
    needs = NeedOut(many=True, read_only=True)
    problems = ProblemOut(many=True, read_only=True)
    photos = VisitPhotoOut(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "kind",
            "visited_at",
            "visitor_user_id",
            "visitor_name",
            "notes",
            "items",
            "needs",
            "problems",
            "photos",
            "created_at",
        ]


class NeedIn(serializers.Serializer):
    need_type = serializers.ChoiceField(choices=NEED_TYPE_CHOICES)
    quantity = serializers.IntegerField(help_text="a positive whole number")
    urgency = serializers.ChoiceField(choices=URGENCY_CHOICES, default="normal")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    person = InReach(Person, what="人员", reach=HOUSEHOLD_ROWS, as_id=True, required=False, allow_null=True, default=None)


class VisitIn(serializers.Serializer):
    household = InReach(Household, what="户", reach=PLACE)
    kind = serializers.ChoiceField(choices=Visit.Kind.choices)
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    items = VisitItemIO(
        many=True, help_text="every checklist item exactly once: " + ", ".join(i.code for i in CHECKLIST)
    )
    needs = NeedIn(many=True, required=False, default=list)


class VisitMultipartIn(serializers.Serializer):
    """The same visit as multipart/form-data, so photos travel with it."""

    payload = serializers.CharField(
        help_text="the JSON document of the visit (exactly the JSON body: VisitIn)"
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="zero or more images (JPEG/PNG/WebP…), at most 6, each at most 8 MB",
    )


def _visit_document(request) -> tuple[object, list]:
    """The visit document and its photos, from a JSON body or a multipart ``payload`` + ``photos``."""
    if not (request.content_type or "").startswith("multipart/"):
        return request.data, []
    raw = request.data.get("payload")
    if not raw:
        raise serializers.ValidationError({"payload": ["缺少 payload（走访 JSON）/ payload is required"]})
    try:
        document = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise serializers.ValidationError(
            {"payload": [f"payload 不是有效的 JSON / invalid JSON: {exc}"]}
        ) from exc
    if not isinstance(document, dict):
        raise serializers.ValidationError(
            {"payload": ["payload 应为 JSON 对象 / payload must be a JSON object"]}
        )
    return document, request.FILES.getlist("photos")


@extend_schema(tags=["inspections"])
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Home visits (入户核查) and phone follow-ups (电话随访). POST creates a visit with its whole
    checklist and its needs in one atomic request; each hazard opens a problem with a deadline.
    POST as multipart/form-data (``payload`` = the JSON document, ``photos`` = files) to attach photos."""

    queryset = Visit.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = {
        "list": "visit.view",
        "retrieve": "visit.view",
        "photo": "visit.view",
        "create": "visit.create",
    }
    reach = HOUSEHOLD_ROWS
    serializer_class = VisitOut
    filterset_class = VisitFilter
    parser_classes = [JSONParser, MultiPartParser]

    def rows(self):
        return (
            visit_list(member=self.request.member)
            .prefetch_related(
                "items",
                Prefetch("needs", queryset=Need.objects.select_related("household")),
                # household for community/grid, rectification for the item it became (no N+1)
                Prefetch("problems", queryset=Problem.objects.select_related("household", "rectification")),
                "photos",
            )
            .order_by("-visited_at", "-id")
        )

    def perform_content_negotiation(self, request, force=False):
        # A photo download answers with the file itself, whatever the client's Accept header says.
        return super().perform_content_negotiation(request, force=force or self.action == "photo")

    @extend_schema(
        request={"application/json": VisitIn, "multipart/form-data": VisitMultipartIn},
        responses={201: VisitOut},
    )
    def create(self, request, *args, **kwargs):
        document, photos = _visit_document(request)
        data = self.validated(VisitIn, document)
        household = household_get(member=request.member, pk=data["household"].pk)
        needs = [{**n, "person_id": n.pop("person", None)} for n in data["needs"]]
        visit = visit_record(
            actor=request.member,
            household=household,
            kind=data["kind"],
            items=data["items"],
            needs=needs,
            notes=data["notes"],
            visited_at=data["visited_at"],
            photos=photos,
        )
        body = VisitOut(self.get_queryset().get(pk=visit.pk), context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("photo_id", int, OpenApiParameter.PATH)],
        responses={(200, "image/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]+)")
    def photo(self, request, pk=None, photo_id=None):
        """One photo of the visit (its bytes); 404 unless the visit is within your reach."""
        return visit_photo_response(visit_photo_get(member=request.member, visit_id=pk, pk=int(photo_id)))


@extend_schema(tags=["inspections"])
class NeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The winter-needs ledger (困难群众过冬需求台账)."""

    queryset = Need.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = {
        "list": "need.view",
        "retrieve": "need.view",
        "set_status": "need.edit",
        "reassign": "need.edit",
    }
    reach = HOUSEHOLD_ROWS
    serializer_class = NeedOut
    filterset_class = NeedFilter

    def rows(self):
        return need_list(member=self.request.member)

    class NeedStatusIn(serializers.Serializer):
        status = serializers.ChoiceField(choices=Need.Status.choices)
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=NeedStatusIn)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        data = self.validated(self.NeedStatusIn, request.data)
        need = need_status_set(actor=request.member, need=self.get_object(), **data)
        return Response(NeedOut(need).data)

    class NeedReassignIn(serializers.Serializer):
        responsible_user_id = serializers.IntegerField(
            help_text="the new responsible person: a member of this street office who reaches the need's "
            "household (its grid's worker, its community's director or workers, street staff)"
        )
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    @extend_schema(
        request=NeedReassignIn,
        description="Hand an open need to another responsible person; its clock moves with it (same "
        "deadline). 400 for a met or cancelled need or a person who cannot reach the household.",
    )
    @action(detail=True, methods=["post"], url_path="reassign")
    def reassign(self, request, pk=None):
        data = self.validated(self.NeedReassignIn, request.data)
        need = need_reassign(actor=request.member, need=self.get_object(), **data)
        return Response(NeedOut(need).data)


@extend_schema(tags=["inspections"])
class ProblemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The problem ledger (问题台账): one problem per hazard, with responsible person and deadline."""

    queryset = Problem.objects.none()  # for the schema; the base scopes rows() by reach

    required_action = {
        "list": "problem.view",
        "retrieve": "problem.view",
        "resolve": "problem.edit",
        "assign": "problem.edit",
        "to_rectification": "rectification.edit",
    }
    reach = HOUSEHOLD_ROWS
    serializer_class = ProblemOut
    filterset_class = ProblemFilter

    def rows(self):
        return problem_list(member=self.request.member)

    class ProblemResolveIn(serializers.Serializer):
        note = serializers.CharField()

    @extend_schema(request=ProblemResolveIn)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = self.validated(self.ProblemResolveIn, request.data)
        problem = problem_resolve(actor=request.member, problem=self.get_object(), note=data["note"])
        return Response(ProblemOut(problem).data)

    class AssignIn(serializers.Serializer):
        responsible_user_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        responsible_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
        due_at = serializers.DateTimeField()

    @extend_schema(request=AssignIn, responses=ProblemOut)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Hand the problem to a responsible person (a member of this street) and set its deadline."""
        data = self.validated(self.AssignIn, request.data)
        problem = problem_assign(actor=request.member, problem=self.get_object(), **data)
        return Response(ProblemOut(problem).data)

    class ProblemToRectificationIn(serializers.Serializer):
        responsible_user_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            help_text="default: the problem's responsible person",
        )
        due_on = serializers.DateField(
            required=False,
            allow_null=True,
            default=None,
            help_text="default: the problem's deadline if still ahead, else the campaign's rectification time",
        )

    @extend_schema(request=ProblemToRectificationIn, responses={201: RectificationOut})
    @action(detail=True, methods=["post"], url_path="to-rectification")
    def to_rectification(self, request, pk=None):
        """Turn the problem into a rectification item (once). Its clock hands over to the item's; the
        problem is resolved when the item passes verification."""
        from core.rectification.services import rectification_from_problem

        data = self.validated(self.ProblemToRectificationIn, request.data)
        item = rectification_from_problem(problem=self.get_object(), actor=request.member, **data)
        return Response(RectificationOut(item).data, status=status.HTTP_201_CREATED)


def _row(node) -> dict:
    return {
        "id": node.key,
        "name": node.name,
        "registered": node.registered,
        "covered": node.covered,
        "on_time": node.on_time,
        "late": node.late,
        "added_late": node.added_late,
        "remaining": node.remaining,
        "percent": node.percent,
        "on_time_percent": node.on_time_percent,
    }


class CoverageApi(TenantApi):
    """Coverage (不漏一户、不落一人): registered and covered households per street, community and grid.
    ``covered`` is the campaign so far; ``on_time`` inside the inspection phase; ``late`` registered
    before the phase ended but covered after it; ``added_late`` registered after the phase (ADR 0016).
    With ``?include=not_visited`` (roles that may see households) also the households not yet visited."""

    required_action = "coverage.view"

    @extend_schema(
        tags=["inspections"],
        parameters=[
            OpenApiParameter("include", str, enum=["not_visited"], required=False),
            OpenApiParameter("community", int, required=False),
            OpenApiParameter("grid", int, required=False),
        ],
        responses=inline_serializer(
            "Coverage",
            {
                "street": serializers.DictField(),
                "communities": serializers.ListField(),
                "not_visited": serializers.ListField(required=False),
            },
        ),
    )
    def get(self, request):
        member = request.member
        tree = coverage(member=member)
        body = {
            "street": _row(tree),
            "communities": [_row(c) | {"grids": [_row(g) for g in c.children]} for c in tree.children],
        }
        if request.query_params.get("include") == "not_visited" and member.can("household.view"):
            community = request.query_params.get("community")
            grid = request.query_params.get("grid")
            qs = not_visited(
                member=member,
                community_id=int(community) if str(community).isdigit() else None,
                grid_id=int(grid) if str(grid).isdigit() else None,
            )
            body["not_visited"] = [
                {
                    "id": h.pk,
                    "address": str(h),
                    "community": h.community_id,
                    "grid": h.grid_id,
                    "phone_only": h.phone_only,
                }
                for h in qs[:5000]
            ]
        return Response(body)


class DistrictIdDuplicatesApi(TenantApi):
    """District: resident IDs registered by more than one street office (hash prefix, offices, person ids)."""

    required_action = "district.view"

    @extend_schema(
        tags=["district"],
        responses=inline_serializer(
            "IdDuplicate",
            {"key": serializers.CharField(), "claims": serializers.ListField(child=serializers.DictField())},
            many=True,
        ),
    )
    def get(self, request):
        from core.registry.selectors import district_duplicates

        return Response(district_duplicates(district_id=request.member.district.pk))

"""/api/v1/rectifications/: the rectification ledger, evidence, verification and look-back."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from api.base import COMMUNITY_ROWS, GRID_ROWS, PLACE, InReach, TenantViewSet
from api.clocks import next_due_representation
from api.requests import ClockOut, _int
from core.org.models import Community, Grid
from core.org.scope import place_for_new
from core.rectification import services
from core.rectification.models import (
    Rectification,
    RectificationEvent,
    RectificationEvidence,
    RectificationSource,
)
from core.rectification.selectors import (
    RectificationFilters,
    evidence_photo_response,
    rectification_clocks,
    rectification_evidence_photo_get,
    rectification_list,
)
from core.registry.models import Household


class RectificationEvidenceOut(serializers.ModelSerializer):
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = RectificationEvidence
        fields = ["id", "round", "kind", "text", "photo_url", "added_by_name", "added_at"]

    def get_photo_url(self, obj) -> str | None:
        """The API's own download URL (same credentials, rectification.view, scoped to reach)."""
        if not obj.photo:
            return None
        path = reverse(
            "api-rectifications-evidence-photo", kwargs={"pk": obj.rectification_id, "evidence_id": obj.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RectificationEventOut(serializers.ModelSerializer):
    class Meta:
        model = RectificationEvent
        fields = ["step", "round", "at", "actor_name", "note"]


class RectificationOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    next_due_at = serializers.SerializerMethodField(
        help_text="earliest due time of the open clocks (null: none)"
    )
    clocks = serializers.SerializerMethodField()
    evidence = RectificationEvidenceOut(many=True, read_only=True)
    events = RectificationEventOut(many=True, read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "number",
            "source_type",
            "source_id",
            "source_note",
            "problem",
            "title",
            "description",
            "community",
            "community_name",
            "grid",
            "household_id",
            "responsible_user_id",
            "responsible_name",
            "status",
            "round",
            "relapse_count",
            "lookback_days",
            "fixed_at",
            "fixed_by_name",
            "fix_note",
            "verified_at",
            "verified_by_name",
            "verify_note",
            "lookback_at",
            "lookback_note",
            "created_at",
            "created_by_name",
            "next_due_at",
            "clocks",
            "evidence",
            "events",
        ]

    @extend_schema(responses=ClockOut(many=True))
    def get_clocks(self, obj) -> list[dict]:
        return ClockOut(rectification_clocks(obj), many=True).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_due_at(self, obj) -> str | None:
        return next_due_representation(obj)


class RectificationListOut(RectificationOut):
    class Meta(RectificationOut.Meta):
        fields = [f for f in RectificationOut.Meta.fields if f not in ("clocks", "evidence", "events")]


class RectificationIn(serializers.Serializer):
    source_type = serializers.ChoiceField(
        choices=RectificationSource.choices,
        help_text=(
            "upstream; problems turn into items via POST /api/v1/problems/{id}/to-rectification/, "
            "requests via POST /api/v1/requests/{id}/to-rectification/"
        ),
    )
    source_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="not used: requests turn into items only via /requests/{id}/to-rectification/",
    )
    source_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    community = InReach(Community, what="社区", reach=COMMUNITY_ROWS, as_id=True)
    grid = InReach(Grid, what="网格", reach=GRID_ROWS, as_id=True, required=False, allow_null=True, default=None)
    household_id = InReach(Household, what="户", reach=PLACE, as_id=True, required=False, allow_null=True, default=None)
    responsible_user_id = serializers.IntegerField()
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="deadline date; moved to the next working day if it is not one",
    )
    lookback_days = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=365
    )


class RectificationEvidenceIn(serializers.Serializer):
    text = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    photo = serializers.ImageField(required=False, allow_null=True, default=None)


class RectificationNoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class RectificationVerdictIn(RectificationNoteIn):
    passed = serializers.BooleanField()


@extend_schema(tags=["rectifications"])
class RectificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The rectification ledger (整改台账). Verification must be done by someone other than the fixer."""

    required_action = {
        "list": "rectification.view",
        "retrieve": "rectification.view",
        "create": "rectification.edit",
        "evidence": "rectification.edit",
        "fix": "rectification.edit",
        "verify": "rectification.verify",
        "lookback": "rectification.verify",
        "evidence_photo": "rectification.view",
    }
    reach = PLACE
    serializer_class = RectificationOut
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    queryset = Rectification.objects.none()  # for the schema; items come from rows()

    def get_serializer_class(self):
        return RectificationListOut if self.action == "list" else RectificationOut

    def rows(self):
        if self.action != "list":
            return Rectification.objects.select_related("community", "grid", "problem__household", "household")
        params = self.request.query_params
        return rectification_list(
            member=self.request.member,
            filters=RectificationFilters(
                status=params.get("status", ""),
                source_type=params.get("source_type", ""),
                community_id=_int(params.get("community")),
                relapsed=params.get("relapsed") in ("1", "true"),
            ),
        )

    def perform_content_negotiation(self, request, force=False):
        # A photo download answers with the file itself, whatever the client's Accept header says.
        return super().perform_content_negotiation(request, force=force or self.action == "evidence_photo")

    @extend_schema(
        parameters=[OpenApiParameter("evidence_id", int, OpenApiParameter.PATH)],
        responses={(200, "image/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>[0-9]+)/photo")
    def evidence_photo(self, request, pk=None, evidence_id=None):
        """One evidence photo (its bytes); 404 unless the item is within your reach."""
        return evidence_photo_response(
            rectification_evidence_photo_get(member=request.member, pk=pk, evidence_id=int(evidence_id))
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="not confirmed (default), all, or one status"),
            OpenApiParameter("source_type", str),
            OpenApiParameter("community", int),
            OpenApiParameter("relapsed", bool),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RectificationIn, responses={201: RectificationOut})
    def create(self, request):
        data = self.validated(RectificationIn, request.data)
        community, grid = place_for_new(request.member, community_id=data.pop("community"), grid_id=data.pop("grid"))
        item = services.rectification_create(actor=request.member, community=community, grid=grid, **data)
        return Response(RectificationOut(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": RectificationEvidenceIn, "application/json": RectificationEvidenceIn},
        responses={201: RectificationEvidenceOut},
    )
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        """Add evidence: a text, a photo (multipart), or both."""
        data = self.validated(RectificationEvidenceIn, request.data)
        evidence = services.rectification_add_evidence(item=self.get_object(), actor=request.member, **data)
        return Response(RectificationEvidenceOut(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RectificationNoteIn, responses=RectificationOut)
    @action(detail=True, methods=["post"])
    def fix(self, request, pk=None):
        data = self.validated(RectificationNoteIn, request.data)
        return Response(
            RectificationOut(
                services.rectification_fix(item=self.get_object(), actor=request.member, **data)
            ).data
        )

    @extend_schema(request=RectificationVerdictIn, responses=RectificationOut)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Verification by someone other than the fixer: passed starts the look-back clock; failed reopens."""
        data = self.validated(RectificationVerdictIn, request.data)
        return Response(
            RectificationOut(
                services.rectification_verify(item=self.get_object(), actor=request.member, **data)
            ).data
        )

    @extend_schema(request=RectificationVerdictIn, responses=RectificationOut)
    @action(detail=True, methods=["post"])
    def lookback(self, request, pk=None):
        """The look-back re-check (回头看): failed reopens the item as a relapse."""
        data = self.validated(RectificationVerdictIn, request.data)
        return Response(
            RectificationOut(
                services.rectification_lookback(item=self.get_object(), actor=request.member, **data)
            ).data
        )

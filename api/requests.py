"""/api/v1/requests/: requests (诉求) and one action per lifecycle step."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import COMMUNITY_ROWS, GRID_ROWS, PLACE, InReach, TenantViewSet
from api.clocks import next_due_representation
from core.deadlines.models import Clock
from core.org.models import Community, Grid
from core.org.scope import place_for_new
from core.registry.models import Household
from core.requests import services
from core.requests.models import CitizenRequest, RequestCategory, RequestChannel, RequestEvent, Satisfaction
from core.requests.selectors import RequestFilters, request_clocks, request_list


class ClockOut(serializers.ModelSerializer):
    provisional = serializers.BooleanField(
        source="is_provisional",
        read_only=True,
        help_text="open and computed across a year the district's calendar does not hold (see calendar_missing)",
    )

    class Meta:
        model = Clock
        fields = [
            "id",
            "kind",
            "round",
            "rule",
            "started_at",
            "warn_at",
            "due_at",
            "met_at",
            "state",
            "escalation_level",
            "responsible_user_id",
            "provisional",
            "calendar_missing",
        ]


class RequestEventOut(serializers.ModelSerializer):
    class Meta:
        model = RequestEvent
        fields = ["step", "round", "at", "actor_id", "actor_name", "note"]


class RequestOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True, default=None)
    next_due_at = serializers.SerializerMethodField(
        help_text="earliest due time of the open clocks (null: none)"
    )
    clocks = serializers.SerializerMethodField()
    events = RequestEventOut(many=True, read_only=True)

    class Meta:
        model = CitizenRequest
        fields = [
            "id",
            "number",
            "channel",
            "category",
            "description",
            "requester_name",
            "requester_phone",
            "address",
            "household_id",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "status",
            "round",
            "assignee_user_id",
            "assignee_name",
            "received_at",
            "received_by_name",
            "responded_at",
            "response_note",
            "handled_at",
            "handling_note",
            "feedback_at",
            "feedback_note",
            "satisfaction",
            "closed_at",
            "next_due_at",
            "clocks",
            "events",
        ]

    @extend_schema(responses=ClockOut(many=True))
    def get_clocks(self, obj) -> list[dict]:
        return ClockOut(request_clocks(obj), many=True).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_due_at(self, obj) -> str | None:
        return next_due_representation(obj)


class RequestListOut(RequestOut):
    class Meta(RequestOut.Meta):
        fields = [f for f in RequestOut.Meta.fields if f not in ("clocks", "events")]


class RequestIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=RequestChannel.choices, default=RequestChannel.API)
    category = serializers.ChoiceField(choices=RequestCategory.choices)
    description = serializers.CharField(max_length=4000)
    requester_name = serializers.CharField(max_length=50)
    requester_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    community = InReach(
        Community, reach=COMMUNITY_ROWS, as_id=True, required=False, allow_null=True, default=None,
        help_text="required unless household_id is given",
    )
    grid = InReach(Grid, what="网格", reach=GRID_ROWS, as_id=True, required=False, allow_null=True, default=None)
    household_id = InReach(
        Household,
        reach=PLACE,
        as_id=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="the household (in your reach); its community and grid are then used",
    )
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class RequestNoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class RequestFeedbackIn(RequestNoteIn):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)


class RequestCloseIn(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class RequestReopenIn(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class RequestAssignIn(serializers.Serializer):
    assignee_user_id = serializers.IntegerField()


class ToRectificationIn(serializers.Serializer):
    responsible_user_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


@extend_schema(tags=["requests"])
class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Requests (诉求) in the caller's reach, the most urgent first. Each lifecycle step is a POST action."""

    required_action = {
        "list": "request.view",
        "retrieve": "request.view",
        "create": "request.create",
        "respond": "request.respond",
        "handle": "request.handle",
        "feedback": "request.feedback",
        "close": "request.close",
        "reopen": "request.handle",
        "assign": "request.handle",
        "to_rectification": "rectification.edit",
    }
    reach = PLACE
    serializer_class = RequestOut
    queryset = CitizenRequest.objects.none()  # for the schema; requests come from rows()

    def get_serializer_class(self):
        return RequestListOut if self.action == "list" else RequestOut

    def rows(self):
        if self.action != "list":
            return CitizenRequest.objects.select_related("community", "grid", "household")
        params = self.request.query_params
        filters = RequestFilters(
            status=params.get("status", ""),
            category=params.get("category", ""),
            channel=params.get("channel", ""),
            community_id=_int(params.get("community")),
            grid_id=_int(params.get("grid")),
            q=params.get("q", ""),
            mine_user_id=self.request.user.pk if params.get("mine") in ("1", "true") else None,
            household_id=_int(params.get("household")),
        )
        return request_list(member=self.request.member, filters=filters)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="open (default), all, or one status"),
            OpenApiParameter("category", str),
            OpenApiParameter("channel", str),
            OpenApiParameter("community", int),
            OpenApiParameter("grid", int),
            OpenApiParameter("q", str, description="name, number or phone"),
            OpenApiParameter("mine", bool, description="only requests assigned to me"),
            OpenApiParameter("household", int, description="only requests linked to this household"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RequestIn, responses={201: RequestOut})
    def create(self, request):
        data = self.validated(RequestIn, request.data)
        member = request.member
        community_id, grid_id = data.pop("community"), data.pop("grid")
        community = grid = None
        if data["household_id"] is None:  # with a household, the service takes its community and grid
            if community_id is None:
                from django.core.exceptions import ValidationError

                raise ValidationError(
                    {"community": ["请选择社区(村)或关联户 / community or household_id is required"]}
                )
            community, grid = place_for_new(member, community_id=community_id, grid_id=grid_id)
        obj = services.request_receive(actor=member, community=community, grid=grid, **data)
        return Response(RequestOut(obj).data, status=status.HTTP_201_CREATED)

    def _step(self, request, pk, serializer, service):
        data = self.validated(serializer, request.data)
        obj = service(request=self.get_object(), actor=request.member, **data)
        return Response(RequestOut(obj).data)

    @extend_schema(request=RequestNoteIn, responses=RequestOut)
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        """Record the first response (meets the 1-hour clock)."""
        return self._step(request, pk, RequestNoteIn, services.request_respond)

    @extend_schema(request=RequestNoteIn, responses=RequestOut)
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        """Record the handling (meets the 24-hour clock)."""
        return self._step(request, pk, RequestNoteIn, services.request_handle)

    @extend_schema(request=RequestFeedbackIn, responses=RequestOut)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """Record the feedback to the requester and their satisfaction (meets the feedback clock)."""
        return self._step(request, pk, RequestFeedbackIn, services.request_feedback)

    @extend_schema(request=RequestCloseIn, responses=RequestOut)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(request, pk, RequestCloseIn, services.request_close)

    @extend_schema(request=RequestReopenIn, responses=RequestOut)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen after feedback or closure: handled again with new handle and feedback clocks."""
        return self._step(request, pk, RequestReopenIn, services.request_reopen)

    @extend_schema(request=RequestAssignIn, responses=RequestOut)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._step(request, pk, RequestAssignIn, services.request_assign)

    @extend_schema(request=ToRectificationIn, responses={201: dict})
    @action(detail=True, methods=["post"], url_path="to-rectification")
    def to_rectification(self, request, pk=None):
        """Open a rectification item from this request (a hazard that needs fixing and a look-back)."""
        from api.rectifications import RectificationOut
        from core.rectification.services import rectification_from_request

        data = self.validated(ToRectificationIn, request.data)
        item = rectification_from_request(
            request=self.get_object(), actor=request.member, **data
        )
        return Response(RectificationOut(item).data, status=status.HTTP_201_CREATED)


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None

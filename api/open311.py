"""Open311 GeoReport v2 on every street office's site: ``/open311/v2/…``, JSON and XML.

- ``GET  services.{json|xml}`` — the request categories (诉求类别) as services.
- ``GET  services/{service_code}.{json|xml}`` — a service definition: the attributes a POST takes
  (``attribute[community]``, ``attribute[grid]``) with this street's communities and grids.
- ``POST requests.{json|xml}`` — a new request (诉求) through ``core.requests.services.request_receive``
  (its three clocks start); answers ``[{"service_request_id", "service_notice", "account_id"}]``, 201.
- ``GET  requests.{json|xml}`` — requests by ``service_request_id`` (comma-separated), ``service_code``,
  ``status`` (open/closed), ``start_date``/``end_date`` (ISO 8601; default the last 90 days), at
  most 1000, newest first.
- ``GET  requests/{service_request_id}.{json|xml}`` — one request, as a one-element list.

``service_request_id`` is our request number (e.g. ``SQ20261201-00012``). ``status`` is ``open`` until
the request is closed (已办结); ``status_notes`` names the lifecycle step (``已响应 (responded)``).
Authentication: ``api_key`` parameter (our API keys: ``requests:read`` to read, ``requests:write`` to
post) or the usual ``Authorization`` header. Errors in the GeoReport format:
``[{"code": 400, "description": "…"}]`` / ``<errors><error><code/><description/></error></errors>``.
Spec: https://wiki.open311.org/GeoReport_v2/ ; ADR: docs/adr/0052-open311.md.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.urls import path, register_converter
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from api.base import TenantApi
from core.deadlines.services import clocks_of
from core.org.scope import communities_in_reach, grids_in_reach, place_for_new
from core.requests import services
from core.requests.models import CitizenRequest, RequestCategory, RequestChannel, RequestStatus
from core.requests.selectors import RequestFilters, request_list

MAX_RESULTS = 1000
DEFAULT_DAYS = 90
_ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value"}


class FormatConverter:
    """``json`` or ``xml``: the response format, as the GeoReport paths end (``requests.json``)."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")


class Open311XmlRenderer(BaseRenderer):
    """GeoReport XML: a list becomes ``<root><item>…</item></root>`` (``services``/``service``,
    ``service_requests``/``request``, ``errors``/``error``); ``None`` an empty element."""

    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        view = context.get("view")
        root = "errors" if response is not None and response.status_code >= 400 else getattr(view, "xml_root", "root")
        element = _to_xml(root, data)
        return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")


def _to_xml(tag: str, value) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, list):
        for item in value:
            element.append(_to_xml(_ITEM.get(tag, "item"), item))
    elif isinstance(value, dict):
        for key, item in value.items():
            element.append(_to_xml(str(key), item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


ANONYMOUS = "匿名（Open311）"


class Open311Api(TenantApi):
    """Format by the path's ending, errors in the GeoReport shape, ``api_key`` as a parameter."""

    _kit = True  # an abstract base: each endpoint below declares its required_action
    api_key_param = True  # read by api.auth.ApiKeyAuthentication
    renderer_classes = [JSONRenderer, Open311XmlRenderer]
    xml_root = "root"

    def get_renderers(self):
        fmt = (getattr(self, "kwargs", None) or {}).get("fmt")
        if fmt == "xml":
            return [Open311XmlRenderer()]
        if fmt == "json":
            return [JSONRenderer()]
        return [JSONRenderer(), Open311XmlRenderer()]  # the schema lists both

    def perform_content_negotiation(self, request, force=False):
        renderer = self.get_renderers()[0]  # the path decides, not the Accept header
        return renderer, renderer.media_type

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code >= 400 and isinstance(response.data, dict):
            description = str(response.data.get("message") or response.data.get("detail") or "")
            details = response.data.get("details") or {}
            if details:
                description += " " + "; ".join(
                    f"{field}: {' '.join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))}"
                    for field, msgs in details.items()
                )
            response.data = [{"code": response.status_code, "description": description.strip()}]
        return response


_FMT = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["json", "xml"], description="json or xml")
_API_KEY = OpenApiParameter("api_key", str, required=False,
                            description="an API key `prefix.secret` (or send the Authorization header)")

class Open311ServiceOut(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField()
    group = serializers.CharField()


class Open311AttributeValueOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class Open311AttributeOut(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.CharField()
    required = serializers.BooleanField()
    datatype_description = serializers.CharField()
    order = serializers.IntegerField()
    description = serializers.CharField()
    values = Open311AttributeValueOut(many=True)


class Open311DefinitionOut(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = Open311AttributeOut(many=True)


class Open311RequestOut(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField()
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField()
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField()
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)
    media_url = serializers.CharField(allow_null=True)


class Open311CreatedOut(serializers.Serializer):
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)


class Open311RequestPostIn(serializers.Serializer):
    """The GeoReport v2 POST parameters we use (form-encoded or JSON); others are accepted and ignored."""

    service_code = serializers.ChoiceField(choices=RequestCategory.values)
    description = serializers.CharField(max_length=4000)
    first_name = serializers.CharField(max_length=25, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=25, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address_string = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
    long = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)
    email = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    device_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    account_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    media_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    api_key = serializers.CharField(required=False, allow_blank=True, default="")
    attribute_community = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**63 - 1,
        help_text="sent as `attribute[community]`: the community id (see the service definition); "
        "needed unless the street has one community in your reach",
    )
    attribute_grid = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                              max_value=2**63 - 1, help_text="sent as `attribute[grid]`")

    def validate(self, attrs):
        if not attrs["address_string"].strip() and (attrs["lat"] is None or attrs["long"] is None):
            raise serializers.ValidationError(
                {"address_string": ["请填写地址或经纬度 / address_string or lat and long is required"]})
        return attrs


def _post_data(request) -> dict:
    """The POST's fields, with ``attribute[x]`` renamed ``attribute_x`` (one value each)."""
    data = request.data
    items = {key: data.get(key) for key in data} if hasattr(data, "getlist") else dict(data or {})
    if isinstance(items.get("attribute"), dict):  # JSON clients may nest attributes
        for key, value in items.pop("attribute").items():
            items[f"attribute_{key}"] = value
    for key in list(items):
        if key.startswith("attribute[") and key.endswith("]"):
            items[f"attribute_{key[10:-1]}"] = items.pop(key)
    return items


def _status_of(obj: CitizenRequest) -> str:
    return "closed" if obj.status == RequestStatus.CLOSED else "open"


def _expected(obj: CitizenRequest) -> dt.datetime | None:
    open_clocks = [c for c in clocks_of(obj, order=("due_at", "id")) if c.is_open]
    return open_clocks[0].due_at if open_clocks else None


def request_representation(obj: CitizenRequest, office) -> dict:
    """One request in the GeoReport shape (no requester name or phone)."""
    round_note = f"，第{obj.round}轮" if obj.round > 1 else ""
    expected = _expected(obj)
    return {
        "service_request_id": obj.number or str(obj.pk),
        "status": _status_of(obj),
        "status_notes": f"{obj.get_status_display()}{round_note} ({obj.status})",
        "service_name": obj.get_category_display(),
        "service_code": obj.category,
        "description": obj.description,
        "agency_responsible": f"{office.name} {obj.community.name}" if office else obj.community.name,
        "service_notice": "",
        "requested_datetime": obj.received_at.isoformat(),
        "updated_datetime": obj.updated_at.isoformat(),
        "expected_datetime": expected.isoformat() if expected else None,
        "address": obj.address,
        "address_id": None,
        "zipcode": None,
        "lat": None if obj.latitude is None else float(obj.latitude),
        "long": None if obj.longitude is None else float(obj.longitude),
        "media_url": None,
    }


class ServicesApi(Open311Api):
    """GET services: the request categories (诉求类别)."""

    required_action = "request.view"
    xml_root = "services"

    @extend_schema(tags=["open311"], parameters=[_FMT, _API_KEY], responses=Open311ServiceOut(many=True),
                   operation_id="open311_services")
    def get(self, request, fmt):
        return Response([
            {"service_code": code, "service_name": str(label), "description": str(label), "metadata": True,
             "type": "realtime", "keywords": code, "group": "诉求"}
            for code, label in RequestCategory.choices
        ])


class ServiceDefinitionApi(Open311Api):
    """GET a service definition: the attributes a POST takes, with this street's communities and grids."""

    required_action = "request.view"
    xml_root = "service_definition"

    @extend_schema(tags=["open311"], parameters=[_FMT, _API_KEY], responses=Open311DefinitionOut,
                   operation_id="open311_service_definition")
    def get(self, request, service_code, fmt):
        if service_code not in RequestCategory.values:
            raise exceptions.NotFound("没有此类服务 / no such service_code")
        member = request.member
        communities = [{"key": str(c.pk), "name": c.name} for c in communities_in_reach(member).order_by("pk")]
        grids = [{"key": str(g.pk), "name": f"{g.community.name} {g.name}"}
                 for g in grids_in_reach(member).order_by("pk")]
        return Response({"service_code": service_code, "attributes": [
            {"variable": True, "code": "community", "datatype": "singlevaluelist", "required": len(communities) != 1,
             "datatype_description": "社区(村) / community", "order": 1, "description": "社区(村)", "values": communities},
            {"variable": True, "code": "grid", "datatype": "singlevaluelist", "required": False,
             "datatype_description": "网格 / grid", "order": 2, "description": "网格", "values": grids},
        ]})


class RequestsApi(Open311Api):
    """GET: requests (filters of the spec); POST: a new request (诉求) with its three clocks."""

    required_action = {"GET": "request.view", "POST": "request.create"}
    xml_root = "service_requests"

    @extend_schema(tags=["open311"], operation_id="open311_requests_list", parameters=[
        _FMT, _API_KEY,
        OpenApiParameter("service_request_id", str, description="comma-separated request numbers"),
        OpenApiParameter("service_code", str, enum=RequestCategory.values),
        OpenApiParameter("status", str, description="open, closed or open,closed"),
        OpenApiParameter("start_date", OpenApiTypes.DATETIME),
        OpenApiParameter("end_date", OpenApiTypes.DATETIME),
    ], responses=Open311RequestOut(many=True))
    def get(self, request, fmt):
        params = request.query_params
        qs = request_list(member=request.member, filters=RequestFilters(status="all"))
        numbers = [n.strip() for n in params.get("service_request_id", "").split(",") if n.strip()]
        if numbers:
            qs = qs.filter(number__in=numbers[:MAX_RESULTS])
        else:
            end = _moment(params, "end_date") or timezone.now()
            start = _moment(params, "start_date") or end - dt.timedelta(days=DEFAULT_DAYS)
            qs = qs.filter(received_at__gte=start, received_at__lte=end)
        code = params.get("service_code", "")
        if code:
            if code not in RequestCategory.values:
                raise ValidationError({"service_code": ["没有此类服务 / no such service_code"]})
            qs = qs.filter(category=code)
        wanted = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        if wanted - {"open", "closed"}:
            raise ValidationError({"status": ["状态只能是 open 或 closed / status: open or closed"]})
        if wanted == {"open"}:
            qs = qs.exclude(status=RequestStatus.CLOSED)
        elif wanted == {"closed"}:
            qs = qs.filter(status=RequestStatus.CLOSED)
        office = request.tenant
        rows = qs.order_by("-received_at", "-id")[:MAX_RESULTS]
        return Response([request_representation(obj, office) for obj in rows])

    @extend_schema(tags=["open311"], operation_id="open311_requests_create", parameters=[_FMT],
                   request={"application/x-www-form-urlencoded": Open311RequestPostIn, "application/json": Open311RequestPostIn},
                   responses={201: Open311CreatedOut(many=True)})
    def post(self, request, fmt):
        data = self.validated(Open311RequestPostIn, _post_data(request))
        member = request.member
        community_id = data["attribute_community"]
        if community_id is None:
            communities = list(communities_in_reach(member).values_list("pk", flat=True)[:2])
            community_id = communities[0] if len(communities) == 1 else None  # one community: it
        try:
            community, grid = place_for_new(member, community_id=community_id, grid_id=data["attribute_grid"])
        except ValidationError as exc:  # named as the GeoReport attributes are
            raise ValidationError({f"attribute[{k}]": v for k, v in exc.message_dict.items()}) from None
        address = data["address_string"].strip()
        if not address and data["lat"] is not None:
            address = f"{data['lat']:.6f},{data['long']:.6f}"
        obj = services.request_receive(
            actor=member, channel=RequestChannel.API, category=data["service_code"],
            description=data["description"],
            # GeoReport v2 lets a report be anonymous; the request then names its source honestly
            requester_name=f"{data['last_name'].strip()}{data['first_name'].strip()}" or ANONYMOUS,
            requester_phone=data["phone"].strip(), address=address, community=community, grid=grid,
            latitude=None if data["lat"] is None else Decimal(str(data["lat"])).quantize(Decimal("0.000001")),
            longitude=None if data["long"] is None else Decimal(str(data["long"])).quantize(Decimal("0.000001")),
        )
        expected = _expected(obj)
        notice = "已受理" + (f"，将于 {timezone.localtime(expected):%Y-%m-%d %H:%M} 前响应" if expected else "")
        return Response([{"service_request_id": obj.number, "service_notice": notice,
                          "account_id": data["account_id"] or None}], status=status.HTTP_201_CREATED)


def _moment(params, name: str) -> dt.datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+")) if "T" in raw else None
    if value is None:
        day = parse_date(raw) if "T" not in raw else None
        if day is None:
            raise ValidationError({name: ["时间格式应为 ISO 8601 / ISO 8601 date-time expected"]})
        value = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not (dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= value <= dt.datetime(2100, 1, 1, tzinfo=dt.UTC)):
        raise ValidationError({name: ["时间超出范围 / date out of range"]})
    return value


class RequestApi(Open311Api):
    """GET one request by its number (a one-element list, as the spec says)."""

    required_action = "request.view"
    xml_root = "service_requests"

    @extend_schema(tags=["open311"], parameters=[_FMT, _API_KEY], responses=Open311RequestOut(many=True),
                   operation_id="open311_request")
    def get(self, request, number, fmt):
        obj = request_list(member=request.member, filters=RequestFilters(status="all")).filter(number=number).first()
        if obj is None:
            raise exceptions.NotFound("没有此诉求，或不在您的负责范围 / no such request in your reach")
        return Response([request_representation(obj, request.tenant)])


urlpatterns = [
    path("services.<fmt:fmt>", ServicesApi.as_view(), name="open311-services"),
    path("services/<str:service_code>.<fmt:fmt>", ServiceDefinitionApi.as_view(), name="open311-service"),
    path("requests.<fmt:fmt>", RequestsApi.as_view(), name="open311-requests"),
    path("requests/<str:number>.<fmt:fmt>", RequestApi.as_view(), name="open311-request"),
]

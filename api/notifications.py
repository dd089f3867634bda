"""/api/v1/notifications/: the signed-in user's inbox (every place), and marking read."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.base import TenantApi
from core.notifications.models import Notification
from core.notifications.services import notification_mark_read


class NotificationOut(serializers.ModelSerializer):
    street_office = serializers.CharField(source="street_office.name", default=None)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "street_office", "created_at", "read_at"]


class NotificationListApi(TenantApi):
    required_action = "notification.view"

    @extend_schema(parameters=[OpenApiParameter("unread", bool)], responses=NotificationOut(many=True))
    def get(self, request):
        qs = Notification.objects.filter(user=request.user).select_related("street_office")
        if request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return Response(NotificationOut(qs[:200], many=True).data)


class NotificationReadApi(TenantApi):
    """Mark notifications read: the given ids, or all unread when ``ids`` is omitted."""

    required_action = "notification.read"

    class NotificationReadIn(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(), required=False, allow_null=True, default=None
        )

    @extend_schema(
        request=NotificationReadIn,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
    )
    def post(self, request):
        data = self.validated(self.NotificationReadIn, request.data)
        return Response({"marked": notification_mark_read(user=request.user, ids=data["ids"])})

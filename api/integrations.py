"""/api/v1/api-keys/, /api/v1/webhooks/, /api/v1/webhook-deliveries/: integrations managed by street
staff (their street office) or the district admin (the district), ``integration.manage``.

An API key can never call these (no scope grants ``integration.manage``): keys do not make keys.
Secrets (a key's full value, a subscription's signing secret) appear once, in the creating answer.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import WHOLE_STREET, TenantViewSet
from core.integrations import keys as key_services
from core.integrations import webhooks as hooks
from core.integrations.events import EVENT_TYPES
from core.integrations.models import ApiKey, WebhookAttempt, WebhookDelivery, WebhookSubscription
from core.integrations.scopes import SCOPES


class ApiKeyOut(serializers.ModelSerializer):
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "allowed_ips", "expires_at", "rate_per_minute", "created_at",
                  "created_by_name", "last_used_at", "last_used_ip", "revoked_at", "revoked_by_name"]


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField(help_text="the full key `prefix.secret`: shown only in this answer")

    class Meta(ApiKeyOut.Meta):
        fields = [*ApiKeyOut.Meta.fields, "key"]


class ApiKeyIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=list(SCOPES)), min_length=1, max_length=20)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    allowed_ips = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list,
                                        max_length=50, help_text="CIDR networks or addresses; empty: any")
    rate_per_minute = serializers.IntegerField(min_value=1, max_value=key_services.MAX_RATE_PER_MINUTE,
                                               default=key_services.DEFAULT_RATE_PER_MINUTE)


@extend_schema(tags=["integrations"])
class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """API keys of this street office (district site: of the district). Create answers the full key once."""

    required_action = {"list": "integration.manage", "retrieve": "integration.manage",
                       "create": "integration.manage", "revoke": "integration.manage"}
    serializer_class = ApiKeyOut
    queryset = ApiKey.objects.none()
    reach = WHOLE_STREET  # public-schema rows of this street office / district (no grid or community)

    def rows(self):
        return key_services.keys_of(self.request.member)

    @extend_schema(request=ApiKeyIn, responses={201: ApiKeyCreatedOut})
    def create(self, request):
        data = self.validated(ApiKeyIn, request.data)
        key, full = key_services.key_create(actor=request.member, **data)
        return Response(ApiKeyOut(key).data | {"key": full}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeyOut)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the key at once (idempotent)."""
        try:
            key = key_services.key_revoke(actor=request.member, key_id=int(pk))
        except ApiKey.DoesNotExist:
            raise Http404 from None
        return Response(ApiKeyOut(key).data)


class WebhookOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "event_types", "is_active", "created_at", "created_by_name"]


class WebhookCreatedOut(WebhookOut):
    secret = serializers.CharField(help_text="the signing secret: shown only in this answer")

    class Meta(WebhookOut.Meta):
        fields = [*WebhookOut.Meta.fields, "secret"]


class WebhookIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=list(EVENT_TYPES)), min_length=1,
                                        max_length=len(EVENT_TYPES))


class WebhookPatchIn(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    url = serializers.URLField(max_length=500, required=False)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=list(EVENT_TYPES)), min_length=1,
                                        max_length=len(EVENT_TYPES), required=False)
    is_active = serializers.BooleanField(required=False)


class AttemptOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["at", "status_code", "error", "duration_ms"]


class DeliveryOut(serializers.ModelSerializer):
    attempt_log = AttemptOut(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "subscription", "event_id", "event_type", "payload", "status", "attempts", "next_attempt_at",
                  "delivered_at", "last_status_code", "last_error", "replay_of", "created_at", "attempt_log"]


@extend_schema(tags=["integrations"])
class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Webhook subscriptions of this street office (district site: of the district and its streets'
    events). Create answers the signing secret once."""

    required_action = {a: "integration.manage" for a in
                       ("list", "retrieve", "create", "partial_update", "destroy", "deliveries")}
    serializer_class = WebhookOut
    queryset = WebhookSubscription.objects.none()
    reach = WHOLE_STREET  # public-schema rows of this street office / district

    def rows(self):
        return hooks.subscriptions_of(self.request.member)

    @extend_schema(request=WebhookIn, responses={201: WebhookCreatedOut})
    def create(self, request):
        data = self.validated(WebhookIn, request.data)
        sub, secret = hooks.subscription_create(actor=request.member, **data)
        return Response(WebhookOut(sub).data | {"secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookPatchIn, responses=WebhookOut)
    def partial_update(self, request, pk=None):
        data = self.validated(WebhookPatchIn, request.data)
        try:
            sub = hooks.subscription_update(actor=request.member, subscription_id=int(pk), **data)
        except WebhookSubscription.DoesNotExist:
            raise Http404 from None
        return Response(WebhookOut(sub).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        try:
            hooks.subscription_delete(actor=request.member, subscription_id=int(pk))
        except WebhookSubscription.DoesNotExist:
            raise Http404 from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=DeliveryOut(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The delivery log of this subscription, newest first (each with its attempts)."""
        self.get_object()
        queryset = hooks.deliveries_of(request.member, subscription_id=int(pk)).prefetch_related("attempt_log")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeliveryOut(page, many=True).data)


@extend_schema(tags=["integrations"])
class WebhookDeliveryViewSet(mixins.RetrieveModelMixin, TenantViewSet):
    """One logged delivery; ``replay`` sends its event again (a new delivery)."""

    required_action = {"retrieve": "integration.manage", "replay": "integration.manage"}
    serializer_class = DeliveryOut
    queryset = WebhookDelivery.objects.none()
    reach = WHOLE_STREET  # public-schema rows of this street office / district

    def rows(self):
        return hooks.deliveries_of(self.request.member).prefetch_related("attempt_log")

    @extend_schema(request=None, responses={202: DeliveryOut})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        try:
            replay = hooks.delivery_replay(actor=request.member, delivery_id=int(pk))
        except WebhookDelivery.DoesNotExist:
            raise Http404 from None
        return Response(DeliveryOut(replay).data, status=status.HTTP_202_ACCEPTED)


def register(router) -> None:
    router.register("api-keys", ApiKeyViewSet, basename="api-keys")
    router.register("webhooks", WebhookViewSet, basename="api-webhooks")
    router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="api-webhook-deliveries")

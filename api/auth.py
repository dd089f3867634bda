"""Authentication of the API: the token endpoint (audited) and API keys (``Api-Key <prefix>.<secret>``)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.audit.services import audit_record
from core.integrations.keys import KeyRefused, key_check, key_rate_wait
from nuandong.login_guard import client_ip

API_KEY_PREFIX = "Api-Key "


class TokenObtainApi(APIView):
    """Exchange username and password for an API token. The token works only where the user is a member.

    Protected like the web sign-in (nuandong/login_guard.py): too many failures answer 429
    ``{"code": "locked_out"}``. Every issued token is audited (``auth.token_issue``, in the schema of
    the site asked)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AuthTokenSerializer, responses=inline_serializer("Token", {"token": serializers.CharField()})
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, created = Token.objects.get_or_create(user=user)
        audit_record(
            actor=user,
            action="auth.token_issue",
            obj=user,
            after={"new_token": created, "ip": client_ip(request._request)},
        )
        return Response({"token": token.key})


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>`` (or, on views with ``api_key_param = True`` such
    as Open311, an ``api_key`` parameter). Authenticates as the key's creator; ``request.auth`` is
    the :class:`~core.integrations.models.ApiKey`, which ``api.base`` uses to narrow the member to
    the key's scopes. Refusals: 401 ``invalid`` / ``revoked`` / ``expired`` / ``wrong_site``, 403
    ``ip_not_allowed``, 429 ``throttled`` with ``Retry-After`` (per key, ``rate_per_minute``)."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        raw = header[len(API_KEY_PREFIX):] if header.startswith(API_KEY_PREFIX) else None
        if raw is None:
            view = (getattr(request, "parser_context", None) or {}).get("view")
            if not getattr(view, "api_key_param", False):
                return None
            raw = request.query_params.get("api_key")
            if raw is None and request.method == "POST":
                raw = request._request.POST.get("api_key") if _is_form(request) else None
            if raw is None:
                return None
        django_request = request._request
        try:
            key = key_check(raw=str(raw), tenant=getattr(django_request, "tenant", None), ip=client_ip(django_request))
        except KeyRefused as refused:
            if refused.code == "ip_not_allowed":
                raise exceptions.PermissionDenied(refused.message, code=refused.code) from None
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        if not key.created_by.is_active:
            raise exceptions.AuthenticationFailed("密钥创建人账号已停用 / the key's creator is disabled", code="invalid")
        wait = key_rate_wait(key)
        if wait:
            raise exceptions.Throttled(wait=wait, detail=f"此密钥请求过于频繁，请{wait}秒后再试 / too many requests")
        return key.created_by, key

    def authenticate_header(self, request):
        return self.keyword


def _is_form(request) -> bool:
    return (request.content_type or "").startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix>.<secret>`: a key made by street staff or the district admin "
            "(接口密钥, shown once). Narrowed to its scopes.",
        }

"""The one base of every API view: authentication, membership and role permission, fixed.

Subclasses declare ``required_action`` (one action, or a dict by HTTP method / viewset action)
and may not replace authentication or permission classes: ``__init_subclass__`` refuses it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from api.idempotency import IdempotencyMixin
from api.path_ids import check_path_ids
from tenants.members import member_for
from tenants.roles import ACTIONS


class MemberPermission(BasePermission):
    """Authenticated, a member of this tenant (404 otherwise), and allowed the view's action (403)."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        member = member_for(request.user, getattr(request, "tenant", None))
        if member is None:
            raise Http404
        request.member = member
        request._request.member = member
        action = view.action_for_request(request)
        if action is None:
            return True
        if not member.can(action):
            raise exceptions.PermissionDenied(
                detail=f"当前角色无权执行此操作 / your role may not do this ({action})",
                code="permission_denied",
            )
        return True


_FIXED = ("authentication_classes", "permission_classes")


class ScopedApiMixin(IdempotencyMixin):  # Idempotency-Key on every POST (api/idempotency.py)
    required_action: ClassVar[str | dict[str, str | None] | None]
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [MemberPermission]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _FIXED:
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} may not override {name}: the API base class fixes it")
        required = cls.__dict__.get("required_action", getattr(cls, "required_action", ...))
        if required is ...:
            raise TypeError(f"{cls.__name__} must declare required_action")
        for action in required.values() if isinstance(required, dict) else [required]:
            if action is not None and action not in ACTIONS:
                raise TypeError(f"{cls.__name__}: unknown action {action!r}")

    def action_for_request(self, request) -> str | None:
        required = self.required_action
        if not isinstance(required, dict):
            return required
        key = getattr(self, "action", None)
        if key in required:
            return required[key]
        if request.method in required:
            return required[request.method]
        if request.method in ("HEAD", "OPTIONS") and "GET" in required:
            return required["GET"]
        raise exceptions.MethodNotAllowed(request.method)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        check_path_ids(kwargs)  # "abc" or 10**30 as {id}: 404, never a database error

    def validated(self, serializer_class: type[serializers.Serializer], data: Any) -> dict:
        serializer = serializer_class(data=data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class TenantApi(ScopedApiMixin, APIView):
    required_action = None


class TenantGenericApi(ScopedApiMixin, GenericAPIView):
    required_action = None


class TenantViewSet(ScopedApiMixin, GenericViewSet):
    required_action = None

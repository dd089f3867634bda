"""The one base of every API view: authentication, membership, role permission and reach, fixed.

Every concrete view declares ``required_action`` (one action of ``tenants.roles.ACTIONS``, a dict
by viewset action / HTTP method, or ``None`` on purpose: any member of the place). Every viewset
also declares ``reach`` (a ``Reach``: how its rows reach a grid / community); the base applies the
member's reach in ``get_queryset``/``get_object`` and a viewset supplies its rows through
``rows()``. ``__init_subclass__`` refuses, when the class is created: a missing or unknown action,
a missing reach, a replaced authentication or permission, and a ``get_queryset``/``get_object`` of
a viewset (or a mixin under it) unless marked with the named hatch ``@reach_hatch("why")``.

Input ids go through ``InReach``: an id outside the caller's reach answers exactly like a missing
one (400, the same message), never 403 or anything else that tells a stranger it exists.
ADR 0045.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from api.auth import ApiKeyAuthentication
from api.idempotency import IdempotencyMixin
from api.path_ids import check_path_ids, is_id
from core.integrations.keys import key_record_use
from core.integrations.models import ApiKey
from core.integrations.scopes import actions_of, scope_for
from core.org.scope import scope_q
from nuandong.login_guard import client_ip
from tenants.members import Member, member_for
from tenants.roles import ACTIONS, DISTRICT_DRILL_DOWN


@dataclass(frozen=True)
class Reach:
    """How rows reach a place of the street: lookup paths from a row to its grid and its community
    (as ``core.org.scope.scope_q`` takes them; ``"pk"`` = the row itself), or ``whole_street`` for
    rows that belong to no grid or community (a catalogue, the street's campaigns) and are seen by
    every member whose role has the view's action.

    ``Reach(grid="grid", community="community")``; ``Reach.via("household")`` for rows hanging off a
    household; ``WHOLE_STREET``.
    """

    grid: str | None = "grid"
    community: str | None = None
    whole_street: bool = False

    @classmethod
    def via(cls, relation: str) -> Reach:
        """Rows that reach their place through ``relation`` (e.g. ``"household"``, ``"target"``)."""
        return cls(grid=f"{relation}__grid", community=f"{relation}__community")

    def q(self, member: Member) -> Q:
        if self.whole_street:
            return Q()
        return scope_q(member, grid=self.grid, community=self.community)

    def filter(self, qs: QuerySet, member: Member) -> QuerySet:
        return qs.filter(self.q(member))


PLACE = Reach(grid="grid", community="community")  # rows with their own grid and community
HOUSEHOLD_ROWS = Reach.via("household")  # rows hanging off a household (persons, visits, needs, ...)
COMMUNITY_ROWS = Reach(grid=None, community="pk")  # the communities themselves
GRID_ROWS = Reach(grid="pk", community="community")  # the grids themselves
WHOLE_STREET = Reach(grid=None, community=None, whole_street=True)

_SCOPED = ("get_queryset", "get_object")


def reach_hatch(reason: str) -> Callable:
    """The named exception to scoping by the base: mark a viewset's own ``get_queryset`` or
    ``get_object`` with the reason it may not go through ``rows()`` + ``reach``. It then scopes by
    itself (and a reviewer reads why)."""

    def mark(function: Callable) -> Callable:
        function.reach_hatch = reason
        return function

    return mark


class MemberPermission(BasePermission):
    """Authenticated, a member of this tenant (404 otherwise), and allowed the view's action (403)."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        member = member_for(request.user, getattr(request, "tenant", None))
        if member is None:
            raise Http404
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is not None:  # a key does what its creator's role AND its scopes allow (core.integrations)
            member = dataclasses.replace(member, allowed=actions_of(key.scopes))
            key_record_use(key=key, member=member, method=request.method, path=request.path,
                           ip=client_ip(request._request))
        request.member = member
        request._request.member = member
        action = view.action_for_request(request)
        if action is None:
            return True
        if not member.can(action):
            if key is not None and member.allowed is not None and action not in member.allowed:
                raise exceptions.PermissionDenied(
                    detail=f"此接口密钥的权限范围不含此操作 / the key's scopes do not allow this ({action}; "
                    f"scope: {', '.join(scope_for(action)) or 'none'})",
                    code="permission_denied",
                )
            if member.read_only and action in DISTRICT_DRILL_DOWN:
                raise exceptions.PermissionDenied(
                    detail="请先说明查阅理由：POST /api/v1/district-access/ {\"reason\": ...}（30 分钟内有效） / "
                           "state a reason first: POST /api/v1/district-access/ (valid 30 minutes)",
                    code="reason_required",
                )
            raise exceptions.PermissionDenied(
                detail=f"当前角色无权执行此操作 / your role may not do this ({action})",
                code="permission_denied",
            )
        if member.uses_drill_down(action):  # read only under a stated reason: logged in both trails
            from tenants.access import street_access_looked

            street_access_looked(member=member, what=f"API {request.method} {request.get_full_path()}")
        return True


_FIXED = ("authentication_classes", "permission_classes")


class ScopedApiMixin(IdempotencyMixin):  # Idempotency-Key on every POST (api/idempotency.py)
    # Declared by every concrete view (the kit's classes below leave it undeclared on purpose).
    required_action: ClassVar[str | dict[str, str | None] | None]
    authentication_classes = [TokenAuthentication, ApiKeyAuthentication, SessionAuthentication]
    permission_classes = [MemberPermission]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _FIXED:
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} may not override {name}: the API base class fixes it")
        if cls.__dict__.get("_kit"):  # the kit's own abstract bases
            return
        if not hasattr(cls, "required_action"):
            raise TypeError(
                f"{cls.__name__} must declare required_action (an action of tenants.roles, a dict by "
                "viewset action / HTTP method, or None on purpose for any member)"
            )
        required = cls.required_action
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
    """A plain endpoint (no rows of its own: it reads through the domain's scoped selectors)."""

    _kit = True


class TenantViewSet(ScopedApiMixin, GenericViewSet):
    """A viewset whose rows the base scopes: declare ``reach`` and, unless the model's rows as they
    are will do, ``rows()``. ``get_queryset`` = ``rows()`` within the member's reach; ``get_object``
    = the row with the path's id among them, else 404 (a stranger's row is a missing row)."""

    _kit = True
    reach: ClassVar[Reach]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_kit"):
            return
        if not isinstance(getattr(cls, "reach", None), Reach):
            raise TypeError(
                f"{cls.__name__} must declare reach = Reach(...) (how its rows reach a grid / community; "
                "WHOLE_STREET for rows of no place)"
            )
        for klass in cls.__mro__:
            if klass is TenantViewSet:
                break
            for name in _SCOPED:
                own = klass.__dict__.get(name)
                if own is not None and not getattr(own, "reach_hatch", None):
                    raise TypeError(
                        f"{cls.__name__} may not override {name}: the base applies the reach (supply rows() "
                        "instead, or mark it @reach_hatch(\"why\"))"
                    )

    def rows(self) -> QuerySet:
        """Every row the viewset serves, before reach (select_related, annotations; list filters may
        look at ``self.action == "list"``). Default: all rows of ``queryset``'s model."""
        return self.queryset.model._default_manager.all()

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no member
            return self.queryset.model._default_manager.none()
        return self.reach.filter(self.rows(), self.request.member)

    def get_object(self) -> Model:
        key = self.lookup_url_kwarg or self.lookup_field
        obj = get_object_or_404(self.get_queryset(), **{self.lookup_field: self.kwargs[key]})
        self.check_object_permissions(self.request, obj)
        return obj


class InReach(serializers.PrimaryKeyRelatedField):
    """An id in the input, resolved only within the caller's reach (``context["request"].member``).

    ``InReach(Household, reach=PLACE, what="户")`` gives the row;
    ``as_id=True`` gives its id (for services taking ``household_id=``). A missing id and a stranger's
    id fail alike: 400 with ``does_not_exist`` for that id; not a number, or out of range: 400
    ``incorrect_type`` / ``does_not_exist``, never a database error.
    """

    default_error_messages = {
        "required": "必填 / this field is required",
        "does_not_exist": "{what}不存在或不在您的负责范围(编号 {pk_value}) / no such {name} in your reach (id {pk_value})",
        "incorrect_type": "应为编号(正整数) / expected an id (a positive whole number)",
    }

    def __init__(
        self, model: type[Model] | QuerySet, *, reach: Reach, what: str = "对象", as_id: bool = False, **kwargs: Any
    ) -> None:
        rows = model if isinstance(model, QuerySet) else model._default_manager.all()
        self.reach = reach
        self.what = what  # the Chinese name in the message: 户, 社区, 物资 ...
        self.as_id = as_id
        super().__init__(queryset=rows, **kwargs)

    def fail(self, key: str, **kwargs: Any) -> None:
        if key == "does_not_exist":
            kwargs |= {"what": self.what, "name": self.get_queryset().model._meta.verbose_name}
        super().fail(key, **kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        member = getattr(request, "member", None)
        if member is None:  # no caller, no reach
            return super().get_queryset().none()
        return self.reach.filter(super().get_queryset(), member)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not is_id(data):
            if str(data).strip().isdigit():
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        obj = self.get_queryset().filter(pk=int(data)).first()
        if obj is None:
            self.fail("does_not_exist", pk_value=data)
        return obj.pk if self.as_id else obj

    def to_representation(self, value: Any) -> Any:
        return value if isinstance(value, int) else super().to_representation(value)

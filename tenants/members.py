"""Who a signed-in user is inside the tenant of the current request.

``member_for(user, tenant)`` is the one place that turns a user and a street office (or the
district site) into a ``Member``; the web middleware and the API base class both call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tenants.models import PUBLIC_SCHEMA, District, Membership, StreetOffice, User
from tenants.roles import (
    DISTRICT_DRILL_DOWN,
    DISTRICT_ROLES,
    DISTRICT_STREET_WRITES,
    ROLE_SCOPE,
    SCOPE_COMMUNITY,
    SCOPE_GRID,
    is_read_action,
    role_can,
    role_label,
)


@dataclass(frozen=True)
class Member:
    user: User
    role: str
    membership_id: int
    district: District | None
    street_office: StreetOffice | None  # None on the district site
    community_id: int | None = None
    grid_id: int | None = None
    # District members looking into one of their street offices may only read there.
    read_only: bool = False
    # An API key narrows its creator's member to the actions of its scopes (core.integrations.scopes).
    allowed: frozenset[str] | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def scope(self) -> str:
        return ROLE_SCOPE[self.role]

    @property
    def is_district(self) -> bool:
        return self.role in DISTRICT_ROLES

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    @property
    def drill_down_open(self) -> bool:
        """A district member inside a street with a stated reason in force there (``tenants.access``)."""
        from django.utils import timezone

        grant = self.extra.get("access_grant")
        return grant is not None and grant.expires_at > timezone.now()

    def uses_drill_down(self, action: str) -> bool:
        """True when ``action`` is allowed only by the stated reason (each such read is logged)."""
        return self.read_only and action in DISTRICT_DRILL_DOWN and not role_can(self.role, action)

    def can(self, action: str) -> bool:
        if not role_can(self.role, action):
            if not (self.read_only and action in DISTRICT_DRILL_DOWN and self.drill_down_open):
                return False
        if self.allowed is not None and action not in self.allowed:
            return False
        if self.read_only and not is_read_action(action) and action not in DISTRICT_STREET_WRITES:
            return False
        if self.scope in (SCOPE_COMMUNITY, SCOPE_GRID) and self.community_id is None and self.grid_id is None:
            # A community/grid role not yet assigned to a community or grid sees nothing narrow.
            return action in {"street.view", "deadline.view", "notification.view", "notification.read"}
        return True


def member_for(user: User, tenant: StreetOffice | None) -> Member | None:
    """The user's Member in this tenant, or None when the user has no business here."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if tenant is None or tenant.schema_name == PUBLIC_SCHEMA:
        membership = (
            Membership.objects.select_related("district")
            .filter(user=user, is_active=True, district__isnull=False)
            .order_by("id")
            .first()
        )
        if membership is None:
            return None
        return Member(
            user=user,
            role=membership.role,
            membership_id=membership.pk,
            district=membership.district,
            street_office=None,
        )
    own = Membership.objects.filter(user=user, is_active=True, street_office=tenant).first()
    if own is not None:
        return Member(
            user=user,
            role=own.role,
            membership_id=own.pk,
            district=tenant.district,
            street_office=tenant,
            community_id=own.community_id,
            grid_id=own.grid_id,
        )
    if tenant.district_id is None:
        return None
    district_membership = Membership.objects.filter(
        user=user, is_active=True, district_id=tenant.district_id, role__in=sorted(DISTRICT_ROLES)
    ).first()
    if district_membership is None:
        return None
    from tenants.access import street_access_open_grant

    return Member(
        user=user,
        role=district_membership.role,
        membership_id=district_membership.pk,
        district=tenant.district,
        street_office=tenant,
        read_only=True,
        extra={"access_grant": street_access_open_grant(user=user, office=tenant)},
    )


def memberships_of(user: User) -> list[Membership]:
    """Every active membership of a user, for the 'where can I work' list."""
    return list(
        Membership.objects.select_related("district", "street_office")
        .prefetch_related("street_office__domains")
        .filter(user=user, is_active=True)
        .order_by("district_id", "street_office_id")
    )

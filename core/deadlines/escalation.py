"""Who hears about a clock: the responsible person first, then up the tiers
grid worker -> community director -> street staff -> street leader -> district."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tenants.models import Membership, StreetOffice

TIERS = ("grid_worker", "community_director", "street_staff", "street_leader", "district_admin")
TIER_LABELS = ("网格员", "社区(村)主任", "街道民政办", "街道领导", "区民政局")
TOP_TIER = len(TIERS) - 1
# The tier a responsible person sits on; escalation starts one tier above it.
ROLE_TIER = {
    "grid_worker": 0,
    "building_head": 0,
    "community_worker": 0,
    "volunteer": 0,
    "community_director": 1,
    "street_staff": 2,
    "enforcement": 2,
    "street_leader": 3,
}
def escalation_step(started_at: dt.datetime, due_at: dt.datetime) -> dt.timedelta:
    """Time between escalation steps: the clock's own span, at least 1 hour and at most 1 day."""
    return max(dt.timedelta(hours=1), min(due_at - started_at, dt.timedelta(days=1)))


@dataclass
class StreetPeople:
    """The street's memberships loaded once per scan: role and place of everyone who can be told."""

    office: StreetOffice
    by_user: dict[int, Membership] = field(default_factory=dict)
    members: list[Membership] = field(default_factory=list)
    district_admins: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, office: StreetOffice) -> StreetPeople:
        members = list(Membership.objects.filter(street_office=office, is_active=True))
        admins = (
            list(
                Membership.objects.filter(
                    district_id=office.district_id, role="district_admin", is_active=True
                ).values_list("user_id", flat=True)
            )
            if office.district_id
            else []
        )
        return cls(
            office=office, by_user={m.user_id: m for m in members}, members=members, district_admins=admins
        )

    def start_tier(self, clock) -> int:
        from core.deadlines.subjects import escalation_start

        registered = escalation_start(clock)  # the subject's domain may know better than the role
        if registered is not None:
            return registered
        member = self.by_user.get(clock.responsible_user_id or -1)
        if member is not None:
            return ROLE_TIER.get(member.role, 0)
        return 0 if (clock.grid_id or clock.community_id) else 2

    def tier_users(self, clock, tier: int) -> set[int]:
        role = TIERS[tier]
        if role == "district_admin":
            return set(self.district_admins)
        found = set()
        for m in self.members:
            if m.role != role:
                continue
            if role == "grid_worker" and (clock.grid_id is None or m.grid_id != clock.grid_id):
                continue
            if role == "community_director" and (
                clock.community_id is None or m.community_id != clock.community_id
            ):
                continue
            found.add(m.user_id)
        return found

    def escalate_to(self, clock, level: int) -> tuple[int, int, set[int]]:
        """For escalation ``level`` (1 = first step): (level actually reached, tier, users).

        Tiers with nobody in them are passed over; at the top the users are the district admins.
        """
        start = self.start_tier(clock)
        tier = min(start + level, TOP_TIER)
        while tier < TOP_TIER and not self.tier_users(clock, tier):
            tier += 1
        return max(tier - start, level), tier, self.tier_users(clock, tier)

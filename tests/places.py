"""Fixtures for street-level domain tests: a community and a grid in street A with people placed in them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tenants.members import member_for
from tenants.models import Membership


@dataclass
class Place:
    office: object
    community: object
    grid: object
    other_community: object
    other_grid: object
    users: dict

    def member(self, key: str):
        return member_for(self.users[key], self.office)


@pytest.fixture
def place(street_a, users, in_street):
    """Community 东社区 with grid 一网格 (and 西社区 / 二网格) in street A; community and grid roles placed there.

    The schema of street A stays active for the test (``connection`` is switched back afterwards).
    """
    from core.org.models import Community, Grid

    ctx = in_street(street_a)
    ctx.__enter__()
    community = Community.objects.create(name="东社区", hotline="0355-2020001", hotline_hours="8:00-18:00")
    grid = Grid.objects.create(community=community, name="一网格")
    other = Community.objects.create(name="西社区", hotline="0355-2020002", hotline_hours="全天")
    other_grid = Grid.objects.create(community=other, name="二网格")
    for role in ("grid_worker", "building_head"):
        Membership.objects.filter(user=users[role], street_office=street_a).update(
            community_id=community.pk, grid_id=grid.pk
        )
    for role in ("community_director", "community_worker", "volunteer"):
        Membership.objects.filter(user=users[role], street_office=street_a).update(community_id=community.pk)
    yield Place(
        office=street_a,
        community=community,
        grid=grid,
        other_community=other,
        other_grid=other_grid,
        users=users,
    )
    ctx.__exit__(None, None, None)

"""Fixtures for the registry and inspections tests: an organisation in street A and people placed in it.

Street A gets two communities (C1 with grids G1, G2; C2 with grid G3) and a building in G1; the
community roles of street A are placed in C1, the grid roles in G1 (all rolled back after the test).
"""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.db import connection

from core.registry.idnumbers import synthetic_id
from tenants.members import member_for
from tenants.models import Membership

_seq = iter(range(1, 1_000_000))
_issued: set[str] = set()


def new_id(birth: dt.date | None = None, region: str = "140402") -> str:
    """A fresh checksum-valid number, unique in this session and (randomly) across sessions that
    reuse the test database's committed street offices."""
    while True:
        day = birth or dt.date(1930, 1, 1) + dt.timedelta(days=random.randrange(25_000))
        number = synthetic_id(region, day, random.randrange(1000))
        if number not in _issued:
            _issued.add(number)
            return number


@pytest.fixture
def org_a(street_a, users):
    from core.org.models import Building, Community, Grid

    connection.set_tenant(street_a)
    c1 = Community.objects.create(name="一社区", hotline="0355-2020201")
    c2 = Community.objects.create(name="二社区")
    g1 = Grid.objects.create(community=c1, name="第一网格")
    g2 = Grid.objects.create(community=c1, name="第二网格")
    g3 = Grid.objects.create(community=c2, name="第三网格")
    b1 = Building.objects.create(grid=g1, name="1号楼")
    for role in ("community_director", "community_worker", "volunteer"):
        Membership.objects.filter(user=users[role], street_office=street_a).update(
            community_id=c1.pk, grid_id=None
        )
    for role in ("grid_worker", "building_head"):
        Membership.objects.filter(user=users[role], street_office=street_a).update(
            community_id=c1.pk, grid_id=g1.pk
        )
    members = {role: member_for(users[role], street_a) for role in users if member_for(users[role], street_a)}
    return SimpleNamespace(c1=c1, c2=c2, g1=g1, g2=g2, g3=g3, b1=b1, members=members, office=street_a)


def make_household(org, *, grid=None, address=None, phone_only=False, actor=None, persons=1, vagrant=False):
    from core.registry.services import household_register, person_register

    grid = grid or org.g1
    actor = actor or org.members["street_staff"]
    household = household_register(
        actor=actor,
        community=grid.community,
        grid=grid,
        address=address or f"测试路{next(_seq)}号",
        phone="13900000000" if phone_only else "",
        phone_only=phone_only,
        phone_only_reason="常年在外地就医" if phone_only else "",
    )
    for i in range(persons):
        person_register(
            actor=actor,
            household=household,
            name=f"人员{i}",
            id_number="" if vagrant else new_id(),
            relation="head" if i == 0 else "child",
            categories=["vagrant"] if vagrant else ["dibao"],
        )
    return household


def full_items(result="ok", **overrides) -> list[dict]:
    from core.inspections.checklist import CHECKLIST

    items = []
    for item in CHECKLIST:
        value = overrides.get(item.code, result)
        items.append({"item": item.code, "result": value, "note": "发现问题" if value == "hazard" else ""})
    return items


def committed_office(slug: str, name: str) -> SimpleNamespace:
    """A street office with its own organisation and accounts, COMMITTED (for a real worker or browser).

    Call inside ``django_db_blocker.unblock()``; created once per test database and reused.
    """
    from django_tenants.utils import schema_context

    from core.org.models import Community, Grid
    from tenants.models import District, StreetOffice, User
    from tenants.services import membership_grant, street_office_create, user_create
    from tests.support import DEMO_TEST_PASSWORD, DISTRICT_A

    office = StreetOffice.objects.filter(slug=slug).first()
    if office is None:
        office = street_office_create(district=District.objects.get(code=DISTRICT_A[0]), slug=slug, name=name)
    with schema_context(office.schema_name):
        community, _ = Community.objects.get_or_create(name=f"{name}社区")
        grid, _ = Grid.objects.get_or_create(community=community, name="第一网格")
    users = {}
    for role in ("street_staff", "grid_worker"):
        username = f"{slug}_{role}"
        user = User.objects.filter(username=username).first() or user_create(
            username=username, password=DEMO_TEST_PASSWORD, full_name=f"{name}{role}"
        )
        membership_grant(
            user=user,
            role=role,
            street_office=office,
            community_id=community.pk if role == "grid_worker" else None,
            grid_id=grid.pk if role == "grid_worker" else None,
        )
        users[role] = user
    return SimpleNamespace(office=office, community=community, grid=grid, users=users)

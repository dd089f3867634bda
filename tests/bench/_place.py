"""Shared set-up of the registry benchmarks: a fresh street office with communities, grids and a staff member."""

from __future__ import annotations

import itertools

from django.db import connection

_counter = itertools.count(1)


def fresh_office(prefix: str, *, communities: int = 5, grids_per_community: int = 4):
    from core.org.models import Community, Grid
    from tenants.members import member_for
    from tenants.models import District, User
    from tenants.services import district_create, membership_grant, street_office_create, user_create

    connection.set_schema_to_public()
    district = District.objects.filter(code="149998").first() or district_create(code="149998", name="基准区")
    n = next(_counter)
    office = street_office_create(district=district, slug=f"{prefix}{n}", name=f"基准街道{prefix}{n}")
    user = User.objects.filter(username="bench_staff").first() or user_create(
        username="bench_staff", password="Bench-pass-2026", full_name="基准民政"
    )
    membership_grant(user=user, role="street_staff", street_office=office)
    connection.set_tenant(office)
    grids = []
    for c in range(communities):
        community = Community.objects.create(name=f"社区{c + 1}", sort_order=c)
        for g in range(grids_per_community):
            grids.append(Grid.objects.create(community=community, name=f"网格{g + 1}"))
    return office, grids, member_for(user, office), user

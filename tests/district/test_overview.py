"""The district's overview (区级总览) and overdue list: figures equal what the street schemas hold."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tenants.utils import tenant_context

from district.figures import district_figures, overdue_across_streets
from tenants.members import member_for
from tests.registry_places import full_items, make_household


def _street_a_with_data(org_a):
    from core.deadlines.services import clock_start
    from core.inspections.services import visit_record

    worker = org_a.members["grid_worker"]
    visited = make_household(org_a)
    make_household(org_a)  # registered, not visited
    visit_record(actor=worker, household=visited, kind="home", items=full_items(gas_safety="hazard"),
                 needs=[{"need_type": "clothing", "quantity": 1, "urgency": "urgent", "description": "棉衣"}])
    past = timezone.now() - dt.timedelta(days=3)
    clock_start(subject=visited, kind="problem", started_at=past, due_at=past + dt.timedelta(days=1),
                now=past, title="测试超时事项", rule="1 天", community_id=org_a.c1.pk, grid_id=org_a.g1.pk)
    return visited


def test_figures_of_each_street_equal_its_own_records(org_a, street_a, street_a2, users):
    from core.inspections.models import Need, Problem
    from core.registry.models import Household

    _street_a_with_data(org_a)
    admin = member_for(users["district_admin"], None)

    from core.rollup.services import rollup_rebuild

    rollup_rebuild(district=street_a.district)
    rows, total = district_figures(member=admin)

    by_slug = {r.slug: r for r in rows}
    assert set(by_slug) >= {street_a.slug, street_a2.slug}
    with tenant_context(street_a):
        expected = (Household.objects.filter(is_active=True).count(),
                    Need.objects.filter(status__in=["open", "in_progress"]).count(),
                    Problem.objects.filter(status="open").count())
    a = by_slug[street_a.slug]
    assert (a.get("households_registered"), a.get("needs_open"), a.get("problems_open")) == expected
    assert a.get("clocks_overdue") >= 1
    assert total.get("households_registered") == sum(r.get("households_registered") for r in rows)
    assert total.get("clocks_overdue") == sum(r.get("clocks_overdue") for r in rows)


def test_the_overdue_list_groups_by_street_and_stays_in_the_district(org_a, street_a, street_b, users):
    _street_a_with_data(org_a)

    groups = overdue_across_streets(member=member_for(users["district_admin"], None))

    group = next(g for g in groups if g.slug == street_a.slug)
    assert any(item.title == "测试超时事项" and item.overdue_hours >= 47 for item in group.items)
    assert street_b.slug not in {g.slug for g in groups}


def test_district_pages_show_figures_and_the_overdue_list(org_a, street_a, users, web_client):
    from core.rollup.services import rollup_rebuild

    _street_a_with_data(org_a)
    rollup_rebuild(district=street_a.district)
    client = web_client(None, users["district_viewer"])

    home = client.get("/?sort=overdue")
    overdue = client.get("/overdue/")

    assert home.status_code == 200 and street_a.name in home.content.decode() and "合计" in home.content.decode()
    assert overdue.status_code == 200 and "测试超时事项" in overdue.content.decode()
    assert client.get("/?sort=drop table").status_code == 200  # unknown sort falls back to name


def test_another_district_sees_nothing_of_ours(org_a, street_a, users, web_client):
    _street_a_with_data(org_a)
    client = web_client(None, users["district_b_admin"])

    overdue, home = client.get("/overdue/").content.decode(), client.get("/").content.decode()

    assert "测试超时事项" not in overdue and street_a.name not in overdue and street_a.name not in home


def test_the_district_api_gives_summary_streets_and_overdue(org_a, street_a, users, api_client):
    from core.rollup.services import rollup_rebuild

    _street_a_with_data(org_a)
    rollup_rebuild(district=street_a.district)
    client = api_client(None, users["district_viewer"])

    summary = client.get("/api/v1/district/summary/").json()
    streets = client.get("/api/v1/district/streets/?sort=-coverage").json()
    overdue = client.get("/api/v1/district/overdue/").json()

    assert summary["total"]["figures"]["households_registered"] == sum(
        s["figures"]["households_registered"] for s in streets)
    assert summary["refreshed_at"] is not None
    assert street_a.slug in {s["slug"] for s in streets}
    assert any(i["title"] == "测试超时事项" for g in overdue if g["slug"] == street_a.slug for i in g["items"])
    assert api_client(street_a, users["street_staff"]).get("/api/v1/district/summary/").status_code == 404


def test_unknown_filters_on_the_district_api_are_errors_not_empty_answers(street_a, users, api_client):
    client = api_client(None, users["district_viewer"])

    for url, field in (("/api/v1/district/overdue/?kind=bogus", "kind"), ("/api/v1/district/streets/?sort=bogus", "sort"),
                       ("/api/v1/district/streets/?sort='", "sort")):
        answer = client.get(url)
        assert answer.status_code == 400 and answer.json()["code"] == "invalid", (url, answer.content)
        assert field in answer.json()["details"]
    assert client.get("/api/v1/district/overdue/?kind=respond").status_code == 200
    assert client.get("/api/v1/district/streets/?sort=-coverage").status_code == 200

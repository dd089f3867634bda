"""Isolation inside one street (issue 7): a grid worker, and a community worker of another community,
against the objects of another community and grid on every URL of the street site, web and API.

The objects of the far place are made while every sequence of the street's schema stands at
``FAR`` - 1, so each of them (household, person, visit, need, problem, request, rectification and
its evidence, relief case, payment, stock movement, building, grid, community) has the id ``FAR``.
Every URL from the resolver with its id parameters set to ``FAR`` must answer exactly as it does
for a missing id (``MISSING``) — never 2xx, never 500 — and every URL without parameters (lists,
forms, dashboards; also with ``?household=FAR&community=FAR&grid=FAR``) must not show the far
place's data. New URLs are covered by the walk without listing them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.isolation.urls import OPEN_PREFIXES, all_urls

FAR = "900001"
MISSING = "900999999"
MARKERS = ("隔壁路9号", "隔壁张三", "隔壁李四", "隔壁救助理由", "隔壁整改事项")

FAR_URLS = [u for u in all_urls("nuandong.urls_tenant", ids=FAR) if not u.path.startswith(OPEN_PREFIXES)]
WITH_IDS = [u for u in FAR_URLS if f"/{FAR}/" in u.path]
WITHOUT_IDS = [u for u in FAR_URLS if f"/{FAR}/" not in u.path and not u.has_params]
QUERY = f"?household={FAR}&community={FAR}&grid={FAR}&person={FAR}&q=隔壁"


@dataclass
class FarPlace:
    office: object
    community: object
    grid: object
    near_community: object
    near_grid: object
    household: object


def _sequences():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s", [connection.schema_name]
        )
        return cursor.fetchall()


def _set_sequences(values) -> None:
    with connection.cursor() as cursor:
        for name, value in values:
            qualified = f'"{connection.schema_name}"."{name}"'
            if value is None:
                cursor.execute("SELECT setval(%s, 1, false)", [qualified])
            else:
                cursor.execute("SELECT setval(%s, %s, true)", [qualified, value])


@pytest.fixture
def far_place(street_a, users, in_street):
    """Community 隔壁社区 / grid 隔壁网格 (ids ``FAR``) full of objects; the community and grid roles of
    street A placed in 本社区 / 本网格. Sequences are put back afterwards; the rows are rolled back."""
    from core.inspections.services import visit_record
    from core.org.models import Building, Community, Grid
    from core.rectification.models import RectificationEvidence
    from core.rectification.services import rectification_from_problem
    from core.registry.services import household_register, person_register
    from core.relief.ledger import item_create, stock_in
    from core.relief.models import Payment
    from core.relief.services import case_accept
    from core.requests.services import request_receive
    from tenants.members import member_for
    from tenants.models import Membership
    from tests.registry_places import full_items, new_id

    ctx = in_street(street_a)
    ctx.__enter__()
    staff = member_for(users["street_staff"], street_a)
    item = item_create(actor=staff, name="隔壁棉被")  # street-wide: made before the sequences move
    saved = _sequences()
    _set_sequences([(name, int(FAR) - 1) for name, _value in saved])
    try:
        with transaction.atomic():  # a savepoint: the sequences go back even after an error
            community = Community.objects.create(name="隔壁社区")
            grid = Grid.objects.create(community=community, name="隔壁网格")
            building = Building.objects.create(grid=grid, name="隔壁楼")
            household = household_register(
                actor=staff, community=community, grid=grid, building=building, address="隔壁路9号"
            )
            person = person_register(
                actor=staff, household=household, name="隔壁张三", id_number=new_id(), relation="head",
                categories=["dibao"],
            )
            visit = visit_record(
                actor=staff,
                household=household,
                kind="home",
                items=full_items(gas_safety="hazard"),
                needs=[{"need_type": "clothing", "quantity": 1, "urgency": "urgent", "person_id": person.pk}],
            )
            problem = visit.problems.get()
            request_receive(
                actor=staff, channel="hotline", category="heating", description="隔壁暖气不热",
                requester_name="隔壁李四", household_id=household.pk,
            )
            item_ = rectification_from_problem(problem=problem, actor=staff, responsible_user_id=staff.user.pk)
            item_.title = "隔壁整改事项"
            item_.save(update_fields=["title"])
            RectificationEvidence.objects.create(
                rectification=item_, kind="text", text="隔壁整改说明", added_at=timezone.now()
            )
            case = case_accept(
                actor=staff, kind="temporary", household_id=household.pk, person_id=person.pk, reason="隔壁救助理由"
            )
            Payment.objects.create(
                case=case, household=household, month=dt.date(2026, 12, 1), expected_amount=500,
                due_on=dt.date(2026, 12, 10),
            )
            stock_in(actor=staff, item_id=item.pk, community_id=community.pk, quantity=3, source="purchase")
            made = {
                "community": community.pk, "grid": grid.pk, "building": building.pk, "household": household.pk,
                "person": person.pk, "visit": visit.pk, "problem": problem.pk, "need": visit.needs.get().pk,
                "rectification": item_.pk, "case": case.pk,
            }
            assert set(made.values()) == {int(FAR)}, made  # every far object under the one id
    finally:
        _set_sequences(saved)
    near = Community.objects.create(name="本社区")
    near_grid = Grid.objects.create(community=near, name="本网格")
    for role in ("grid_worker", "building_head"):
        Membership.objects.filter(user=users[role], street_office=street_a).update(
            community_id=near.pk, grid_id=near_grid.pk
        )
    for role in ("community_director", "community_worker", "volunteer"):
        Membership.objects.filter(user=users[role], street_office=street_a).update(
            community_id=near.pk, grid_id=None
        )
    yield FarPlace(street_a, community, grid, near, near_grid, household)
    ctx.__exit__(None, None, None)


@pytest.mark.parametrize("role", ["grid_worker", "community_worker"])
def test_another_places_objects_answer_like_missing_ones_on_every_url(
    role, far_place, users, web_client, api_client
):
    user = users[role]
    failures = []
    for url in WITH_IDS:
        client = api_client(far_place.office, user) if url.is_api else web_client(far_place.office, user)
        for method in ("get", "post"):
            kwargs = {"format": "json"} if url.is_api and method == "post" else {}
            far = getattr(client, method)(url.path, {}, **kwargs) if method == "post" else client.get(url.path)
            missing_path = url.path.replace(FAR, MISSING)
            missing = (
                getattr(client, method)(missing_path, {}, **kwargs) if method == "post" else client.get(missing_path)
            )
            status = far.status_code
            if status >= 500 or 200 <= status < 300 or status != missing.status_code:
                failures.append(f"{method.upper()} {url.path}: {status} (missing id: {missing.status_code})")
    assert not failures, f"{role} of 本社区 against 隔壁社区:\n" + "\n".join(failures)


@pytest.mark.parametrize("role", ["grid_worker", "community_worker"])
def test_no_page_or_list_shows_another_places_data(role, far_place, users, web_client, api_client):
    user = users[role]
    failures = []
    for url in WITHOUT_IDS:
        client = api_client(far_place.office, user) if url.is_api else web_client(far_place.office, user)
        for path in (url.path, url.path + QUERY):
            response = client.get(path)
            body = response.content.decode(errors="replace") if response.status_code < 300 else ""
            shown = [m for m in MARKERS if m in body]
            if response.status_code >= 500 or shown:
                failures.append(f"GET {path}: {response.status_code} {shown}")
    assert not failures, f"{role} of 本社区 sees 隔壁社区:\n" + "\n".join(failures)


def test_the_far_objects_exist_for_the_street(far_place, users, web_client, api_client):
    """The other side: street staff reach the far objects on the same URLs (so the answers above are
    refusals, not empty URLs)."""
    staff = users["street_staff"]
    reached = []
    for url in WITH_IDS:
        client = api_client(far_place.office, staff) if url.is_api else web_client(far_place.office, staff)
        if client.get(url.path).status_code == 200:
            reached.append(url.path)
    expected = {
        f"/api/v1/{name}/{FAR}/"
        for name in (
            "communities", "grids", "buildings", "households", "persons", "visits", "needs", "problems",
            "requests", "rectifications", "relief-cases", "payments",
        )
    }
    assert expected <= set(reached), sorted(expected - set(reached))
    web = [p for p in reached if not p.startswith("/api/")]
    assert len(web) >= 8, web  # household, request, rectification, case, visit pages ...
    api = api_client(far_place.office, staff)
    assert "隔壁张三" in api.get("/api/v1/persons/").content.decode()

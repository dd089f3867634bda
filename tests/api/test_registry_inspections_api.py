"""API: validation, atomic visit creation, role scoping, full-ID audit, coverage."""

import pytest

from core.audit.models import AuditEvent
from core.inspections.models import Need, Problem, Visit
from core.registry.models import Household, Person
from tests.registry_places import full_items, make_household, new_id


def _visit_body(household, **overrides):
    return {
        "household": household.pk,
        "kind": "home",
        "items": full_items(gas_safety="hazard"),
        "needs": [{"need_type": "clothing", "quantity": 2, "urgency": "urgent"}],
        **overrides,
    }


def test_grid_worker_creates_visit_with_checklist_and_needs_in_one_request(org_a, api_client, users):
    household = make_household(org_a)
    client = api_client(org_a.office, users["grid_worker"])

    response = client.post("/api/v1/visits/", _visit_body(household), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["items"]) == 11 and len(body["needs"]) == 1 and len(body["problems"]) == 1
    assert body["problems"][0]["item"] == "gas_safety"
    needs = client.get("/api/v1/needs/", {"household": household.pk}).json()
    problems = client.get("/api/v1/problems/", {"status": "open"}).json()
    assert needs["count"] == 1 and problems["count"] == 1


@pytest.mark.parametrize(
    "change,detail_key",
    [
        (lambda b: b["items"].pop(), "items"),
        (lambda b: b["needs"][0].update(quantity=-3), "needs"),
        (lambda b: b.update(household=999999), "household"),
    ],
)
def test_bad_visit_is_400_and_nothing_saved(org_a, api_client, users, change, detail_key):
    household = make_household(org_a)
    body = _visit_body(household)
    change(body)
    before = (Visit.objects.count(), Need.objects.count(), Problem.objects.count())

    response = api_client(org_a.office, users["grid_worker"]).post("/api/v1/visits/", body, format="json")

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert any(k.startswith(detail_key) for k in payload["details"]), payload
    assert (Visit.objects.count(), Need.objects.count(), Problem.objects.count()) == before


def test_person_with_bad_checksum_or_phone_is_400(org_a, api_client, users):
    household = make_household(org_a, persons=0)
    client = api_client(org_a.office, users["street_staff"])
    bad_id = new_id()[:17] + ("0" if new_id()[-1] != "0" else "1")
    response = client.post(
        "/api/v1/persons/",
        {
            "household": household.pk,
            "name": "甲",
            "id_number": bad_id[:17] + "Y",
            "categories": ["dibao"],
            "phone": "123",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"id_number", "phone"} <= set(response.json()["details"])
    assert Person.objects.filter(household=household).count() == 0


def test_household_with_unknown_grid_is_400(org_a, api_client, users):
    before = Household.objects.count()
    response = api_client(org_a.office, users["street_staff"]).post(
        "/api/v1/households/", {"community": org_a.c1.pk, "grid": 987654, "address": "x"}, format="json"
    )
    assert response.status_code == 400 and "grid" in response.json()["details"]
    assert Household.objects.count() == before


def test_duplicate_person_in_street_is_400_with_link(org_a, api_client, users):
    number = new_id()
    first = make_household(org_a, persons=0)
    client = api_client(org_a.office, users["street_staff"])
    created = client.post(
        "/api/v1/persons/",
        {"household": first.pk, "name": "乙", "id_number": number, "categories": ["dibao"]},
        format="json",
    ).json()
    other = make_household(org_a, persons=0)
    response = client.post(
        "/api/v1/persons/",
        {"household": other.pk, "name": "乙", "id_number": number, "categories": ["dibao"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["details"]["existing_url"] == f"/api/v1/persons/{created['id']}/"


def test_persons_are_masked_and_full_id_is_audited(org_a, api_client, users):
    household = make_household(org_a, persons=1)
    person = household.persons.get()
    leader = api_client(org_a.office, users["street_leader"])
    listed = leader.get("/api/v1/persons/", {"household": household.pk}).json()["results"][0]
    assert "********" in listed["id_number"]

    full = leader.get(f"/api/v1/persons/{person.pk}/full-id/").json()
    grid_worker = api_client(org_a.office, users["grid_worker"]).get(f"/api/v1/persons/{person.pk}/full-id/")

    assert len(full["id_number"]) == 18 and "*" not in full["id_number"]
    assert grid_worker.status_code == 403
    assert AuditEvent.objects.filter(action="person.view_full_id", object_id=str(person.pk)).count() == 1


# role -> households visible out of (g1, g2, g3) ; None = 403
SCOPE = {
    "street_staff": 3,
    "street_leader": 3,
    "community_director": 2,
    "community_worker": 2,
    "grid_worker": 1,
    "building_head": 1,
    "volunteer": None,
    "enforcement": None,
    "district_admin": None,
    "district_viewer": None,
}


@pytest.mark.parametrize("role,expected", sorted(SCOPE.items()))
def test_household_list_scoping_per_role(org_a, api_client, users, role, expected):
    for grid in (org_a.g1, org_a.g2, org_a.g3):
        make_household(org_a, grid=grid)
    response = api_client(org_a.office, users[role]).get("/api/v1/households/")
    if expected is None:
        assert response.status_code == 403
    else:
        assert response.status_code == 200 and response.json()["count"] == expected


@pytest.mark.parametrize("role", ["community_director", "grid_worker"])
def test_visit_outside_reach_is_refused_like_a_missing_household_and_nothing_saved(org_a, api_client, users, role):
    """Issue 7: a stranger's id answers exactly like a missing one (once 403/404, which told it existed)."""
    household = make_household(org_a, grid=org_a.g3)
    client = api_client(org_a.office, users[role])

    response = client.post("/api/v1/visits/", _visit_body(household), format="json")
    missing = client.post("/api/v1/visits/", _visit_body(household) | {"household": 99999999}, format="json")

    assert response.status_code in (400, 403) and response.status_code == missing.status_code
    assert response.json() == _with_id(missing.json(), "99999999", str(household.pk))
    assert not Visit.objects.filter(household=household).exists()


def _with_id(payload, old: str, new: str):
    import json

    return json.loads(json.dumps(payload, ensure_ascii=False).replace(old, new))


def test_other_street_member_gets_404_and_anonymous_401(org_a, api_client, users):
    assert api_client(org_a.office, users["staff_b"]).get("/api/v1/households/").status_code == 404
    assert api_client(org_a.office, None).get("/api/v1/households/").status_code == 401


def test_district_viewer_sees_coverage_aggregates_but_no_households(org_a, api_client, users):
    make_household(org_a, grid=org_a.g1)
    client = api_client(org_a.office, users["district_viewer"])
    body = client.get("/api/v1/coverage/", {"include": "not_visited"}).json()
    assert body["street"]["registered"] == 1 and "not_visited" not in body
    staff = (
        api_client(org_a.office, users["street_staff"])
        .get("/api/v1/coverage/", {"include": "not_visited"})
        .json()
    )
    assert len(staff["not_visited"]) == 1


def test_org_endpoints_list_and_create(org_a, api_client, users):
    client = api_client(org_a.office, users["street_staff"])
    grids = client.get("/api/v1/grids/", {"community": org_a.c1.pk}).json()
    assert grids["count"] == 2
    assert [w["user_id"] for w in grids["results"][0]["workers"]] == [users["grid_worker"].pk]
    created = client.post(
        "/api/v1/communities/", {"name": "三社区", "hotline": "0355-1234567"}, format="json"
    )
    assert created.status_code == 201
    bad = client.post("/api/v1/communities/", {"name": "四社区", "hotline": "hello"}, format="json")
    assert bad.status_code == 400 and "hotline" in bad.json()["details"]
    refused = api_client(org_a.office, users["grid_worker"]).post(
        "/api/v1/communities/", {"name": "五"}, format="json"
    )
    assert refused.status_code == 403


def test_schema_documents_the_endpoints(org_a, api_client, users):
    response = api_client(org_a.office, users["street_staff"]).get("/api/schema/?format=json")
    paths = response.json()["paths"]
    for name in (
        "communities",
        "grids",
        "buildings",
        "households",
        "persons",
        "visits",
        "needs",
        "problems",
        "coverage",
    ):
        assert f"/api/v1/{name}/" in paths


def test_problem_assign_restarts_the_clock_and_refuses_outsiders(org_a, api_client, users):
    import datetime as dt

    from django.utils import timezone

    from core.deadlines.models import Clock

    household = make_household(org_a)
    client = api_client(org_a.office, users["community_director"])
    visit = client.post("/api/v1/visits/", _visit_body(household), format="json").json()
    problem_id = visit["problems"][0]["id"]
    due = (timezone.now() + dt.timedelta(days=5)).isoformat()

    response = client.post(
        f"/api/v1/problems/{problem_id}/assign/",
        {"responsible_user_id": users["community_worker"].pk, "due_at": due},
        format="json",
    )
    outsider = client.post(
        f"/api/v1/problems/{problem_id}/assign/",
        {"responsible_user_id": users["staff_b"].pk, "due_at": due},
        format="json",
    )
    grid_worker = api_client(org_a.office, users["grid_worker"]).post(
        f"/api/v1/problems/{problem_id}/assign/", {"responsible_name": "x", "due_at": due}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["responsible_name"] == users["community_worker"].display_name()
    clocks = Clock.objects.filter(subject_type="inspections.problem", subject_id=problem_id).order_by("round")
    assert [(c.round, c.state) for c in clocks] == [(1, "cancelled"), (2, "on_track")]
    assert clocks[1].responsible_user_id == users["community_worker"].pk
    assert outsider.status_code == 400 and "responsible_user_id" in outsider.json()["details"]
    assert grid_worker.status_code == 403
    assert Clock.objects.filter(subject_type="inspections.problem", subject_id=problem_id).count() == 2

"""API joints: POST /problems/{id}/to-rectification/, requests with household_id."""

from __future__ import annotations

from core.deadlines.models import Clock, ClockState
from core.inspections.models import Problem
from core.inspections.services import visit_record
from core.rectification.models import Rectification
from core.requests.models import CitizenRequest
from tests.registry_places import full_items, make_household


def hazard(org, grid=None) -> Problem:
    household = make_household(org, grid=grid)
    visit_record(
        actor=org.members["street_staff"],
        household=household,
        kind="home",
        items=full_items(gas_safety="hazard"),
    )
    return Problem.objects.get(household=household)


def state(problem):
    problem.refresh_from_db()
    return (
        Rectification.objects.count(),
        Clock.objects.count(),
        problem.status,
        Clock.objects.get(subject_type="inspections.problem", subject_id=problem.pk).state,
    )


def test_problem_to_rectification(org_a, users, api_client):
    problem = hazard(org_a)
    staff = api_client(org_a.office, users["street_staff"])
    url = f"/api/v1/problems/{problem.pk}/to-rectification/"

    created = staff.post(url, {"responsible_user_id": users["grid_worker"].pk}, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["source_type"], body["problem"], body["household_id"]) == (
        "problem",
        problem.pk,
        problem.household_id,
    )
    assert [c["kind"] for c in body["clocks"]] == ["rectify"]
    shown = staff.get(f"/api/v1/problems/{problem.pk}/").json()
    assert shown["rectification"] == {"id": body["id"], "number": body["number"]}
    assert state(problem)[3] == ClockState.CANCELLED

    before = state(problem)
    again = staff.post(url, {}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "invalid"
    assert "已转入整改台账" in again.json()["message"] + str(again.json()["details"])
    assert state(problem) == before

    resolve = staff.post(f"/api/v1/problems/{problem.pk}/resolve/", {"note": "自行销号"}, format="json")
    assert resolve.status_code == 400 and state(problem) == before


def test_problem_to_rectification_refusals_change_nothing(org_a, users, api_client):
    problem = hazard(org_a, grid=org_a.g2)
    url = f"/api/v1/problems/{problem.pk}/to-rectification/"
    before = state(problem)

    # The grid worker (G1) may rectify but cannot see a G2 problem; the building head may not rectify.
    assert api_client(org_a.office, users["grid_worker"]).post(url, {}, format="json").status_code == 404
    assert api_client(org_a.office, users["building_head"]).post(url, {}, format="json").status_code == 403
    # A problem cannot be typed into the rectification ledger directly.
    manual = api_client(org_a.office, users["street_staff"]).post(
        "/api/v1/rectifications/",
        {
            "source_type": "problem",
            "source_id": problem.pk,
            "title": "燃气软管老化",
            "community": org_a.c1.pk,
            "responsible_user_id": users["grid_worker"].pk,
        },
        format="json",
    )
    assert manual.status_code == 400 and "source_type" in manual.json()["details"]

    assert state(problem) == before


def test_request_with_household_id(org_a, users, api_client):
    household = make_household(org_a, grid=org_a.g1)
    elsewhere = make_household(org_a, grid=org_a.g2)
    worker = api_client(org_a.office, users["grid_worker"])
    body = {"category": "heating", "description": "暖气不热", "requester_name": "张大爷"}

    created = worker.post("/api/v1/requests/", body | {"household_id": household.pk}, format="json")

    assert created.status_code == 201, created.content
    assert (created.json()["household_id"], created.json()["community"], created.json()["grid"]) == (
        household.pk,
        org_a.c1.pk,
        org_a.g1.pk,
    )
    listed = worker.get(f"/api/v1/requests/?household={household.pk}&status=all").json()
    assert [r["id"] for r in listed["results"]] == [created.json()["id"]]

    for bad, message in ((elsewhere.pk, "不在您的负责范围"), (424242, "不存在")):
        refused = worker.post("/api/v1/requests/", body | {"household_id": bad}, format="json")
        assert refused.status_code == 400
        assert message in refused.json()["details"]["household_id"][0]
    missing = worker.post("/api/v1/requests/", body, format="json")
    assert missing.status_code == 400 and "community" in missing.json()["details"]
    assert CitizenRequest.objects.count() == 1

"""/api/v1/requests/: the lifecycle through the API, illegal steps and refusals change nothing."""

from __future__ import annotations

from core.audit.services import model_snapshot
from core.deadlines.models import Clock
from core.requests.models import CitizenRequest, RequestEvent


def create(client, place, **extra):
    body = {
        "channel": "hotline",
        "category": "heating",
        "description": "家里暖气不热",
        "requester_name": "王大妈",
        "requester_phone": "13900000002",
        "community": place.community.pk,
        "grid": place.grid.pk,
    } | extra
    return client.post("/api/v1/requests/", body, format="json")


def test_full_lifecycle_through_the_api(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    grid = api_client(place.office, place.users["grid_worker"])
    director = api_client(place.office, place.users["community_director"])

    created = create(staff, place)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert [c["kind"] for c in created.json()["clocks"]] == ["respond", "handle", "feedback"]

    assert (
        grid.post(f"/api/v1/requests/{pk}/respond/", {"note": "已电话联系"}, format="json").status_code == 200
    )
    assert (
        director.post(f"/api/v1/requests/{pk}/handle/", {"note": "已送电暖器"}, format="json").status_code
        == 200
    )
    fed = grid.post(
        f"/api/v1/requests/{pk}/feedback/", {"note": "回访满意", "satisfaction": "satisfied"}, format="json"
    )
    assert fed.status_code == 200
    closed = director.post(f"/api/v1/requests/{pk}/close/", {}, format="json")
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "closed"
    assert [e["step"] for e in body["events"]] == [
        "received",
        "responded",
        "handled",
        "feedback_given",
        "closed",
    ]
    assert {c["kind"]: c["state"] for c in body["clocks"]} == {
        "respond": "met_on_time",
        "handle": "met_on_time",
        "feedback": "met_on_time",
    }

    reopened = director.post(f"/api/v1/requests/{pk}/reopen/", {"reason": "暖气又坏了"}, format="json")
    assert reopened.json()["status"] == "responded" and reopened.json()["round"] == 2
    open_kinds = sorted(c["kind"] for c in reopened.json()["clocks"] if c["state"] == "on_track")
    assert open_kinds == ["feedback", "handle"]


def test_feedback_before_handled_is_refused_and_changes_nothing(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    pk = create(staff, place).json()["id"]
    staff.post(f"/api/v1/requests/{pk}/respond/", {"note": "已联系"}, format="json")
    obj = CitizenRequest.objects.get(pk=pk)
    before = (
        model_snapshot(obj),
        list(Clock.objects.filter(subject_id=pk).values()),
        RequestEvent.objects.count(),
    )

    response = staff.post(
        f"/api/v1/requests/{pk}/feedback/", {"note": "x", "satisfaction": "satisfied"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "不能办理「反馈」" in response.json()["details"]["status"][0]
    obj.refresh_from_db()
    assert (
        model_snapshot(obj),
        list(Clock.objects.filter(subject_id=pk).values()),
        RequestEvent.objects.count(),
    ) == before


def test_closing_before_feedback_is_refused(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    pk = create(staff, place).json()["id"]

    response = staff.post(f"/api/v1/requests/{pk}/close/", {}, format="json")

    assert response.status_code == 400
    assert CitizenRequest.objects.get(pk=pk).status == "received"


def test_grid_worker_may_not_handle_and_nothing_changes(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    pk = create(staff, place).json()["id"]
    staff.post(f"/api/v1/requests/{pk}/respond/", {"note": "已联系"}, format="json")
    before = model_snapshot(CitizenRequest.objects.get(pk=pk))

    response = api_client(place.office, place.users["grid_worker"]).post(
        f"/api/v1/requests/{pk}/handle/", {"note": "修好了"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert model_snapshot(CitizenRequest.objects.get(pk=pk)) == before


def test_grid_worker_sees_only_their_grid_and_cannot_file_elsewhere(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    mine = create(staff, place).json()["id"]
    create(staff, place, community=place.other_community.pk, grid=place.other_grid.pk)
    grid = api_client(place.office, place.users["grid_worker"])

    listed = grid.get("/api/v1/requests/").json()["results"]
    elsewhere = create(grid, place, community=place.other_community.pk, grid=place.other_grid.pk)

    assert [r["id"] for r in listed] == [mine]
    assert elsewhere.status_code == 400 and "community" in elsewhere.json()["details"]


def test_members_of_another_street_get_404_and_anonymous_401(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    pk = create(staff, place).json()["id"]

    assert api_client(place.office, place.users["staff_b"]).get(f"/api/v1/requests/{pk}/").status_code == 404
    assert api_client(place.office, None).get("/api/v1/requests/").status_code == 401


def test_board_lists_overdue_first(place, api_client):
    import datetime as dt

    from django.utils import timezone

    staff = api_client(place.office, place.users["street_staff"])
    fresh = create(staff, place).json()["id"]
    old = create(staff, place, received_at=(timezone.now() - dt.timedelta(hours=3)).isoformat()).json()["id"]

    listed = staff.get("/api/v1/requests/").json()["results"]

    assert [r["id"] for r in listed][:2] == [old, fresh]


def _state(pk):
    obj = CitizenRequest.objects.get(pk=pk)
    return (
        model_snapshot(obj),
        list(Clock.objects.filter(subject_id=pk).order_by("pk").values()),
        RequestEvent.objects.filter(request_id=pk).count(),
    )


def test_reopen_of_a_request_that_was_only_received_is_refused_and_changes_nothing(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    pk = create(staff, place).json()["id"]
    before = _state(pk)

    response = staff.post(f"/api/v1/requests/{pk}/reopen/", {"reason": "再看看"}, format="json")

    assert response.status_code == 400
    assert "不能办理「重新办理」" in response.json()["details"]["status"][0]
    assert _state(pk) == before
    assert CitizenRequest.objects.get(pk=pk).status == "received"


def test_reopen_is_refused_while_responded_or_handled(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    pk = create(staff, place).json()["id"]
    staff.post(f"/api/v1/requests/{pk}/respond/", {"note": "已联系"}, format="json")
    for step, body in [(None, None), ("handle", {"note": "已处置"})]:
        if step:
            assert staff.post(f"/api/v1/requests/{pk}/{step}/", body, format="json").status_code == 200
        before = _state(pk)
        response = staff.post(f"/api/v1/requests/{pk}/reopen/", {"reason": "x"}, format="json")
        assert response.status_code == 400 and _state(pk) == before


def test_every_step_of_the_request_table_is_the_only_way_out_of_its_status():
    from core.requests.workflow import REQUEST_WORKFLOW

    def steps_from(status):
        return {step.name for step in REQUEST_WORKFLOW.steps if status in step.sources}

    assert steps_from("received") == {"respond"}
    assert steps_from("responded") == {"handle"}
    assert steps_from("handled") == {"feedback"}
    assert steps_from("feedback_given") == {"close", "reopen"}
    assert steps_from("closed") == {"reopen"}


def test_next_due_at_is_the_same_on_list_detail_and_step_responses(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    created = create(staff, place).json()
    pk = created["id"]
    respond_due = next(c["due_at"] for c in created["clocks"] if c["kind"] == "respond")

    listed = {r["id"]: r["next_due_at"] for r in staff.get("/api/v1/requests/").json()["results"]}
    detail = staff.get(f"/api/v1/requests/{pk}/").json()

    assert created["next_due_at"] == detail["next_due_at"] == listed[pk] == respond_due
    responded = staff.post(f"/api/v1/requests/{pk}/respond/", {"note": "已联系"}, format="json").json()
    handle_due = next(c["due_at"] for c in responded["clocks"] if c["kind"] == "handle")
    assert responded["next_due_at"] == handle_due
    assert staff.get(f"/api/v1/requests/{pk}/").json()["next_due_at"] == handle_due
    assert {r["id"]: r["next_due_at"] for r in staff.get("/api/v1/requests/").json()["results"]}[
        pk
    ] == handle_due

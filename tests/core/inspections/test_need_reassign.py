"""Needs change hands (转派) through the service, web and API, their clock moving with them; needs
recorded before need clocks existed get one from an idempotent backfill command (issue 8 §5)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from core.audit.models import AuditEvent
from core.audit.services import model_snapshot
from core.deadlines.models import Clock
from core.inspections.checklist import CHECKLIST
from core.inspections.models import Need
from core.inspections.services import need_reassign, need_status_set, visit_record
from core.notifications.models import Notification
from tests.registry_places import make_household
from tests.support import deliver_events


def _need(org, grid=None, urgency="urgent") -> Need:
    household = make_household(org, grid=grid)
    visit = visit_record(
        actor=org.members["street_staff"],
        household=household,
        kind="home",
        items=[{"item": i.code, "result": "ok", "note": ""} for i in CHECKLIST],
        needs=[{"need_type": "clothing", "quantity": 1, "urgency": urgency}],
    )
    return visit.recorded_needs[0]


def _clocks(need) -> list[tuple]:
    return list(
        Clock.objects.filter(subject_type="inspections.need", subject_id=need.pk)
        .order_by("round")
        .values_list("round", "state", "responsible_user_id", "due_at")
    )


def test_a_need_goes_to_a_community_worker_with_its_clock_and_the_worker_is_told(org_a, users):
    need = _need(org_a)
    (round_, state, _who, due), = _clocks(need)
    worker = users["community_worker"]

    need_reassign(actor=org_a.members["street_staff"], need=need, responsible_user_id=worker.pk, note="社区有库存棉衣")

    need.refresh_from_db()
    assert (need.responsible_user_id, need.responsible_name) == (worker.pk, worker.display_name())
    assert _clocks(need) == [(round_, state, worker.pk, due)]  # same clock, same deadline, new hands
    event = AuditEvent.objects.get(action="need.reassign", object_id=str(need.pk))
    assert event.after["responsible_user_id"] == worker.pk and event.reason == "社区有库存棉衣"
    assert AuditEvent.objects.filter(action="clock.reassign").count() == 1
    deliver_events()
    told = Notification.objects.get(user=worker, kind="need.assigned")
    assert "需求转派给您" in told.title and told.body == "社区有库存棉衣" and told.url == f"/needs/#need-{need.pk}"

    # and on to the household's grid worker
    need_reassign(actor=org_a.members["community_director"], need=need, responsible_user_id=users["grid_worker"].pk)
    assert _clocks(need)[0][2] == users["grid_worker"].pk


@pytest.mark.parametrize(
    "who, match",
    [
        ("community_director", "管不到该户"),  # the household is in the other community
        ("volunteer", "管不到该户"),  # does not handle needs
        ("district_admin", "本街道人员"),
        ("staff_b", "本街道人员"),  # another street office's staff
        ("street_staff", "已是该需求的责任人"),
    ],
)
def test_a_person_who_cannot_take_the_need_is_refused_and_nothing_changes(org_a, users, who, match):
    need = _need(org_a, grid=org_a.g3)  # community 二社区; recorded (and held) by the street staff
    before = (model_snapshot(need), _clocks(need))

    with pytest.raises(ValidationError, match=match):
        need_reassign(actor=org_a.members["street_staff"], need=need, responsible_user_id=users[who].pk)

    need.refresh_from_db()
    assert (model_snapshot(need), _clocks(need)) == before
    assert not AuditEvent.objects.filter(action="need.reassign").exists()


def test_closed_needs_and_people_without_the_right_are_refused(org_a, users):
    need = _need(org_a)
    with pytest.raises(PermissionDenied):  # a grid worker sees needs but does not hand them out
        need_reassign(actor=org_a.members["grid_worker"], need=need, responsible_user_id=users["community_worker"].pk)
    need_status_set(actor=org_a.members["street_staff"], need=need, status="met")
    with pytest.raises(ValidationError, match="“已解决”，不能转派"):
        need_reassign(actor=org_a.members["street_staff"], need=need, responsible_user_id=users["community_worker"].pk)


def test_reassign_on_the_web_and_in_the_api(org_a, users, web_client, api_client):
    need = _need(org_a)
    staff = web_client(org_a.office, users["street_staff"])
    assert f"/needs/{need.pk}/reassign/" in staff.get("/needs/").content.decode()
    form = staff.get(f"/needs/{need.pk}/reassign/").content.decode()
    assert users["community_worker"].display_name() in form and users["volunteer"].display_name() not in form

    response = staff.post(f"/needs/{need.pk}/reassign/", {"responsible_user_id": users["community_worker"].pk})
    assert response.status_code == 302 and response["Location"].endswith(f"#need-{need.pk}")
    assert Clock.objects.get(subject_id=need.pk, subject_type="inspections.need").responsible_user_id == (
        users["community_worker"].pk
    )
    bad = staff.post(f"/needs/{need.pk}/reassign/", {"responsible_user_id": users["volunteer"].pk})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()

    api = api_client(org_a.office, users["street_staff"])
    answer = api.post(f"/api/v1/needs/{need.pk}/reassign/", {"responsible_user_id": users["grid_worker"].pk, "note": "就近"},
                      format="json")
    assert answer.status_code == 200 and answer.json()["responsible_user_id"] == users["grid_worker"].pk
    refused = api.post(f"/api/v1/needs/{need.pk}/reassign/", {"responsible_user_id": users["district_admin"].pk},
                       format="json")
    assert refused.status_code == 400 and "responsible_user_id" in str(refused.json())
    grid = api_client(org_a.office, users["grid_worker"])
    assert grid.post(f"/api/v1/needs/{need.pk}/reassign/", {"responsible_user_id": users["street_staff"].pk},
                     format="json").status_code == 403
    assert Need.objects.get(pk=need.pk).responsible_user_id == users["grid_worker"].pk


def test_needs_recorded_before_need_clocks_get_one_from_the_backfill_once(org_a, users):
    old, closed, fine = _need(org_a), _need(org_a), _need(org_a)
    # recorded before needs had clocks: no clock rows at all
    Clock.objects.filter(subject_type="inspections.need", subject_id__in=[old.pk, closed.pk]).delete()
    Need.objects.filter(pk=closed.pk).update(status="met")
    fine_clocks = _clocks(fine)

    out = io.StringIO()
    call_command("need_clocks", "backfill", stdout=out)

    (_round, _state, who, _due), = _clocks(old)
    clock = Clock.objects.get(subject_type="inspections.need", subject_id=old.pk)
    assert clock.started_at == old.created_at and who == old.responsible_user_id
    assert _clocks(closed) == [] and _clocks(fine) == fine_clocks
    assert f"{org_a.office.slug}: 1" in out.getvalue()

    again = io.StringIO()
    call_command("need_clocks", "backfill", stdout=again)
    assert "started 0 need clocks" in again.getvalue()
    assert len(_clocks(old)) == 1

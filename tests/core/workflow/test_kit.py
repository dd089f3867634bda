"""The workflow kit on the two workflows built on it: tables, steps for a member, lock + re-check,
one path from a request to a rectification, services refusing actors outside their role or reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.audit.models import AuditEvent
from core.deadlines.durations import LOCAL_TZ
from core.rectification import services as rect
from core.rectification.models import Rectification
from core.rectification.workflow import RECTIFICATION_WORKFLOW
from core.requests import services as req
from core.requests.models import CitizenRequest, RequestEvent
from core.requests.workflow import REQUEST_WORKFLOW
from core.workflow import Step, StepConflict, Workflow

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)


def receive(place, *, grid=True, community=None):
    return req.request_receive(
        actor=place.member("street_staff"),
        channel="hotline",
        category="food",
        description="缺米",
        requester_name="赵奶奶",
        community=community or place.community,
        grid=place.grid if grid else None,
        received_at=T0,
        now=T0,
    )


def test_the_transition_table_is_derived_from_the_steps():
    assert REQUEST_WORKFLOW.transitions == {
        "received": {"responded"},
        "responded": {"handled"},
        "handled": {"feedback_given"},
        "feedback_given": {"closed", "responded"},
        "closed": {"responded"},
    }
    assert RECTIFICATION_WORKFLOW.transitions["fixed"] == {"verified", "open"}
    assert RECTIFICATION_WORKFLOW.transitions["confirmed"] == set()


def test_a_workflow_refuses_unknown_statuses_and_steps_declared_twice():
    from core.requests.models import RequestEvent as Event

    with pytest.raises(ValueError, match="unknown statuses"):
        Workflow(
            model=CitizenRequest,
            status_labels={"a": "甲"},
            steps=[Step("go", "走", {"a"}, "b", "request.view")],
            event_model=Event,
            event_fk="request",
            audit_prefix="x",
        )
    with pytest.raises(ValueError, match="declared twice"):
        Workflow(
            model=CitizenRequest,
            status_labels={"a": "甲"},
            steps=[
                Step("go", "走", {"a"}, "a", "request.view"),
                Step("go", "走", {"a"}, "a", "request.view"),
            ],
            event_model=Event,
            event_fk="request",
            audit_prefix="x",
        )


def test_available_steps_follow_status_and_role(place):
    obj = receive(place)
    names = lambda key: [s.name for s in REQUEST_WORKFLOW.available(obj, place.member(key))]  # noqa: E731
    assert names("street_staff") == ["respond"]
    assert names("building_head") == []  # may register requests, not respond
    req.request_respond(request=obj, actor=place.member("grid_worker"), note="已联系", at=T0)
    assert names("grid_worker") == []  # grid workers do not handle (tenants.roles)
    assert names("community_director") == ["handle"]


def test_respond_is_no_longer_a_way_to_reopen(place):
    """Steps are checked by name, not by target status: "respond" from feedback_given is refused."""
    obj = receive(place)
    staff = place.member("street_staff")
    req.request_respond(request=obj, actor=staff, note="已联系", at=T0)
    req.request_handle(request=obj, actor=staff, note="已送米", at=T0)
    req.request_feedback(request=obj, actor=staff, note="已回访", satisfaction="satisfied", at=T0)

    with pytest.raises(ValidationError):  # respond is done for this round: "已被他人处理"
        req.request_respond(request=obj, actor=staff, note="再响应", at=T0)

    obj.refresh_from_db()
    assert (obj.status, obj.round) == ("feedback_given", 1)


def test_a_second_press_on_a_stale_copy_is_a_conflict_and_records_nothing(place):
    obj = receive(place)
    stale = CitizenRequest.objects.get(pk=obj.pk)
    req.request_respond(request=obj, actor=place.member("street_staff"), note="我来", at=T0)
    events = RequestEvent.objects.filter(request=obj).count()
    audits = AuditEvent.objects.filter(action="request.responded").count()

    with pytest.raises(StepConflict) as conflict:
        req.request_respond(request=stale, actor=place.member("community_director"), note="我也来", at=T0)

    assert str(conflict.value.messages[0]).startswith("已被他人处理")
    assert conflict.value.status == "responded"
    assert RequestEvent.objects.filter(request=obj).count() == events
    assert AuditEvent.objects.filter(action="request.responded").count() == audits
    stale.refresh_from_db()
    assert stale.response_note == "我来"


def test_the_same_step_again_after_it_finished_is_a_conflict_too(place):
    obj = receive(place)
    req.request_respond(request=obj, actor=place.member("street_staff"), note="我来", at=T0)
    with pytest.raises(StepConflict):
        req.request_respond(request=obj, actor=place.member("street_staff"), note="又按了一次", at=T0)


def test_step_services_refuse_actors_without_the_action(place):
    obj = receive(place)
    with pytest.raises(PermissionDenied):
        req.request_respond(request=obj, actor=place.member("building_head"), note="x", at=T0)
    with pytest.raises(PermissionDenied):
        req.request_assign(
            request=obj, actor=place.member("volunteer"), assignee_user_id=place.users["grid_worker"].pk
        )
    obj.refresh_from_db()
    assert obj.status == "received"


def test_request_services_refuse_an_actor_outside_their_reach(place):
    obj = receive(place, community=place.other_community, grid=False)
    director = place.member("community_director")  # of 东社区; the request is in 西社区
    for call in (
        lambda: req.request_respond(request=obj, actor=director, note="x", at=T0),
        lambda: req.request_assign(
            request=obj, actor=director, assignee_user_id=place.users["grid_worker"].pk
        ),
        lambda: req.request_receive(
            actor=director,
            channel="hotline",
            category="food",
            description="x",
            requester_name="y",
            community=place.other_community,
            received_at=T0,
            now=T0,
        ),
        lambda: rect.rectification_from_request(request=obj, actor=director, now=T0),
    ):
        with pytest.raises(PermissionDenied):
            call()
    obj.refresh_from_db()
    assert obj.status == "received" and CitizenRequest.objects.count() == 1
    assert not Rectification.objects.exists()


def test_rectification_services_refuse_an_actor_outside_their_reach(place):
    item = rect.rectification_create(
        actor=place.member("street_staff"),
        source_type="upstream",
        source_note="督查",
        title="电线老化",
        community=place.other_community,
        responsible_user_id=place.users["street_staff"].pk,
        now=T0,
    )
    director = place.member("community_director")
    for call in (
        lambda: rect.rectification_add_evidence(item=item, actor=director, text="已修", now=T0),
        lambda: rect.rectification_fix(item=item, actor=director, note="已修", now=T0),
        lambda: rect.rectification_create(
            actor=director,
            source_type="upstream",
            source_note="督查",
            title="x",
            community=place.other_community,
            responsible_user_id=place.users["street_staff"].pk,
            now=T0,
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert item.evidence.count() == 0 and Rectification.objects.count() == 1


def test_a_request_becomes_a_rectification_once_and_only_through_its_path(place):
    obj = receive(place)
    staff = place.member("street_staff")
    with pytest.raises(ValidationError) as direct:
        rect.rectification_create(
            actor=staff,
            source_type="request",
            source_id=obj.pk,
            title="电线",
            community=place.community,
            responsible_user_id=place.users["street_staff"].pk,
            now=T0,
        )
    assert "source_type" in direct.value.message_dict

    first = rect.rectification_from_request(request=obj, actor=staff, now=T0)
    with pytest.raises(ValidationError, match=first.number):
        rect.rectification_from_request(request=obj, actor=staff, now=T0)
    assert Rectification.objects.filter(source_type="request", source_id=obj.pk).count() == 1


def test_the_database_holds_one_rectification_per_request(place):
    from django.db import IntegrityError, transaction

    obj = receive(place)
    first = rect.rectification_from_request(request=obj, actor=place.member("street_staff"), now=T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rectification.objects.create(
            source_type="request",
            source_id=obj.pk,
            title="again",
            community=place.community,
            responsible_user_id=first.responsible_user_id,
            lookback_days=14,
            created_at=T0,
        )


def test_assign_moves_the_open_clocks_and_tells_the_new_holder(place):
    from core.deadlines.services import clocks_of
    from core.notifications.models import Notification
    from tests.support import deliver_events

    obj = receive(place)
    director = place.users["community_director"]
    req.request_assign(request=obj, actor=place.member("street_staff"), assignee_user_id=director.pk)

    assert {c.responsible_user_id for c in clocks_of(obj)} == {director.pk}
    assert obj.events.filter(step="assigned").count() == 1
    deliver_events()
    assert Notification.objects.filter(user=director, kind="request.assigned").exists()
    with pytest.raises(ValidationError, match="不是本街道人员"):
        req.request_assign(request=obj, actor=place.member("street_staff"), assignee_user_id=10**9)

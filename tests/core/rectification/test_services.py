"""Rectification: deadline clock, evidence, verification by someone else, look-back and relapse."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.audit.services import model_snapshot
from core.deadlines.durations import LOCAL_TZ
from core.deadlines.models import Clock
from core.deadlines.scanner import clock_scan_street
from core.notifications.models import Notification
from core.rectification import services
from core.rectification.selectors import rectification_summary
from tests.support import deliver_events

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)  # Monday


def clocks(item):
    return list(
        Clock.objects.filter(subject_type="rectification.rectification", subject_id=item.pk)
        .order_by("id")
        .values_list("kind", "round", "state")
    )


def make(place, **kw):
    return services.rectification_create(
        actor=place.member("street_staff"),
        source_type="upstream",
        source_note="区民政局督查反馈第3号",
        title="电线老化私拉乱接",
        community=place.community,
        grid=place.grid,
        responsible_user_id=place.users["grid_worker"].pk,
        now=T0,
        **kw,
    )


def png() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("fix.png", buffer.getvalue(), content_type="image/png")


def test_created_with_default_deadline_in_working_days(place):
    item = make(place)

    clock = Clock.objects.get(subject_id=item.pk, kind="rectify")
    # 10 working days after Monday 03-02 (not counted): 03-03..03-06 (4), 03-09..03-13 (9), Monday 03-16 (10).
    assert clock.due_at == dt.datetime(2026, 3, 16, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert clock.responsible_user_id == place.users["grid_worker"].pk
    deliver_events()  # notifications consume the event after the commit (core.events)
    assert (
        Notification.objects.filter(user=place.users["grid_worker"], kind="rectification.assigned").count()
        == 1
    )


def test_fixing_needs_evidence_and_verification_needs_someone_else(place):
    item = make(place)
    fixer = place.member("grid_worker")

    with pytest.raises(ValidationError, match="请先上传整改佐证"):
        services.rectification_fix(item=item, actor=fixer, note="已更换电线")
    services.rectification_add_evidence(item=item, actor=fixer, text="更换了电线", photo=png(), now=T0)
    services.rectification_fix(item=item, actor=fixer, note="已更换电线", now=T0 + dt.timedelta(days=1))
    item.refresh_from_db()
    before = model_snapshot(item)

    with pytest.raises(ValidationError, match="验收人不能是整改人本人"):
        services.rectification_verify(item=item, actor=fixer, passed=True, note="自己验收")
    item.refresh_from_db()
    assert model_snapshot(item) == before

    services.rectification_verify(
        item=item,
        actor=place.member("community_director"),
        passed=True,
        note="合格",
        now=T0 + dt.timedelta(days=2),
    )
    assert clocks(item) == [("rectify", 1, "met_on_time"), ("lookback", 1, "on_track")]
    lookback = Clock.objects.get(subject_id=item.pk, kind="lookback")
    # 14 days after Wednesday 03-04 is Wednesday 03-18, a working day.
    assert lookback.due_at == dt.datetime(2026, 3, 18, 23, 59, 59, tzinfo=LOCAL_TZ)


def test_closing_without_verification_is_refused_and_changes_nothing(place):
    item = make(place)
    services.rectification_add_evidence(item=item, actor=place.member("grid_worker"), text="已修", now=T0)
    services.rectification_fix(item=item, actor=place.member("grid_worker"), note="已修", now=T0)
    item.refresh_from_db()
    before = (model_snapshot(item), clocks(item))

    with pytest.raises(ValidationError, match="不能办理「回头看通过」"):
        services.rectification_lookback(
            item=item, actor=place.member("community_director"), passed=True, note="好"
        )

    item.refresh_from_db()
    assert (model_snapshot(item), clocks(item)) == before


def test_failed_verification_sends_it_back_with_the_original_deadline(place):
    item = make(place)
    services.rectification_add_evidence(item=item, actor=place.member("grid_worker"), text="已修", now=T0)
    services.rectification_fix(item=item, actor=place.member("grid_worker"), note="已修", now=T0)

    services.rectification_verify(
        item=item,
        actor=place.member("community_director"),
        passed=False,
        note="插线板仍在床边",
        now=T0 + dt.timedelta(hours=3),
    )

    item.refresh_from_db()
    assert (item.status, item.round) == ("open", 2)
    first, second = Clock.objects.filter(subject_id=item.pk, kind="rectify").order_by("round")
    assert second.due_at == first.due_at and second.state == "on_track"


def test_failed_lookback_is_a_relapse_reopened_and_counted(place):
    item = make(place)
    services.rectification_add_evidence(item=item, actor=place.member("grid_worker"), text="已修", now=T0)
    services.rectification_fix(item=item, actor=place.member("grid_worker"), note="已修", now=T0)
    services.rectification_verify(
        item=item, actor=place.member("community_director"), passed=True, note="合格", now=T0
    )

    later = T0 + dt.timedelta(days=14)
    services.rectification_lookback(
        item=item, actor=place.member("street_leader"), passed=False, note="又私拉电线了", now=later
    )

    item.refresh_from_db()
    assert (item.status, item.relapse_count, item.round) == ("open", 1, 2)
    assert clocks(item) == [
        ("rectify", 1, "met_on_time"),
        ("lookback", 1, "met_on_time"),
        ("rectify", 2, "on_track"),
    ]
    assert rectification_summary(member=place.member("street_staff"))["relapses"] == 1
    deliver_events()
    assert (
        Notification.objects.filter(user=place.users["grid_worker"], kind="rectification.relapsed").count()
        == 1
    )


def test_a_lookback_not_done_in_time_goes_overdue_and_escalates(place):
    item = make(place)
    services.rectification_add_evidence(item=item, actor=place.member("grid_worker"), text="已修", now=T0)
    services.rectification_fix(item=item, actor=place.member("grid_worker"), note="已修", now=T0)
    services.rectification_verify(
        item=item, actor=place.member("community_director"), passed=True, note="合格", now=T0
    )

    counts = clock_scan_street(office=place.office, now=T0 + dt.timedelta(days=15), ensure_deliverables=False)

    assert counts["overdue"] == 1
    assert Notification.objects.filter(user=place.users["community_director"], kind="overdue").exists()


def test_upstream_feedback_needs_its_reference(place):
    with pytest.raises(ValidationError) as exc:
        services.rectification_create(
            actor=place.member("street_staff"),
            source_type="upstream",
            title="x",
            community=place.community,
            responsible_user_id=place.users["grid_worker"].pk,
        )
    assert "source_note" in exc.value.message_dict

"""Problem ledger -> rectification ledger: one obligation, one clock, one audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.audit.models import AuditEvent
from core.deadlines.models import Clock, ClockState
from core.deadlines.selectors import on_time_rates
from core.inspections.models import Problem
from core.inspections.services import problem_assign, problem_resolve, visit_record
from core.rectification.models import Rectification, RectificationEvidence
from core.rectification.services import (
    rectification_add_evidence,
    rectification_create,
    rectification_fix,
    rectification_from_problem,
    rectification_lookback,
    rectification_verify,
)
from tests.registry_places import full_items, make_household


def hazard(org, *, grid=None, item="wiring_ageing") -> Problem:
    """A home visit by the grid worker (or street staff outside G1) finding one hazard."""
    household = make_household(org, grid=grid)
    actor = org.members["grid_worker"] if household.grid_id == org.g1.pk else org.members["street_staff"]
    visit = visit_record(actor=actor, household=household, kind="home", items=full_items(**{item: "hazard"}))
    return Problem.objects.get(visit=visit)


def problem_clocks(problem):
    return list(
        Clock.objects.filter(subject_type="inspections.problem", subject_id=problem.pk).values_list(
            "kind", "state"
        )
    )


def snapshot(problem):
    problem.refresh_from_db()
    return (
        Rectification.objects.count(),
        Clock.objects.count(),
        problem.status,
        problem_clocks(problem),
        AuditEvent.objects.filter(action__startswith="rectification.").count(),
    )


def test_problem_becomes_a_rectification_item_and_hands_its_clock_over(org_a):
    problem = hazard(org_a)
    staff = org_a.members["street_staff"]

    item = rectification_from_problem(problem=problem, actor=staff)

    assert (item.source_type, item.source_id, item.problem_id) == ("problem", problem.pk, problem.pk)
    assert (item.community_id, item.grid_id, item.household_id) == (
        org_a.c1.pk,
        org_a.g1.pk,
        problem.household_id,
    )
    assert item.title.startswith(problem.get_item_display()) and problem.description in item.title
    assert item.responsible_user_id == org_a.members["grid_worker"].user.pk == problem.responsible_user_id
    rectify = Clock.objects.get(
        subject_type="rectification.rectification", subject_id=item.pk, kind="rectify"
    )
    assert rectify.due_at == problem.due_at  # the problem's deadline is still ahead: it carries over
    assert problem_clocks(problem) == [("problem", ClockState.CANCELLED)]
    own = Clock.objects.get(subject_type="inspections.problem", subject_id=problem.pk)
    handed = AuditEvent.objects.get(action="clock.cancel", object_id=str(own.pk))
    assert item.number in handed.reason
    assert AuditEvent.objects.filter(action="problem.to_rectification", object_id=str(problem.pk)).exists()
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN and problem.rectification == item


def test_converting_twice_or_a_resolved_problem_is_refused_and_changes_nothing(org_a):
    problem = hazard(org_a)
    staff = org_a.members["street_staff"]
    first = rectification_from_problem(problem=problem, actor=staff)
    before = snapshot(problem)

    with pytest.raises(ValidationError) as exc:
        rectification_from_problem(problem=problem, actor=staff)

    assert f"该问题已转入整改台账（{first.number}）" in str(exc.value)
    assert snapshot(problem) == before

    fixed = hazard(org_a, item="gas_safety")
    problem_resolve(actor=staff, problem=fixed, note="已更换软管")
    before = snapshot(fixed)
    with pytest.raises(ValidationError, match="该问题已整改"):
        rectification_from_problem(problem=fixed, actor=staff)
    assert snapshot(fixed) == before


def test_a_problem_cannot_be_typed_into_the_ledger_by_hand(org_a):
    problem = hazard(org_a)
    with pytest.raises(ValidationError, match="转入整改台账"):
        rectification_create(
            actor=org_a.members["street_staff"],
            source_type="problem",
            source_id=problem.pk,
            title="x",
            community=org_a.c1,
            responsible_user_id=org_a.members["grid_worker"].user.pk,
        )
    assert Rectification.objects.count() == 0
    assert problem_clocks(problem) == [("problem", ClockState.ON_TRACK)]


def test_the_obligation_is_counted_once_in_on_time_rates(org_a):
    problem = hazard(org_a)
    later = problem.due_at + dt.timedelta(days=1)  # both deadlines passed, nothing met: one late obligation
    [before] = on_time_rates(by="street", now=later)
    assert (before.on_time, before.late) == (0, 1)

    rectification_from_problem(problem=problem, actor=org_a.members["street_staff"])

    [after] = on_time_rates(by="street", now=later)
    assert (after.on_time, after.late, after.open_not_due) == (0, 1, 0)
    [grid_row] = [r for r in on_time_rates(by="grid", now=later) if r.key == org_a.g1.pk]
    assert grid_row.late == 1


def test_verification_resolves_the_problem_and_a_relapse_reopens_it(org_a):
    problem = hazard(org_a)
    worker, director = org_a.members["grid_worker"], org_a.members["community_director"]
    item = rectification_from_problem(problem=problem, actor=org_a.members["street_staff"])
    rectification_add_evidence(item=item, actor=worker, text="已更换电线")
    rectification_fix(item=item, actor=worker, note="更换老化电线")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN  # fixed is not yet verified

    rectification_verify(item=item, actor=director, passed=True, note="现场验收合格")

    problem.refresh_from_db()
    assert problem.status == Problem.Status.RESOLVED and problem.resolved_at is not None
    resolved = AuditEvent.objects.get(action="problem.resolve", object_id=str(problem.pk))
    assert item.number in resolved.reason and "现场验收合格" in resolved.reason
    assert problem_clocks(problem) == [("problem", ClockState.CANCELLED)]  # still counted once

    rectification_lookback(item=item, actor=director, passed=False, note="又有私拉电线")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN and problem.resolved_at is None
    assert AuditEvent.objects.filter(action="problem.reopen", object_id=str(problem.pk)).exists()


def test_a_converted_problem_is_handled_only_through_its_item(org_a):
    problem = hazard(org_a)
    staff = org_a.members["street_staff"]
    rectification_from_problem(problem=problem, actor=staff)
    before = snapshot(problem)

    with pytest.raises(ValidationError, match="已转入整改台账"):
        problem_resolve(actor=staff, problem=problem, note="自行销号")
    with pytest.raises(ValidationError, match="已转入整改台账"):
        problem_assign(
            actor=staff,
            problem=problem,
            responsible_user_id=None,
            responsible_name="某人",
            due_at=timezone.now() + dt.timedelta(days=3),
        )
    assert snapshot(problem) == before


def test_past_deadline_takes_the_campaign_default_and_responsible_can_be_given(org_a):
    problem = hazard(org_a)
    Problem.objects.filter(pk=problem.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    director = org_a.members["community_director"]

    item = rectification_from_problem(
        problem=problem, actor=org_a.members["street_staff"], responsible_user_id=director.user.pk
    )

    clock = Clock.objects.get(subject_type="rectification.rectification", subject_id=item.pk, kind="rectify")
    assert clock.due_at > timezone.now() + dt.timedelta(days=5)  # 10 working days, not the passed date
    assert item.responsible_user_id == director.user.pk


def test_a_problem_without_a_street_member_responsible_needs_one(org_a):
    problem = hazard(org_a)
    Problem.objects.filter(pk=problem.pk).update(responsible_user_id=None, responsible_name="物业公司")
    problem.refresh_from_db()
    before = snapshot(problem)

    with pytest.raises(ValidationError, match="请指定责任人"):
        rectification_from_problem(problem=problem, actor=org_a.members["street_staff"])
    assert snapshot(problem) == before


@pytest.mark.parametrize("role", ["grid_worker", "street_leader"])
def test_permission_refusal_changes_nothing(org_a, role):
    # The grid worker may rectify, but not a problem in another grid; the street leader only verifies.
    problem = hazard(org_a, grid=org_a.g2)
    before = snapshot(problem)

    with pytest.raises(PermissionDenied):
        rectification_from_problem(problem=problem, actor=org_a.members[role])

    assert snapshot(problem) == before
    assert RectificationEvidence.objects.count() == 0

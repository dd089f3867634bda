import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.deadlines.models import Clock
from core.inspections.models import Need, Problem, Visit, VisitItem
from core.inspections.services import problem_resolve, visit_record
from tests.registry_places import full_items, make_household


def test_visit_with_hazard_and_need_fills_both_ledgers_and_starts_a_problem_clock(org_a):
    household = make_household(org_a)
    worker = org_a.members["grid_worker"]
    items = full_items(gas_safety="hazard")

    visit = visit_record(
        actor=worker,
        household=household,
        kind="home",
        items=items,
        needs=[{"need_type": "clothing", "quantity": 2, "urgency": "urgent", "description": "棉衣"}],
    )

    assert VisitItem.objects.filter(visit=visit).count() == len(items)
    need = Need.objects.get(visit=visit)
    assert (need.need_type, need.quantity, need.urgency) == ("clothing", 2, "urgent")
    problem = Problem.objects.get(visit=visit)
    assert problem.item == "gas_safety" and problem.responsible_user_id == worker.user.pk
    clock = Clock.objects.get(subject_type="inspections.problem", subject_id=problem.pk, kind="problem")
    assert clock.due_at == problem.due_at and clock.grid_id == org_a.g1.pk


@pytest.mark.parametrize(
    "mutate,key",
    [
        (lambda items, needs: items.pop(), "items.heating_fee"),  # item missing
        (lambda items, needs: items[0].update(result="maybe"), "items.housing_sealing"),  # bad result
        (
            lambda items, needs: items[3].update(result="hazard", note=""),
            "items.gas_safety",
        ),  # hazard w/o note
        (lambda items, needs: needs[0].update(quantity=-1), "needs.0"),  # negative quantity
        (lambda items, needs: needs[0].update(quantity="两件"), "needs.0"),  # not a number
        (lambda items, needs: needs[0].update(need_type="yacht"), "needs.0"),  # unknown type
    ],
)
def test_bad_visit_input_is_refused_and_nothing_saved(org_a, mutate, key):
    household = make_household(org_a)
    items = full_items(wiring_ageing="hazard")
    needs = [{"need_type": "food", "quantity": 1}]
    mutate(items, needs)
    counts = (Visit.objects.count(), Need.objects.count(), Problem.objects.count(), Clock.objects.count())

    with pytest.raises(ValidationError) as exc:
        visit_record(
            actor=org_a.members["grid_worker"], household=household, kind="home", items=items, needs=needs
        )

    assert key in exc.value.message_dict
    assert (
        Visit.objects.count(),
        Need.objects.count(),
        Problem.objects.count(),
        Clock.objects.count(),
    ) == counts


def test_unknown_kind_and_future_time_are_refused(org_a):
    household = make_household(org_a)
    with pytest.raises(ValidationError) as exc:
        visit_record(
            actor=org_a.members["grid_worker"],
            household=household,
            kind="drone",
            items=full_items(),
            visited_at=timezone.now() + dt.timedelta(days=1),
        )
    assert {"kind", "visited_at"} <= set(exc.value.message_dict)


def test_grid_worker_cannot_visit_outside_own_grid_and_nothing_changes(org_a):
    household = make_household(org_a, grid=org_a.g2)
    with pytest.raises(PermissionDenied):
        visit_record(actor=org_a.members["grid_worker"], household=household, kind="home", items=full_items())
    assert not Visit.objects.filter(household=household).exists()


def test_building_head_may_not_record_visits(org_a):
    household = make_household(org_a)
    with pytest.raises(PermissionDenied):
        visit_record(
            actor=org_a.members["building_head"], household=household, kind="home", items=full_items()
        )
    assert not Visit.objects.exists()


def test_resolving_a_problem_meets_its_clock(org_a):
    household = make_household(org_a)
    visit = visit_record(
        actor=org_a.members["grid_worker"],
        household=household,
        kind="home",
        items=full_items(structure="hazard"),
    )
    problem = visit.problems.get()

    problem_resolve(actor=org_a.members["community_worker"], problem=problem, note="已加固")

    clock = Clock.objects.get(subject_type="inspections.problem", subject_id=problem.pk)
    assert problem.status == "resolved" and clock.state == "met_on_time"
    with pytest.raises(ValidationError):
        problem_resolve(actor=org_a.members["community_worker"], problem=problem, note="again")

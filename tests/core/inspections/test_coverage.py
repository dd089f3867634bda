import datetime as dt

from core.inspections.selectors import coverage, not_visited
from core.inspections.services import visit_record
from core.inspections.window import LOCAL, inspection_window
from tests.registry_places import full_items, make_household

IN_WINDOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=LOCAL)
BEFORE_WINDOW = dt.datetime(2026, 11, 20, 23, 59, tzinfo=LOCAL)


def _visit(org, household, kind, at):
    visit_record(
        actor=org.members["street_staff"], household=household, kind=kind, items=full_items(), visited_at=at
    )


def test_window_is_the_campaigns_inspection_phase_in_local_dates_inclusive(street_a):
    start, end = inspection_window(street_a.district)
    assert start == dt.datetime(2026, 11, 21, tzinfo=LOCAL) and end == dt.datetime(2026, 12, 1, tzinfo=LOCAL)


def test_moving_the_inspection_phase_moves_coverage(org_a, street_a):
    from core.campaigns.models import Phase
    from core.campaigns.services import campaign_ensure

    household = make_household(org_a, grid=org_a.g1)
    _visit(org_a, household, "home", IN_WINDOW)
    assert coverage(member=org_a.members["street_staff"]).covered == 1

    campaign_ensure(street_a.district).phases.filter(key=Phase.INSPECTION).update(
        starts_on=dt.date(2026, 11, 23), ends_on=dt.date(2026, 11, 30)
    )

    assert coverage(member=org_a.members["street_staff"]).covered == 0


def test_coverage_counts_home_visits_in_window_and_phone_only_follow_ups(org_a):
    g1_home = make_household(org_a, grid=org_a.g1)  # covered: home visit in window
    g1_phone = make_household(org_a, grid=org_a.g1)  # NOT covered: phone, not phone-only
    g1_early = make_household(org_a, grid=org_a.g1)  # NOT covered: before window
    g2_phone_only = make_household(org_a, grid=org_a.g2, phone_only=True)  # covered: phone-only + phone
    g2_none = make_household(org_a, grid=org_a.g2)  # NOT covered: no visit
    g3_home = make_household(org_a, grid=org_a.g3)  # covered
    _visit(org_a, g1_home, "home", IN_WINDOW)
    _visit(org_a, g1_home, "home", IN_WINDOW + dt.timedelta(days=1))  # second visit counts once
    _visit(org_a, g1_phone, "phone", IN_WINDOW)
    _visit(org_a, g1_early, "home", BEFORE_WINDOW)
    _visit(org_a, g2_phone_only, "phone", IN_WINDOW)
    _visit(org_a, g3_home, "home", IN_WINDOW)

    tree = coverage(member=org_a.members["street_staff"])

    assert (tree.registered, tree.covered, tree.remaining) == (6, 3, 3)
    by_name = {c.name: c for c in tree.children}
    assert (by_name["一社区"].registered, by_name["一社区"].covered) == (5, 2)
    assert {g.name: (g.registered, g.covered) for g in by_name["一社区"].children} == {
        "第一网格": (3, 1),
        "第二网格": (2, 1),
    }
    assert (by_name["二社区"].registered, by_name["二社区"].covered) == (1, 1)
    missing = set(not_visited(member=org_a.members["street_staff"]).values_list("pk", flat=True))
    assert missing == {g1_phone.pk, g1_early.pk, g2_none.pk}


def test_coverage_is_scoped_to_the_grid_worker(org_a):
    make_household(org_a, grid=org_a.g1)
    make_household(org_a, grid=org_a.g2)
    tree = coverage(member=org_a.members["grid_worker"])
    assert tree.registered == 1 and [g.name for c in tree.children for g in c.children] == ["第一网格"]

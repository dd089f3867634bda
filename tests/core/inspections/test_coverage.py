import datetime as dt

from core.inspections.selectors import coverage, not_visited
from core.inspections.services import visit_record
from core.inspections.window import LOCAL, inspection_window
from tests.registry_places import full_items, make_household


def _phase_before_today(district) -> tuple[dt.datetime, dt.datetime]:
    """Put the district's inspection phase on the nine days before today (Beijing), so visits in it
    are in the past whatever the date; returns a time inside it and one just before it."""
    from django.utils import timezone

    from core.campaigns.models import Phase
    from core.campaigns.services import campaign_ensure

    today = timezone.now().astimezone(LOCAL).date()
    starts_on = today - dt.timedelta(days=9)
    campaign_ensure(district).phases.filter(key=Phase.INSPECTION).update(
        starts_on=starts_on, ends_on=today - dt.timedelta(days=1)
    )
    start = dt.datetime.combine(starts_on, dt.time(0, 0), tzinfo=LOCAL)
    return start + dt.timedelta(days=1, hours=10), start - dt.timedelta(minutes=1)


def _visit(org, household, kind, at):
    visit_record(
        actor=org.members["street_staff"], household=household, kind=kind, items=full_items(), visited_at=at
    )


def test_window_is_the_campaigns_inspection_phase_in_local_dates_inclusive(street_a):
    from core.campaigns.services import campaign_ensure

    year = campaign_ensure(street_a.district).starts_on.year  # the plan's default: 11-21..11-30
    start, end = inspection_window(street_a.district)
    assert start == dt.datetime(year, 11, 21, tzinfo=LOCAL) and end == dt.datetime(year, 12, 1, tzinfo=LOCAL)


def test_moving_the_inspection_phase_moves_coverage(org_a, street_a):
    from core.campaigns.models import Phase
    from core.campaigns.services import campaign_ensure

    in_window, _before = _phase_before_today(street_a.district)
    household = make_household(org_a, grid=org_a.g1)
    _visit(org_a, household, "home", in_window)
    assert coverage(member=org_a.members["street_staff"]).covered == 1

    later = in_window.date() + dt.timedelta(days=1)
    campaign_ensure(street_a.district).phases.filter(key=Phase.INSPECTION).update(
        starts_on=later, ends_on=later + dt.timedelta(days=7)
    )

    assert coverage(member=org_a.members["street_staff"]).covered == 0


def test_coverage_counts_home_visits_in_window_and_phone_only_follow_ups(org_a):
    IN_WINDOW, BEFORE_WINDOW = _phase_before_today(org_a.office.district)  # noqa: N806
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

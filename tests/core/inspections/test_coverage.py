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


# --- outside the phase (ADR 0016): all winter, late visits are late, not missing -------------------
def _period(phase_first: dt.date, phase_last: dt.date, campaign_last: dt.date):
    from core.inspections.window import CoveragePeriod

    day = dt.timedelta(days=1)
    midnight = lambda d: dt.datetime.combine(d, dt.time.min, tzinfo=LOCAL)  # noqa: E731
    return CoveragePeriod(midnight(phase_first), midnight(phase_last + day), midnight(campaign_last + day))


def _day(offset: int) -> dt.date:
    """A local date ``offset`` days from today: fixtures are built around now, whatever the date."""
    from django.utils import timezone

    return timezone.now().astimezone(LOCAL).date() + dt.timedelta(days=offset)


def _at(offset: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(_day(offset), dt.time(hour), tzinfo=LOCAL)


def _registered_on(household, day: dt.date):
    from core.registry.models import Household

    Household.objects.filter(pk=household.pk).update(created_at=dt.datetime.combine(day, dt.time(9), tzinfo=LOCAL))


def test_after_the_phase_a_visit_counts_as_late_and_late_additions_are_covered_by_a_visit(org_a):
    period = _period(_day(-40), _day(-31), _day(100))  # the phase ended 30 days ago
    on_time = make_household(org_a, grid=org_a.g1)
    late = make_household(org_a, grid=org_a.g1)
    late_phone_not_phone_only = make_household(org_a, grid=org_a.g1)
    missing = make_household(org_a, grid=org_a.g2)
    added_visited = make_household(org_a, grid=org_a.g2)
    added_pending = make_household(org_a, grid=org_a.g2)
    for household in (on_time, late, late_phone_not_phone_only, missing):
        _registered_on(household, _day(-50))
    for household in (added_visited, added_pending):
        _registered_on(household, _day(-20))
    _visit(org_a, on_time, "home", _at(-35))
    _visit(org_a, late, "home", _at(-30))
    _visit(org_a, late_phone_not_phone_only, "phone", _at(-29))
    _visit(org_a, added_visited, "home", _at(-19))

    tree = coverage(member=org_a.members["street_staff"], period=period)

    assert (tree.registered, tree.covered, tree.remaining) == (6, 3, 3)
    assert (tree.on_time, tree.late, tree.added_late) == (1, 1, 2)
    assert (tree.on_time_due, tree.on_time_percent) == (4, 25.0)
    grids = {g.name: (g.covered, g.on_time, g.late, g.added_late) for g in tree.children[0].children}
    assert grids == {"第一网格": (2, 1, 1, 0), "第二网格": (1, 0, 0, 2)}


def test_a_visit_after_the_campaign_does_not_count(org_a):
    household = make_household(org_a, grid=org_a.g1)
    _registered_on(household, _day(-50))
    _visit(org_a, household, "home", _at(-10))
    ended_before = _period(_day(-40), _day(-31), _day(-11))
    still_running = _period(_day(-40), _day(-31), _day(100))

    assert coverage(member=org_a.members["street_staff"], period=ended_before).covered == 0
    assert coverage(member=org_a.members["street_staff"], period=still_running).covered == 1


def test_where_now_is_in_the_period():
    period = _period(dt.date(2026, 11, 21), dt.date(2026, 11, 30), dt.date(2027, 3, 15))
    at = lambda *a: dt.datetime(*a, tzinfo=LOCAL)  # noqa: E731
    assert period.state(at(2026, 11, 20, 23, 59)) == "before"
    assert period.state(at(2026, 11, 21)) == "during"
    assert period.state(at(2026, 11, 30, 23, 59)) == "during"
    assert period.state(at(2026, 12, 1)) == "after"
    assert period.state(at(2027, 3, 16)) == "closed"
    assert (period.phase_first_day, period.phase_last_day, period.campaign_last_day) == (
        dt.date(2026, 11, 21), dt.date(2026, 11, 30), dt.date(2027, 3, 15)
    )


def test_pages_say_a_late_visit_is_late_not_missing(org_a, street_a, web_client, users):
    """Built around now: the phase ended yesterday; a household visited today is 逾期补访 everywhere."""
    from django.utils import timezone

    from core.campaigns.models import Phase
    from core.campaigns.services import campaign_ensure

    today = timezone.now().astimezone(LOCAL).date()
    campaign = campaign_ensure(street_a.district)
    campaign.phases.filter(key=Phase.INSPECTION).update(
        starts_on=today - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=1)
    )
    type(campaign).objects.filter(pk=campaign.pk).update(
        starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=100)
    )
    visited = make_household(org_a, grid=org_a.g1, address="补访路1号")
    pending = make_household(org_a, grid=org_a.g1, address="补访路2号")
    for household in (visited, pending):
        _registered_on(household, _day(-20))
    _visit(org_a, visited, "home", timezone.now() - dt.timedelta(minutes=5))
    client = web_client(street_a, users["grid_worker"])

    my_grid = client.get("/my-grid/?show=all").content.decode()
    household_page = client.get(f"/households/{visited.pk}/").content.decode()
    pending_page = client.get(f"/households/{pending.pk}/").content.decode()
    coverage_page = web_client(street_a, users["street_staff"]).get("/coverage/").content.decode()

    assert "排查期已结束，持续跟踪中" in my_grid and "逾期补访" in my_grid
    assert '<span class="stat">1</span> / 2' in my_grid
    assert "待走访（已逾期）" in my_grid
    assert "逾期补访" in household_page and "计入累计覆盖" in household_page
    assert "请尽快补访（计为逾期，不算漏访）" in pending_page
    assert "<td>2</td><td>1</td><td>0</td><td>1</td><td>0</td><td>1</td>" in coverage_page


def test_the_visit_form_says_before_saving_whether_a_phone_follow_up_counts(org_a, street_a, web_client, users):
    ordinary = make_household(org_a, grid=org_a.g1)
    phone_only = make_household(org_a, grid=org_a.g1, phone_only=True)
    client = web_client(street_a, users["grid_worker"])

    ordinary_form = client.get(f"/households/{ordinary.pk}/visit/").content.decode()
    phone_only_form = client.get(f"/households/{phone_only.pk}/visit/").content.decode()
    post = {f"item_{i['item']}": i["result"] for i in full_items()} | {"kind": "phone"}
    saved = client.post(f"/households/{ordinary.pk}/visit/", post, follow=True).content.decode()

    assert "电话随访会保存但不计入" in ordinary_form and "（不计入覆盖）" in ordinary_form
    assert "电话随访和入户核查都计入排查覆盖" in phone_only_form and "（不计入覆盖）" not in phone_only_form
    assert "本次电话随访不计入排查覆盖" in saved

"""Browser-test kit for the people who use the product every day (issue 12): a committed street office
with a believable winter built around *now*, sign-in, screenshots at phone and desktop size, and
axe-core (vendored from the npm registry, tests/e2e/vendor/) for WCAG 2.1 AA.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from tests.support import DEMO_TEST_PASSWORD

LOCAL = ZoneInfo("Asia/Shanghai")
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
SLUG, NAME = "uxwinter", "暖冬体验街道"
ROLES = ("street_leader", "street_staff", "community_director", "grid_worker", "volunteer", "enforcement")


def new_context(browser, size: dict):
    """A browser context at that size; CSP is bypassed only so that the test can inject axe-core."""
    phone = size == PHONE
    return browser.new_context(
        viewport=size, device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone,
        locale="zh-CN", bypass_csp=True,
    )


def sign_in(page, base: str, username: str, next_path: str = "/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")


def axe_violations(page) -> list[dict]:
    """WCAG 2.0/2.1 A and AA violations on the current page: [{id, impact, help, targets}]."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return result


def assert_accessible(page, what: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{what}: " + json.dumps(violations, ensure_ascii=False, indent=1)


def shoot(page, artifacts_dir: Path, name: str) -> Path:
    path = artifacts_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def today() -> dt.date:
    from django.utils import timezone

    return timezone.now().astimezone(LOCAL).date()


@contextlib.contextmanager
def phase_ended_yesterday(district):
    """Put the district's inspection phase at [today-10, yesterday] and the campaign around it — the
    situation of 12-01 whatever today is — and restore both afterwards (the live server uses the
    wall clock)."""
    from core.campaigns.models import Campaign, Phase
    from core.campaigns.services import campaign_ensure

    campaign = campaign_ensure(district)
    phase = campaign.phases.get(key=Phase.INSPECTION)
    before = (campaign.starts_on, campaign.ends_on, phase.starts_on, phase.ends_on)
    day = today()
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_on=min(before[0], day - dt.timedelta(days=30)), ends_on=max(before[1], day + dt.timedelta(days=100))
    )
    Phase.objects.filter(pk=phase.pk).update(starts_on=day - dt.timedelta(days=10), ends_on=day - dt.timedelta(days=1))
    try:
        yield
    finally:
        Campaign.objects.filter(pk=campaign.pk).update(starts_on=before[0], ends_on=before[1])
        Phase.objects.filter(pk=phase.pk).update(starts_on=before[2], ends_on=before[3])


def winter_street(slug: str = SLUG, name: str = NAME) -> SimpleNamespace:
    """A committed street office with two communities, three grids, one account per working role and
    a winter's worth of households around now: visited in the phase, visited late, still to visit,
    a phone-only household, a vagrant; requests with overdue clocks. Idempotent (reused by the
    session and by later runs on the same test database). Call inside ``django_db_blocker.unblock()``."""
    from django_tenants.utils import schema_context

    from core.org.models import Community, Grid
    from tenants.models import District, StreetOffice, User
    from tenants.services import membership_grant, street_office_create, user_create
    from tests.support import DISTRICT_A

    office = StreetOffice.objects.filter(slug=slug).first()
    if office is None:
        office = street_office_create(district=District.objects.get(code=DISTRICT_A[0]), slug=slug, name=name)
    with schema_context(office.schema_name):
        east, _ = Community.objects.get_or_create(name="东关社区", defaults={"sort_order": 1, "hotline": "0355-3030101"})
        west, _ = Community.objects.get_or_create(name="西关社区", defaults={"sort_order": 2, "hotline": "0355-3030102"})
        grid1, _ = Grid.objects.get_or_create(community=east, name="第一网格", defaults={"code": "01"})
        grid2, _ = Grid.objects.get_or_create(community=east, name="第二网格", defaults={"code": "02"})
        grid3, _ = Grid.objects.get_or_create(community=west, name="第三网格", defaults={"code": "03"})
    users = {}
    names = {"street_leader": "李组长", "street_staff": "程民政", "community_director": "梁主任",
             "grid_worker": "周网格", "volunteer": "王志愿", "enforcement": "郑执法"}
    for role in ROLES:
        username = f"{slug}_{role}"
        user = User.objects.filter(username=username).first() or user_create(
            username=username, password=DEMO_TEST_PASSWORD, full_name=names[role]
        )
        membership_grant(
            user=user,
            role=role,
            street_office=office,
            community_id=east.pk if role in ("community_director", "grid_worker", "volunteer") else None,
            grid_id=grid1.pk if role == "grid_worker" else None,
        )
        users[role] = user
    place = SimpleNamespace(office=office, communities=(east, west), grids=(grid1, grid2, grid3), users=users)
    with schema_context(office.schema_name):
        _households(place)
    return place


STREETS = ["长治路", "英雄中路", "太行东街", "府后东街", "西大街"]
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN_FEMALE = ["桂兰", "秀英", "玉珍", "淑芬", "凤英"]
GIVEN_MALE = ["建国", "振华", "国强", "福生", "德明"]


def _households(place) -> None:
    """Households around now (created once): see ``winter_street``."""
    from django.utils import timezone

    from core.inspections.services import visit_record
    from core.registry.models import Household
    from core.registry.services import household_register, person_register
    from core.requests.services import request_receive
    from tenants.members import member_for
    from tests.registry_places import full_items, new_id

    if Household.objects.exists():
        return
    staff = member_for(place.users["street_staff"], place.office)
    now = timezone.now()
    day = today()
    registered = dt.datetime.combine(day - dt.timedelta(days=20), dt.time(9), tzinfo=LOCAL)
    grid1, grid2, grid3 = place.grids
    households = []
    for i in range(14):
        grid = (grid1, grid1, grid2, grid3)[i % 4]
        female = i % 2 == 0
        birth = dt.date(1936 + i * 2, 1 + i % 12, 3 + i)
        household = household_register(
            actor=staff, community=grid.community, grid=grid,
            address=f"{STREETS[i % 5]}{i + 9}号院{i % 3 + 1}单元{101 + i}",
            phone=f"1390355{1000 + i}",
            phone_only=i == 5, phone_only_reason="常年在外地子女家居住" if i == 5 else "",
        )
        name = SURNAMES[i % 10] + (GIVEN_FEMALE if female else GIVEN_MALE)[i % 5]
        person_register(
            actor=staff, household=household, name=name,
            id_number=new_id(birth=birth, region="140402"),
            categories=["extreme_poverty"] if i % 3 == 0 else ["dibao"], relation="head",
        )
        households.append(household)
    vagrant = household_register(actor=staff, community=grid1.community, grid=grid1, no_fixed_address=True)
    person_register(actor=staff, household=vagrant, name="无名氏老张", categories=["vagrant"], relation="head")
    households.append(vagrant)
    Household.objects.update(created_at=registered)
    # The phase ended yesterday: four grid-1 households visited in it, one today (late), the rest pending.
    in_phase = dt.datetime.combine(day - dt.timedelta(days=5), dt.time(10), tzinfo=LOCAL)
    for household in households[:12:4]:
        visit_record(actor=staff, household=household, kind="home", items=full_items(), visited_at=in_phase)
    visit_record(actor=staff, household=households[1], kind="home",
                 items=full_items(gas_safety="hazard"), visited_at=now - dt.timedelta(minutes=30))
    for i, (category, text) in enumerate(
        [("heating", "暖气片不热，屋里只有十度"), ("clothing", "缺棉被两床"), ("heating", "煤不够烧到月底")]
    ):
        request_receive(
            actor=staff, channel="hotline", category=category, description=text,
            requester_name=SURNAMES[i] + GIVEN_MALE[i], household_id=households[i * 2].pk,
            received_at=now - dt.timedelta(hours=30 + i),
        )

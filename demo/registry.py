"""Demo loader: a realistic street — communities, grids, buildings, a few hundred households with
synthetic people (valid-checksum synthetic ID numbers), and visits in every state. Deterministic.

Registered in demo.loader.STREET_DEMO_LOADERS; runs inside the street's schema.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from core.inspections.checklist import CHECKLIST
from core.inspections.services import visit_record
from core.inspections.window import LOCAL, inspection_window
from core.org.models import Building, Community, Grid
from core.registry.idnumbers import synthetic_id
from core.registry.models import Household, Person
from core.registry.services import household_register, person_register
from tenants.members import member_for
from tenants.services import membership_grant

COMMUNITIES = {
    "taihangdong": [
        ("太行东社区", "community"),
        ("府后社区", "community"),
        ("英雄南社区", "community"),
        ("东关村", "village"),
    ],
    "xijie": [("西街社区", "community"), ("大北街社区", "community"), ("西关村", "village")],
    "yingxiong": [("英雄中路社区", "community"), ("北董村", "village"), ("城北社区", "community")],
}
STREET_STAFF = {"taihangdong": "thd_staff", "xijie": "xj_staff", "yingxiong": "yx_staff"}
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
# Given names by sex, so that a name, the sex read from the ID number and the relation agree.
GIVEN_FEMALE = ["桂兰", "秀英", "玉珍", "丽娟", "淑芬", "海燕", "春梅", "凤英", "金花", "秀兰", "红梅", "爱华"]
GIVEN_MALE = ["建国", "志强", "国庆", "卫东", "德明", "小军", "永福", "保国", "振华", "福生", "国强", "宝山"]
GIVEN_GIRL = ["雨桐", "梓萱", "欣怡", "诗涵"]
GIVEN_BOY = ["子涵", "浩然", "宇航", "俊杰"]
STREETS = ["解放东路", "英雄南路", "太行东街", "府后东街", "延安南路", "五一路", "东大街", "紫金东街"]
PHONE_ONLY_REASONS = [
    "常年在外地子女家居住",
    "长期住院治疗",
    "在外地务工，春节返乡",
    "本人要求电话联系（行动不便由亲属代接）",
]
HAZARD_NOTES = {
    "housing_sealing": "窗户漏风，需加装密封条",
    "wiring_ageing": "室内线路老化，插座发黑",
    "wiring_illegal": "楼道私拉电线充电",
    "gas_safety": "燃气软管老化，未装报警器",
    "structure": "后墙有裂缝",
    "clothing_amount": "缺少棉衣棉鞋",
    "clothing_warmth": "棉被单薄",
    "food_stock": "米面油仅够一周",
    "emergency_medicine": "无常用药品",
    "heating_equipment": "电暖器线路破损",
    "heating_fee": "今冬取暖费尚未缴纳，无力支付",
}
NEED_FOR = {
    "housing_sealing": "house_repair",
    "clothing_amount": "clothing",
    "clothing_warmth": "bedding",
    "food_stock": "food",
    "emergency_medicine": "medicine",
    "heating_equipment": "heating_equipment",
    "heating_fee": "heating_fee",
    "structure": "house_repair",
}
# Two elderly residents registered by both 太行东街 and 西街 (the district's cross-street duplicates):
# (name, birth, sequence — odd for a man).
SHARED_HEADS = [("王桂兰", dt.date(1948, 3, 12), 36), ("李建国", dt.date(1952, 7, 8), 57)]
SHARED_STREETS = {"taihangdong", "xijie"}


def _ids(slug: str, rng_seed: str):
    """A generator: after ``next(ids)``, ``ids.send((birth, male))`` -> a fresh synthetic number with that
    birth date and sex (the 17th digit is odd for men)."""
    rng = random.Random(f"ids:{rng_seed}")
    issued: set[str] = set()
    wanted = None
    while True:
        birth, male = wanted or (dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(18_000)), rng.random() < 0.5)
        sequence = rng.randrange(500) * 2 + (1 if male else 0)
        number = synthetic_id("140402", birth, sequence)
        if number in issued:
            wanted = (birth, male)
            continue
        issued.add(number)
        wanted = yield number


def _new_id(ids, birth: dt.date, male: bool) -> str:
    return ids.send((birth, male))


def _visit_time(rng: random.Random, start: dt.datetime, now: dt.datetime) -> dt.datetime:
    span = max((min(now, start + dt.timedelta(days=10)) - start).total_seconds(), 3600)
    moment = start + dt.timedelta(seconds=rng.randrange(int(span)))
    local = moment.astimezone(LOCAL).replace(hour=rng.randrange(9, 18), minute=rng.randrange(60))
    return min(local, now - dt.timedelta(minutes=5))


def load(*, office, accounts) -> None:
    slug = office.slug
    rng = random.Random(f"demo:{slug}")
    names = COMMUNITIES.get(slug, [(f"{office.name}社区", "community")])
    staff = member_for(accounts[STREET_STAFF[slug]], office) if slug in STREET_STAFF else None
    ids = _ids(slug, slug)
    next(ids)  # started: from now on ids.send((birth, male)) gives a number
    grids: list[Grid] = []
    for index, (name, kind) in enumerate(names):
        community = Community.objects.create(
            name=name,
            kind=kind,
            sort_order=index,
            director_name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN_FEMALE + GIVEN_MALE)}",
            director_phone=f"139{rng.randrange(10**8):08d}",
            hotline=f"0355-{2020100 + index * 11}",
            hotline_hours="8:00-18:00（冬季24小时）",
            address=f"{rng.choice(STREETS)}{rng.randrange(1, 200)}号",
        )
        for g in range(3):
            grid = Grid.objects.create(
                community=community, name=f"第{'一二三'[g]}网格", code=f"{index + 1}{g + 1:02d}"
            )
            grids.append(grid)
            for b in range(4):
                Building.objects.create(
                    grid=grid,
                    name=f"{b + 1 + g * 4}号楼",
                    head_name=f"{rng.choice(SURNAMES)}楼长",
                    head_phone=f"138{rng.randrange(10**8):08d}",
                )
    _place_accounts(office, accounts, grids)
    _grid_workers(rng, office, grids)
    start, end = inspection_window(office.district)
    now = timezone.now()
    grid_worker = member_for(accounts["thd_grid"], office) if slug == "taihangdong" else None
    per_grid = 24 if len(grids) >= 12 else 32
    n = 0
    for grid in grids:
        buildings = list(grid.buildings.all())
        for _ in range(per_grid):
            n += 1
            household = _household(rng, staff, grid, buildings, n)
            shared = SHARED_HEADS[n - 1] if slug in SHARED_STREETS and n <= len(SHARED_HEADS) else None
            _persons(rng, staff, household, ids, shared)
            actor = grid_worker if grid_worker and grid_worker.grid_id == grid.pk else staff
            _visits(rng, actor, household, start, end, now)
    _follow_up(rng, staff)


def _follow_up(rng, staff) -> None:
    """Some problems already fixed and some needs already met, so the ledgers show every state."""
    from core.inspections.models import Need, Problem
    from core.inspections.services import need_status_set, problem_resolve

    for problem in Problem.objects.order_by("id"):
        if rng.random() < 0.3:
            problem_resolve(actor=staff, problem=problem, note="已上门整改")
    for need in Need.objects.order_by("id"):
        roll = rng.random()
        if roll < 0.25:
            need_status_set(actor=staff, need=need, status="met", note="已发放")
        elif roll < 0.45:
            need_status_set(actor=staff, need=need, status="in_progress", note="已上报街道")


def _place_accounts(office, accounts, grids: list[Grid]) -> None:
    if office.slug != "taihangdong":
        return
    first = grids[0]
    for username, role in (
        ("thd_director", "community_director"),
        ("thd_worker", "community_worker"),
        ("thd_volunteer", "volunteer"),
    ):
        membership_grant(
            user=accounts[username], role=role, street_office=office, community_id=first.community_id
        )
    for username, role in (("thd_grid", "grid_worker"), ("thd_building", "building_head")):
        membership_grant(
            user=accounts[username],
            role=role,
            street_office=office,
            community_id=first.community_id,
            grid_id=first.pk,
        )


ACCOUNT_PREFIX = {"taihangdong": "thd", "xijie": "xj", "yingxiong": "yx"}


def _grid_workers(rng, office, grids: list[Grid]) -> None:
    """Every grid has its grid worker (网格员): demo accounts ``<street>_grid<code>`` (same password)
    for the grids without one (thd_grid covers 太行东社区 第一网格)."""
    from demo.loader import DEMO_PASSWORD
    from tenants.models import Membership, User
    from tenants.services import user_create

    placed = set(
        Membership.objects.filter(street_office=office, role="grid_worker", is_active=True).values_list("grid_id", flat=True)
    )
    prefix = ACCOUNT_PREFIX.get(office.slug, office.slug)
    for grid in grids:
        if grid.pk in placed:
            continue
        username = f"{prefix}_grid{grid.code}"
        male = rng.random() < 0.5
        user = User.objects.filter(username=username).first() or user_create(
            username=username,
            password=DEMO_PASSWORD,
            full_name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)}",
        )
        membership_grant(
            user=user, role="grid_worker", street_office=office, community_id=grid.community_id, grid_id=grid.pk
        )


def _household(rng, staff, grid: Grid, buildings: list[Building], n: int) -> Household:
    vagrant = n % 97 == 5
    phone_only = not vagrant and rng.random() < 0.06
    building = rng.choice(buildings) if buildings and not vagrant and rng.random() < 0.7 else None
    address = (
        ""
        if vagrant
        else (
            f"{rng.choice(STREETS)}{rng.randrange(1, 300)}号{building.name if building else ''}"
            f"{rng.randrange(1, 7)}单元{rng.randrange(1, 7)}0{rng.randrange(1, 4)}"
        )
    )
    return household_register(
        actor=staff,
        number=f"{grid.code}-{n:04d}",
        community=grid.community,
        grid=grid,
        building=building,
        address=address,
        no_fixed_address=vagrant,
        phone=""
        if vagrant
        else (
            f"13{rng.randrange(3, 10)}{rng.randrange(10**8):08d}"
            if rng.random() < 0.8 or phone_only
            else f"0355-{rng.randrange(2000000, 8000000)}"
        ),
        phone_only=phone_only,
        phone_only_reason=rng.choice(PHONE_ONLY_REASONS) if phone_only else "",
        notes="街面巡查发现，已引导至救助站" if vagrant else "",
    )


def _birth(rng, first_year: int, last_year: int) -> dt.date:
    return dt.date(rng.randrange(first_year, last_year + 1), rng.randrange(1, 13), rng.randrange(1, 29))


def _members(rng, kind: str) -> list[dict]:
    """The people of one household as the plan's categories describe them: (relation, sex, birth,
    categories). Ages follow relations (a child is 22-38 years younger than the head, a grandchild
    45-60) and categories follow age (散居孤儿、事实无人抚养儿童 are children, cared for by a
    grandparent who heads the household)."""
    head_male = rng.random() < 0.5
    if kind == "extreme_poverty":
        return [{"relation": "head", "male": head_male, "birth": _birth(rng, 1936, 1962), "categories": [kind]}]
    if kind in ("orphan", "unsupported_child"):
        head = _birth(rng, 1950, 1966)
        return [
            {"relation": "head", "male": head_male, "birth": head, "categories": ["dibao"]},
            {"relation": "grandchild", "male": rng.random() < 0.5, "birth": _birth(rng, 2010, 2019),
             "categories": [kind]},
        ]
    if kind == "left_behind":
        head = _birth(rng, 1940, 1958)
        people = [{"relation": "head", "male": head_male, "birth": head, "categories": [kind]}]
        if rng.random() < 0.5:
            people.append({"relation": "spouse", "male": not head_male,
                           "birth": _birth(rng, head.year - 4, min(head.year + 4, 1960)), "categories": [kind]})
        return people
    first, last = (1955, 1985) if kind == "dibao" else (1968, 1990)
    head = _birth(rng, first, last)
    size = rng.randrange(1, 4) if kind == "dibao" else rng.randrange(2, 5) if kind == "sudden_hardship" else 1
    people = [{"relation": "head", "male": head_male, "birth": head, "categories": [kind]}]
    if size >= 2:
        people.append({"relation": "spouse", "male": not head_male,
                       "birth": _birth(rng, head.year - 5, head.year + 5), "categories": [kind]})
    for _ in range(size - 2):
        child_first = head.year + 22
        people.append({"relation": "child", "male": rng.random() < 0.5,
                       "birth": _birth(rng, child_first, min(child_first + 16, 2022)), "categories": [kind]})
    return people


def _given(rng, male: bool, birth: dt.date) -> str:
    young = birth.year >= 2000
    return rng.choice((GIVEN_BOY if young else GIVEN_MALE) if male else (GIVEN_GIRL if young else GIVEN_FEMALE))


def _persons(rng, staff, household: Household, ids, shared) -> None:
    if household.no_fixed_address:
        person_register(
            actor=staff,
            household=household,
            name="无名氏（流浪人员）",
            categories=["vagrant"],
            notes="无身份证件",
        )
        return
    if shared is not None:  # the same elderly person registered in two streets
        name, birth, sequence = shared
        person_register(
            actor=staff, household=household, name=name, id_number=synthetic_id("140402", birth, sequence),
            relation="head", categories=["extreme_poverty"],
            extreme_poverty_status=Person.SupportStatus.ENROLLED,
        )
        return
    roll = rng.random()
    kind = (
        "extreme_poverty" if roll < 0.30 else "dibao" if roll < 0.65 else "left_behind" if roll < 0.75
        else "orphan" if roll < 0.82 else "unsupported_child" if roll < 0.86 else "sudden_hardship" if roll < 0.95
        else "other"
    )
    surname = rng.choice(SURNAMES)
    for member in _members(rng, kind):
        # Children and grandchildren carry the family name; a spouse keeps their own.
        family = surname if member["relation"] != "spouse" else rng.choice(SURNAMES)
        categories = member["categories"]
        person_register(
            actor=staff,
            household=household,
            name=f"{family}{_given(rng, member['male'], member['birth'])}",
            id_number=_new_id(ids, member["birth"], member["male"]),
            relation=member["relation"],
            categories=categories,
            phone=f"15{rng.randrange(10**9):09d}" if rng.random() < 0.5 and member["birth"].year < 2008 else "",
            dibao_status=Person.SupportStatus.ENROLLED
            if "dibao" in categories
            else Person.SupportStatus.NONE,
            extreme_poverty_status=Person.SupportStatus.ENROLLED
            if "extreme_poverty" in categories
            else Person.SupportStatus.NONE,
        )


def _visits(rng, actor, household: Household, start, end, now) -> None:
    roll = rng.random()
    if now < start:
        return
    if household.phone_only:
        kinds = ["phone"] if roll < 0.7 else []
    elif roll < 0.60:
        kinds = ["home"] + (["phone"] if rng.random() < 0.2 else [])
    elif roll < 0.68:
        kinds = ["phone"]  # a follow-up that does not count: the household is not phone-only
    elif roll < 0.73:
        kinds = ["early"]  # visited before the inspection window
    else:
        kinds = []  # still to visit
    for kind in kinds:
        if kind == "early":
            at = start - dt.timedelta(days=rng.randrange(2, 8)) + dt.timedelta(hours=10)
        else:
            at = _visit_time(rng, start, now)
        hazards = [i.code for i in CHECKLIST if rng.random() < 0.05]
        items = [
            {
                "item": i.code,
                "result": "hazard"
                if i.code in hazards
                else ("na" if i.code == "gas_safety" and rng.random() < 0.2 else "ok"),
                "note": HAZARD_NOTES[i.code] if i.code in hazards else "",
            }
            for i in CHECKLIST
        ]
        needs = [
            {
                "need_type": NEED_FOR[h],
                "quantity": rng.randrange(1, 4),
                "urgency": rng.choice(["normal", "normal", "urgent", "critical"]),
                "description": HAZARD_NOTES[h],
            }
            for h in hazards
            if h in NEED_FOR
        ]
        visit_record(
            actor=actor,
            household=household,
            kind="home" if kind == "early" else kind,
            items=items,
            needs=needs,
            visited_at=at,
            notes="",
        )

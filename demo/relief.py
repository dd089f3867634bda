"""Demo data for relief (synthetic): every case type in every state of its procedure with plausible
amounts, a material ledger with hand-outs, payments, patrols and a New Year visit campaign.

Runs inside a street's schema after the registry demo (it uses that street's households). Every
row is written through the services, with the times the steps would have had (walked back from now).
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core.registry.models import Household
from core.relief import holidays, ledger, patrols, payments, services
from core.relief.models import CaseStatus as S
from tenants.members import member_for

ITEMS = [("棉大衣", "件"), ("棉被", "床"), ("电暖器", "台"), ("米面油礼包", "份"), ("棉鞋", "双")]
# kind, path -> amount requested (yuan); a case above the street's limit (3000) for district review.
AMOUNTS = {
    ("dibao", "ordinary"): "0", ("extreme_poverty", "ordinary"): "0", ("temporary", "ordinary"): "1500.00",
    ("temporary", "emergency"): "800.00", ("heating_subsidy", "ordinary"): "1200.00",
    ("material_aid", "ordinary"): "350.00", ("station_referral", "ordinary"): "0",
}
ABOVE_LIMIT = {"temporary": "6000.00", "heating_subsidy": "3600.00", "material_aid": "3200.00"}


def _all_cases() -> list[tuple[str, str, str, str]]:
    """Every (kind, path) in every status its transition table has, with a plausible amount."""
    order = list(S.values)
    cases = []
    for (kind, path), amount in AMOUNTS.items():
        table = services.transitions_for(kind, path)
        statuses = sorted(set(table) | {t for targets in table.values() for t in targets}, key=order.index)
        for status in statuses:
            cases.append((kind, path, status, ABOVE_LIMIT.get(kind, amount) if status == S.DISTRICT_REVIEW else amount))
    return cases


ENROL = [("investigate", {"note": "家庭人均月收入低于当地低保标准"}), ("review", {"note": "经审核符合条件，拟纳入"}),
         ("notice", {}), ("approve", {"monthly_amount": "812.50", "note": "确认纳入"})]
GRANT = [("investigate", {"note": "入户核实情况属实"}), ("approve", {"note": "同意救助"}),
         ("deliver", {"note": "已打卡发放"}), ("close", {"note": "回访确认已收到"})]
EMERG = [("help", {"note": "当日送去电暖器和棉被，垫付医药费", "amount": "500.00"}),
         ("investigate", {"note": "补充入户调查"}), ("approve", {"note": "追认先行救助"}), ("close", {"note": ""})]
REFER = [("deliver", {"note": "护送至市救助管理站"}), ("close", {"note": "救助站已接收"})]
EXTRA = {
    ("enrol", S.OBJECTION): ENROL[:3] + [("objection", {"note": "群众反映家中有经营性车辆，正在核查"})],
    ("enrol", S.REFUSED): ENROL[:3] + [("refuse", {"reason": "核查发现家庭存款超过规定标准"})],
    ("enrol", S.CLOSED): ENROL[:3] + [("refuse", {"reason": "家庭收入超过标准"}), ("notify_refusal", {"note": "已当面送达并签收"})],
    ("enrol", S.WITHDRAWN): [("withdraw", {"note": "申请人外出务工有收入，主动撤回"})],
    ("grant", S.REFUSED): GRANT[:1] + [("refuse", {"reason": "已获其他渠道救助，不符合条件"})],
    ("grant", S.DISTRICT_REVIEW): GRANT[:1] + [("to_district", {"note": "重病住院费用较高，超过街道额度"})],
    ("grant", S.WITHDRAWN): [("withdraw", {"note": "申请人撤回"})],
    ("emerg", S.REFUSED): EMERG[:2] + [("refuse", {"reason": "补充调查发现不符合急难型救助条件，先行救助不予追认"})],
    ("emerg", S.DISTRICT_REVIEW): EMERG[:2] + [("to_district", {"note": "手术费用高，超过街道额度"})],
    ("refer", S.WITHDRAWN): [("withdraw", {"note": "本人拒绝前往救助站，已发放棉衣"})],
}
REASONS = {
    "dibao": "丈夫病故，本人无固定收入，独自抚养两个孩子",
    "extreme_poverty": "无劳动能力、无生活来源、无法定赡养人",
    "temporary": "突发重病住院，家庭无力承担医疗费用",
    "heating_subsidy": "老人独居，无力缴纳本季取暖费",
    "material_aid": "御寒衣被不足",
    "station_referral": "街面发现流浪人员，自愿接受救助",
}


def signature_png(name: str = "sign.png") -> SimpleUploadedFile:
    """A small picture standing in for a recipient's signature."""
    image = Image.new("RGB", (240, 90), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(20, 60), (70, 25), (110, 65), (160, 30), (215, 55)], fill="navy", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _route(kind: str, path: str, status: str) -> list:
    """The steps that take a new case of this type to ``status``."""
    if kind in ("dibao", "extreme_poverty"):
        family, steps = "enrol", ENROL
    elif kind == "station_referral":
        family, steps = "refer", REFER
    elif path == "emergency":
        family, steps = "emerg", EMERG
    else:
        family, steps = "grant", GRANT
    if status == S.ACCEPTED:
        return []
    if (family, status) in EXTRA:
        return EXTRA[(family, status)]
    for i, (step, _data) in enumerate(steps):
        if services.workflow_for(kind, path).step(step).target == status:
            return steps[: i + 1]
    raise ValueError(f"no route to {status} for {kind}/{path}")


def load(*, office, accounts) -> None:
    from core.org.models import Community
    from tenants.models import Membership

    def member(role: str):
        membership = Membership.objects.filter(street_office=office, role=role, is_active=True).order_by("id").first()
        return member_for(membership.user, office) if membership else None

    staff, leader = member("street_staff"), member("street_leader")
    worker, enforcement, volunteer = member("community_worker"), member("enforcement"), member("volunteer")
    households = list(Household.objects.filter(is_active=True, persons__isnull=False).distinct().order_by("id")[:40])
    if staff is None or not households:
        return
    now = timezone.now()
    items = [ledger.item_create(actor=staff, name=name, unit=unit) for name, unit in ITEMS]
    for community in Community.objects.filter(is_active=True):
        for item, qty in zip(items, (40, 30, 12, 60, 25), strict=True):
            ledger.stock_in(actor=staff, item_id=item.pk, community_id=community.pk, quantity=qty, source="allocation",
                            occurred_on=(now - dt.timedelta(days=20)).date(), note="区民政局冬季物资调拨", now=now)
        ledger.stock_in(actor=staff, item_id=items[1].pk, community_id=community.pk, quantity=10, source="donation",
                        donor="爱心企业 长治市某商贸公司", occurred_on=(now - dt.timedelta(days=6)).date(), now=now)
    for household in households[:6]:
        person = household.persons.filter(is_active=True).first()
        ledger.stock_out(actor=staff, item_id=items[0].pk, household_id=household.pk, person_id=person.pk, quantity=1,
                         recipient_name=person.name, confirmation=signature_png(), note="入户发放", now=now)
    wrong = ledger.stock_out(actor=staff, item_id=items[2].pk, household_id=households[0].pk, quantity=1,
                             recipient_name=households[0].persons.first().name, confirmation=signature_png(), now=now)
    ledger.stock_reverse(actor=staff, movement_id=wrong.pk, reason="登记错物资，实为棉被")
    if leader is None:
        return
    acceptor = worker if worker is not None else staff
    # Who may apply for what (the product's rules): enrolment and grants for identified residents,
    # the station referral for a person met on the street without a fixed address.
    identified = [h for h in households if not h.no_fixed_address and h.persons.filter(is_active=True).exclude(
        id_hash="").exists()]
    homeless = list(Household.objects.filter(is_active=True, no_fixed_address=True, persons__isnull=False)
                    .distinct().order_by("id")) or identified
    for i, (kind, path, status, amount) in enumerate(_all_cases()):
        pool = homeless if kind == "station_referral" else identified
        household = pool[i % len(pool)]
        if acceptor.scope != "street" and household.community_id != acceptor.community_id:
            acceptor_here = staff
        else:
            acceptor_here = acceptor
        people = household.persons.filter(is_active=True).order_by("id")
        person = (people if kind == "station_referral" else people.exclude(id_hash="")).first()
        route = _route(kind, path, status)
        gaps = [dt.timedelta(days=9 if step == "approve" and kind in ("dibao", "extreme_poverty") else 1)
                for step, _data in route]
        # walked back from the load time: the last step two hours ago, so every open clock runs from
        # a plausible moment (an emergency case accepted on load day is not "已超时 15天")
        base = now - sum(gaps, dt.timedelta()) - dt.timedelta(hours=2)
        case = services.case_accept(actor=acceptor_here, kind=kind, path=path, household_id=household.pk,
                                    person_id=person.pk, reason=REASONS[kind], amount_requested=amount,
                                    applied_by_community=kind == "dibao" and i % 3 == 0,
                                    staff_relative=kind == "dibao" and i == 2,
                                    staff_relative_note="社区网格员之父" if kind == "dibao" and i == 2 else "",
                                    accepted_at=base, now=base)
        when = base
        for (step, data), gap in zip(route, gaps, strict=True):
            when = when + gap
            if step == "investigate":
                services.case_add_evidence(case=case, actor=acceptor_here, kind="home", note="入户查看居住和收入情况", at=when)
                if case.is_enrolment:
                    services.case_add_evidence(case=case, actor=acceptor_here, kind="info_check",
                                               note="核对银行存款、车辆、工商登记", at=when)
            data = dict(data)
            if step == "approve" and not case.is_enrolment and "amount" not in data:
                data["amount"] = amount
            if step == "to_district":
                data["amount"] = ABOVE_LIMIT.get(kind, "6000.00")
            if step == "notice":
                data = {"starts_on": when.date(), "ends_on": when.date() + dt.timedelta(days=6)}
            actor = leader if step in ("approve", "refuse", "review", "to_district") else acceptor_here
            services.case_step(case=case, actor=actor, step=step, now=when, **data)
    payments.payments_expect(month=now.date())
    # patrols are assessed from the Monday of the week of the first demo patrol (nine days ago)
    patrols.patrol_schedule_set(actor=leader, per_week=2, with_enforcement=True, areas="火车站、客运站、桥洞",
                                starts_on=timezone.localdate(now - dt.timedelta(days=9)))
    patrols.patrol_week_ensure(day=timezone.localdate(now), now=now)
    if enforcement is not None:
        for days, area in ((9, "火车站广场及地下通道"), (7, "长治客运东站"), (2, "城南桥洞、废弃厂房")):
            patrols.patrol_record(actor=enforcement, started_at=now - dt.timedelta(days=days, hours=2), area=area,
                                  members="郑执法、程民政、综合执法队2人", with_enforcement=True, now=now,
                                  encounters=[{"description": "男，约60岁，衣着单薄，无身份证件", "place": area,
                                               "action": "to_station", "follow_up": "已送市救助管理站"}]
                                  if days == 7 else [])
    campaign = holidays.holiday_campaign_create(
        actor=leader, name=f"{now.year + 1}年元旦走访慰问", holiday="new_year",
        starts_on=timezone.localdate(now), ends_on=timezone.localdate(now) + dt.timedelta(days=35),
        categories=["extreme_poverty", "dibao", "orphan", "unsupported_child"])
    target = campaign.targets.first()
    if target is not None and (volunteer or worker) is not None:
        visitor = volunteer if volunteer and volunteer.community_id == target.community_id else staff
        holidays.holiday_visit_record(actor=visitor, target=target, recipient_name=target.person.name,
                                      confirmation=signature_png(), cash_amount="300.00", item_id=items[3].pk,
                                      quantity=1, now=now)

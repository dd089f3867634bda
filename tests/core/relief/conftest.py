"""Relief fixtures: street A's organisation (``org_a``), a household with two persons, a fixed ``now``
(Tuesday 2026-12-01 10:00 Beijing time) and ``bring`` to walk a new case to any status."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.relief.models import CaseStatus as S
from core.relief.services import case_accept, case_add_evidence, case_step

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


def png(name: str = "sign.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def household(org_a):
    from tests.registry_places import make_household

    return make_household(org_a, persons=2)


@pytest.fixture
def bring(org_a, household):
    """``bring(kind, status, path="ordinary", amount="800")``: a case accepted by the street staff and
    walked (by people allowed to) to ``status``; returns it."""
    staff, leader = org_a.members["street_staff"], org_a.members["street_leader"]
    person = household.persons.first()

    def walk(kind: str, status: str, path: str = "ordinary", amount: str = "800", accepted_by=None):
        case = case_accept(
            actor=accepted_by or staff, kind=kind, path=path, household_id=household.pk, person_id=person.pk,
            reason="冬季取暖困难", amount_requested=amount, accepted_at=NOW, now=NOW,
        )
        route = _route(kind, path, status)
        now = NOW
        for step, data in route:
            if step == "investigate" and kind in ("dibao", "extreme_poverty"):
                case_add_evidence(case=case, actor=staff, kind="home", note="入户核查家庭收入", at=now)
            if step == "approve" and kind in ("dibao", "extreme_poverty"):
                now = NOW + dt.timedelta(days=8)
            case = case_step(case=case, actor=leader if step in ("approve", "refuse", "review") else staff,
                             step=step, now=now, **data)
        assert case.status == status
        return case

    return walk


ENROL = [("investigate", {"note": "收入低于标准"}), ("review", {"note": "同意，拟纳入"}),
         ("notice", {}), ("approve", {"monthly_amount": "812.50"})]
GRANT = [("investigate", {"note": "属实"}), ("approve", {"amount": "800"}), ("deliver", {"note": "已转账"}),
         ("close", {"note": ""})]
EMERG = [("help", {"note": "当日送去取暖器", "amount": "500"}), ("investigate", {"note": "补充调查"}),
         ("approve", {"amount": "500"}), ("close", {"note": ""})]
REFER = [("deliver", {"note": "送至市救助管理站"}), ("close", {"note": ""})]


def _route(kind: str, path: str, status: str) -> list:
    if status == S.ACCEPTED:
        return []
    if kind in ("dibao", "extreme_poverty"):
        steps = ENROL
        extra = {S.OBJECTION: ENROL[:3] + [("objection", {"note": "邻居反映有车辆"})],
                 S.REFUSED: ENROL[:3] + [("refuse", {"reason": "家庭收入超过标准"})],
                 S.WITHDRAWN: [("withdraw", {"note": "申请人撤回"})],
                 S.CLOSED: ENROL[:3] + [("refuse", {"reason": "家庭收入超过标准"}), ("notify_refusal", {"note": "已送达"})]}
    elif kind == "station_referral":
        steps = REFER
        extra = {S.WITHDRAWN: [("withdraw", {"note": "本人拒绝"})]}
    elif path == "emergency":
        steps = EMERG
        extra = {S.REFUSED: EMERG[:2] + [("refuse", {"reason": "不符合条件"})],
                 S.DISTRICT_REVIEW: EMERG[:2] + [("to_district", {"note": "金额较大", "amount": "5000", "above_request_reason": "入户核实另有医疗欠款"})]}
    else:
        steps = GRANT
        extra = {S.REFUSED: GRANT[:1] + [("refuse", {"reason": "不符合条件"})],
                 S.DISTRICT_REVIEW: GRANT[:1] + [("to_district", {"note": "金额较大", "amount": "5000", "above_request_reason": "入户核实另有医疗欠款"})],
                 S.WITHDRAWN: [("withdraw", {"note": "申请人撤回"})]}
    if status in extra:
        return extra[status]
    from core.relief.services import workflow_for

    for i, (step, _data) in enumerate(steps):
        if workflow_for(kind, path).step(step).target == status:
            return steps[: i + 1]
    raise AssertionError(f"no route to {status} for {kind}/{path}")

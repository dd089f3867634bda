"""Demo data for requests and rectifications (synthetic people). Runs inside a street's schema.

Uses the street's communities and grids when the organisation demo made them; otherwise makes two
communities with a grid each. Places the demo community and grid accounts there if unplaced.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.org.models import Community, Grid
from tenants.members import member_for
from tenants.models import Membership

DEMO_COMMUNITIES = [
    ("太东社区", "0355-2188001", "每天 8:00-20:00"),
    ("英雄南社区", "0355-2188002", "全天24小时"),
]


def _place(office) -> tuple[Community, Grid]:
    if not Community.objects.exists():
        for name, hotline, hours in DEMO_COMMUNITIES:
            community = Community.objects.create(name=name, hotline=hotline, hotline_hours=hours)
            Grid.objects.create(community=community, name="第一网格")
            Grid.objects.create(community=community, name="第二网格")
    community = Community.objects.order_by("sort_order", "id").first()
    grid = community.grids.order_by("id").first()
    for membership in Membership.objects.filter(street_office=office, community_id__isnull=True):
        if membership.role in ("grid_worker", "building_head"):
            membership.community_id, membership.grid_id = community.pk, grid.pk
        elif membership.role in ("community_director", "community_worker", "volunteer"):
            membership.community_id = community.pk
        else:
            continue
        membership.save(update_fields=["community_id", "grid_id"])
    return community, grid


def _demo_households(grid: Grid, count: int) -> list:
    """Households of the registry demo in this grid (oldest first), each with its head's name."""
    from core.registry.models import Household, Person

    found = []
    for household in Household.objects.filter(grid=grid, is_active=True).order_by("id")[: count * 3]:
        head = household.persons.filter(relation=Person.Relation.HEAD, is_active=True).first()
        if head is not None:
            household.head_name = head.name
            found.append(household)
        if len(found) == count:
            break
    return found


def _linked(households: list, index: int, fallback_name: str) -> dict:
    """Request fields for the index-th demo household (linked: community and grid follow it), or the
    stand-alone fallback when the registry demo did not run."""
    if index < len(households):
        household = households[index]
        return {
            "household_id": household.pk,
            "requester_name": household.head_name,
            "address": household.address,
        }
    return {"requester_name": fallback_name}


def load(*, office, accounts) -> None:
    from core.rectification.services import (
        rectification_add_evidence,
        rectification_create,
        rectification_fix,
        rectification_from_request,
        rectification_verify,
    )
    from core.requests.services import request_feedback, request_handle, request_receive, request_respond

    if (
        "thd_staff" not in accounts
        or Membership.objects.filter(user=accounts["thd_staff"], street_office=office).count() == 0
    ):
        return  # only the first demo street has the full cast
    community, grid = _place(office)
    staff = member_for(accounts["thd_staff"], office)
    grid_worker = member_for(accounts["thd_grid"], office)
    director = member_for(accounts["thd_director"], office)
    now = timezone.now()
    ago = lambda **kw: now - dt.timedelta(**kw)  # noqa: E731
    households = _demo_households(grid, 3)

    overdue = request_receive(
        actor=staff,
        channel="hotline",
        category="heating",
        **_linked(households, 0, "周大爷"),
        requester_phone="13900001111",
        community=community,
        grid=grid,
        description="暖气片不热，屋里只有十度",
        received_at=ago(hours=2),
        now=now,
    )
    assert overdue.pk
    soon = request_receive(
        actor=grid_worker,
        channel="grid_worker",
        category="clothing",
        **_linked(households, 1, "吴奶奶"),
        community=community,
        grid=grid,
        description="缺一双棉鞋",
        received_at=ago(minutes=50),
        now=now,
    )
    assert soon.pk
    handling = request_receive(
        actor=staff,
        channel="walk_in",
        category="food",
        requester_name="郑大妈",
        community=community,
        grid=grid,
        description="米面油快用完了",
        received_at=ago(hours=5),
        now=now,
    )
    request_respond(
        request=handling, actor=grid_worker, note="已电话联系，明天送到", at=ago(hours=4, minutes=40)
    )
    done = request_receive(
        actor=staff,
        channel="hotline",
        category="housing_safety",
        **_linked(households, 2, "王师傅"),
        community=community,
        grid=grid,
        description="楼道电线老化，私拉乱接",
        received_at=ago(days=2),
        now=now,
    )
    request_respond(
        request=done, actor=grid_worker, note="已上门查看", at=ago(days=2) + dt.timedelta(minutes=30)
    )
    request_handle(request=done, actor=director, note="已请电工更换线路", at=ago(days=1, hours=6))
    request_feedback(
        request=done, actor=grid_worker, note="回访：已安全用电", satisfaction="satisfied", at=ago(days=1)
    )

    item = rectification_from_request(
        request=done, actor=staff, responsible_user_id=grid_worker.user.pk, now=ago(days=1)
    )
    rectification_add_evidence(item=item, actor=grid_worker, text="已更换线路，拆除飞线", now=ago(hours=20))
    rectification_fix(item=item, actor=grid_worker, note="更换线路并拆除飞线", now=ago(hours=20))
    rectification_verify(item=item, actor=director, passed=True, note="现场验收合格", now=ago(hours=18))
    rectification_create(
        actor=staff,
        source_type="upstream",
        source_note="区民政局督查反馈第3条",
        title="低保户李某家中缺少应急药品",
        community=community,
        grid=grid,
        responsible_user_id=director.user.pk,
        now=now,
    )
    _problems_to_rectification(grid=grid, staff=staff, grid_worker=grid_worker, director=director, now=now)


def _problems_to_rectification(*, grid: Grid, staff, grid_worker, director, now) -> None:
    """Hazards found on the registry demo's visits go to the rectification ledger: one already fixed
    and verified (its problem resolved by the verification), one being fixed, one just handed over."""
    from core.inspections.models import Problem
    from core.rectification.services import (
        rectification_add_evidence,
        rectification_fix,
        rectification_from_problem,
        rectification_verify,
    )

    ago = lambda **kw: now - dt.timedelta(**kw)  # noqa: E731
    problems = list(
        Problem.objects.filter(household__grid=grid, status=Problem.Status.OPEN, rectification__isnull=True)
        .select_related("household")
        .order_by("id")[:3]
    )
    for index, problem in enumerate(problems):
        item = rectification_from_problem(
            problem=problem, actor=staff, responsible_user_id=grid_worker.user.pk, now=ago(days=3 - index)
        )
        if index == 0:
            rectification_add_evidence(
                item=item, actor=grid_worker, text="已请专业人员上门处理", now=ago(days=2)
            )
            rectification_fix(item=item, actor=grid_worker, note="隐患已排除", now=ago(days=2))
            rectification_verify(item=item, actor=director, passed=True, note="复查合格", now=ago(days=1))
        elif index == 1:
            rectification_add_evidence(
                item=item, actor=grid_worker, text="已联系物业，材料已采购", now=ago(hours=6)
            )

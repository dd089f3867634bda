"""Holiday visits (元旦、春节走访慰问): a campaign, its target list drawn from the registry by category,
and visits recorded by cadres and volunteers with what was given and the recipient's confirmation.

Goods handed over on a visit leave the material ledger as a stock-out to that household (same
confirmation picture), so the ledger and the visit never disagree.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.common import ensure_can
from core.deadlines.durations import LOCAL_TZ
from core.once.unique import unique_messages
from core.org.scope import member_reaches
from core.registry.models import CATEGORY_LABELS, Person
from core.relief.ledger import stock_out
from core.relief.models import HolidayCampaign, HolidayTarget, HolidayVisit
from core.relief.services import parse_amount
from core.relief.uploads import check_image


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: ["日期格式不正确 / invalid date"]}) from None


@transaction.atomic
def holiday_campaign_create(
    *, actor, name: str, holiday: str, starts_on, ends_on, categories: list[str]
) -> HolidayCampaign:
    """Create a campaign and its target list: every active person of an active household whose
    registry categories include one of ``categories`` (the person's first matching category)."""
    ensure_can(actor, "holiday.manage")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["请填写活动名称 / name is required"]
    if holiday not in HolidayCampaign.Holiday.values:
        errors["holiday"] = ["节日无效 / unknown holiday"]
    categories = [c for c in (categories or []) if c]
    if not categories or any(c not in CATEGORY_LABELS for c in categories):
        errors["categories"] = ["请选择慰问对象类别 / choose known categories"]
    try:
        starts, ends = _date(starts_on, "starts_on"), _date(ends_on, "ends_on")
        if ends < starts:
            errors["ends_on"] = ["结束日期早于开始日期 / ends before it starts"]
        elif (ends - starts).days > 90:
            errors["ends_on"] = ["活动时间过长 / longer than 90 days"]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    campaign = HolidayCampaign.objects.create(
        name=name[:100], holiday=holiday, starts_on=starts, ends_on=ends, categories=categories
    )
    persons = Person.objects.filter(is_active=True, household__is_active=True).select_related("household")
    targets = []
    for person in persons.order_by("household_id", "id"):
        match = next((c for c in categories if c in (person.categories or [])), None)
        if match:
            targets.append(
                HolidayTarget(
                    campaign=campaign,
                    household=person.household,
                    person=person,
                    category=match,
                    community_id=person.household.community_id,
                    grid_id=person.household.grid_id,
                )
            )
    HolidayTarget.objects.bulk_create(targets, batch_size=1000)
    audit_record(
        actor=actor, action="holiday.campaign_create", obj=campaign, after=model_snapshot(campaign) | {"targets": len(targets)}
    )
    return campaign


@unique_messages
@transaction.atomic
def holiday_visit_record(
    *,
    actor,
    target: HolidayTarget,
    recipient_name: str,
    confirmation: UploadedFile | None,
    gifts: str = "",
    cash_amount="0",
    item_id: int | None = None,
    quantity=None,
    note: str = "",
    visited_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> HolidayVisit:
    """Record a visit to a target: what was given (``gifts`` text, ``cash_amount`` yuan, and/or
    ``quantity`` of material ``item_id`` from the household's community stock), who signed for it
    and the signature or photo. Something must be given; stock never goes negative.

    A cash gift (``cash_amount`` > 0) is given once per target (one person in one campaign): a second
    one is refused on ``cash_amount`` — checked under a lock of the target's row, and by the unique
    constraint ``holiday_cash_once`` (``@unique_messages``) for requests racing past the check."""
    ensure_can(actor, "holiday.record")
    now = now or timezone.now()
    visited_at = visited_at or now
    # the row lock serialises two visits to the same person: the second sees the first's cash gift
    target = (
        HolidayTarget.objects.select_for_update(of=("self",))
        .select_related("campaign", "household", "person")
        .get(pk=target.pk)
    )
    if hasattr(actor, "scope") and not member_reaches(actor, community_id=target.community_id, grid_id=target.grid_id):
        raise PermissionDenied("不在您的管辖范围 / outside your reach")
    errors: dict[str, list[str]] = {}
    try:
        cash = parse_amount(cash_amount if cash_amount not in (None, "") else "0", "cash_amount")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cash = None
    if cash:
        given = HolidayVisit.objects.filter(target=target, cash_amount__gt=0).order_by("visited_at").first()
        if given is not None:
            errors["cash_amount"] = [
                f"本次慰问活动已于 {given.visited_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M} 向{target.person.name}发放慰问金 "
                f"{given.cash_amount} 元（{given.visitor_name}），不能重复发放 / a cash gift was already given to this "
                "person in this campaign"
            ]
    gifts = (gifts or "").strip()
    if not gifts and not item_id and not cash:
        errors["gifts"] = ["请填写慰问品或慰问金 / say what was given"]
    recipient_name = (recipient_name or "").strip()
    if not recipient_name:
        errors["recipient_name"] = ["请填写签收人 / recipient name is required"]
    if confirmation is None:
        errors["confirmation"] = ["请上传签收人签名或照片 / the recipient's signature or photo is required"]
    else:
        try:
            confirmation = check_image(confirmation, "confirmation")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    day = visited_at.astimezone(LOCAL_TZ).date()
    if visited_at > now + dt.timedelta(minutes=5):
        errors["visited_at"] = ["慰问时间不能晚于当前时间 / visited_at is in the future"]
    elif not (target.campaign.starts_on - dt.timedelta(days=7) <= day <= target.campaign.ends_on + dt.timedelta(days=7)):
        errors["visited_at"] = ["慰问时间不在活动期间 / outside the campaign's dates"]
    if errors:
        raise ValidationError(errors)
    movement = None
    if item_id:
        movement = stock_out(
            actor=actor,
            item_id=item_id,
            household_id=target.household_id,
            person_id=target.person_id,
            quantity=quantity,
            recipient_name=recipient_name,
            confirmation=confirmation,
            occurred_on=day,
            note=f"{target.campaign.name}慰问",
            action="holiday.record",
            now=now,
        )
    visit = HolidayVisit.objects.create(
        target=target,
        visited_at=visited_at,
        visitor_id=getattr(getattr(actor, "user", None), "pk", None),
        visitor_name=(actor.user.display_name() if getattr(actor, "user", None) else "系统"),
        gifts=gifts[:300] or (f"{movement.item.name} {movement.quantity}{movement.item.unit}" if movement else ""),
        cash_amount=cash,
        stock_out=movement,
        recipient_name=recipient_name[:50],
        confirmation=movement.confirmation.name if movement else confirmation,
        note=(note or "").strip()[:300],
    )
    after = model_snapshot(visit)
    after["confirmation"] = visit.confirmation.name
    audit_record(actor=actor, action="holiday.visit", obj=visit, after=after)
    return visit

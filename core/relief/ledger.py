"""Writes of the material ledger (御寒物资台账): stock in, stock out to a named recipient, reversals,
physical counts. Lines are never edited or deleted; a mistake is corrected by a reversing line.

Stock is kept per item and community in ``StockBalance``; every movement locks that row
(``SELECT ... FOR UPDATE``), checks, and updates it in the same transaction, so simultaneous hand-outs
are serialised and the balance never goes below zero (a CHECK constraint backs the check).

Errors: ``ValidationError`` (field -> "中文 / English") for bad input (quantity not a positive whole
number, unknown item, missing recipient or confirmation, not enough stock); ``PermissionDenied`` for
a role without ``material.edit`` or a community outside the actor's reach. Nothing changes on error.
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
from core.org.models import Community
from core.org.scope import member_reaches
from core.registry.models import Household, Person
from core.relief.models import (
    MaterialItem,
    MovementKind,
    StockBalance,
    StockCount,
    StockMovement,
    StockSource,
)
from core.relief.uploads import check_image

MAX_QUANTITY = 100_000


def _snap(obj) -> dict:
    """``model_snapshot`` with stored files as their (generated) names."""
    from django.db.models.fields.files import FieldFile

    return {k: (v.name if isinstance(v, FieldFile) else v) for k, v in model_snapshot(obj).items()}


def _user_id(actor) -> int | None:
    return getattr(getattr(actor, "user", None), "pk", None)


def _name(actor) -> str:
    user = getattr(actor, "user", None)
    return user.display_name() if user else "系统"


def parse_quantity(value, field: str = "quantity") -> int:
    """A positive whole number of units (ValidationError otherwise)."""
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value not in (None, "") else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise ValidationError({field: ["数量须为正整数 / quantity must be a whole number"]})
    if number <= 0:
        raise ValidationError({field: ["数量必须大于0 / quantity must be positive"]})
    if number > MAX_QUANTITY:
        raise ValidationError({field: ["数量过大，请核对 / quantity is implausibly large"]})
    return number


def _item(item_id) -> MaterialItem:
    item = MaterialItem.objects.filter(pk=_int(item_id), is_active=True).first()
    if item is None:
        raise ValidationError({"item_id": ["物资不存在 / unknown item"]})
    return item


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _community(actor, community_id) -> Community:
    community = Community.objects.filter(pk=_int(community_id), is_active=True).first()
    if community is None:
        raise ValidationError({"community_id": ["社区(村)不存在 / unknown community"]})
    if hasattr(actor, "scope") and not member_reaches(actor, community_id=community.pk, grid_id=None):
        if actor.scope != "grid":
            raise PermissionDenied("不在您的管辖范围 / outside your reach")
    return community


def _date(value, now: dt.datetime, field: str = "occurred_on") -> dt.date:
    today = now.astimezone(LOCAL_TZ).date()
    if value in (None, ""):
        return today
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError({field: ["日期格式不正确 / invalid date"]}) from None
    if day > today:
        raise ValidationError({field: ["日期不能晚于今天 / the date is in the future"]})
    if day < today - dt.timedelta(days=366):
        raise ValidationError({field: ["日期过早，请核对 / the date is more than a year ago"]})
    return day


def _balance_locked(item: MaterialItem, community: Community) -> StockBalance:
    StockBalance.objects.bulk_create([StockBalance(item=item, community=community)], ignore_conflicts=True)
    return StockBalance.objects.select_for_update().get(item=item, community=community)


def _apply(balance: StockBalance, delta: int, item: MaterialItem) -> None:
    if balance.quantity + delta < 0:
        raise ValidationError(
            {
                "quantity": [
                    f"库存不足：{item.name}在该社区现有 {balance.quantity}{item.unit} / not enough stock ({balance.quantity} left)"
                ]
            }
        )
    balance.quantity += delta
    balance.save(update_fields=["quantity", "updated_at"])


@transaction.atomic
def item_create(*, actor, name: str, unit: str = "件") -> MaterialItem:
    ensure_can(actor, "material.edit")
    name, unit = (name or "").strip(), (unit or "").strip() or "件"
    if not name:
        raise ValidationError({"name": ["请填写物资名称 / name is required"]})
    if len(name) > 60 or len(unit) > 10:
        raise ValidationError({"name": ["名称或单位过长 / name or unit too long"]})
    if MaterialItem.objects.filter(name=name).exists():
        raise ValidationError({"name": ["该物资已存在 / the item exists"]})
    item = MaterialItem.objects.create(name=name, unit=unit)
    audit_record(actor=actor, action="material.item_create", obj=item, after=model_snapshot(item))
    return item


@transaction.atomic
def stock_in(
    *,
    actor,
    item_id: int,
    community_id: int,
    quantity,
    source: str,
    donor: str = "",
    occurred_on=None,
    note: str = "",
    now: dt.datetime | None = None,
) -> StockMovement:
    """Receive ``quantity`` units of an item into a community's stock (source: allocation, purchase,
    donation or other; a donation names its donor)."""
    ensure_can(actor, "material.edit")
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: _item(item_id),
        lambda: parse_quantity(quantity),
        lambda: _date(occurred_on, now),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if source not in StockSource.values:
        errors["source"] = ["来源无效 / unknown source"]
    elif source == StockSource.DONATION and not (donor or "").strip():
        errors["donor"] = ["社会捐赠请填写捐赠方 / a donation names its donor"]
    if errors:
        raise ValidationError(errors)
    item, qty, day = _item(item_id), parse_quantity(quantity), _date(occurred_on, now)
    community = _community(actor, community_id)
    balance = _balance_locked(item, community)
    _apply(balance, qty, item)
    movement = StockMovement.objects.create(
        item=item,
        community=community,
        kind=MovementKind.IN,
        delta=qty,
        occurred_on=day,
        source=source,
        donor=(donor or "").strip()[:100],
        note=(note or "").strip()[:300],
        recorded_by_id=_user_id(actor),
        recorded_by_name=_name(actor),
    )
    audit_record(actor=actor, action="material.in", obj=movement, after=_snap(movement))
    return movement


@transaction.atomic
def stock_out(
    *,
    actor,
    item_id: int,
    household_id: int,
    quantity,
    recipient_name: str,
    confirmation: UploadedFile | None,
    person_id: int | None = None,
    occurred_on=None,
    case=None,
    note: str = "",
    action: str = "material.edit",
    now: dt.datetime | None = None,
) -> StockMovement:
    """Hand ``quantity`` units to a named household (optionally one of its persons) from the stock of
    the household's community. The recipient signs or is photographed (``confirmation``: a picture);
    the actor is recorded as the person who handed it over. Refused when stock would go negative.

    ``action`` is the permission the caller needs (holiday deliveries use ``holiday.record``)."""
    ensure_can(actor, action)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    item = qty = day = None
    try:
        item = _item(item_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        qty = parse_quantity(quantity)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        day = _date(occurred_on, now)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    household = Household.objects.filter(pk=_int(household_id), is_active=True).first()
    if household is None:
        errors["household_id"] = ["领取户不存在或已注销 / unknown or deregistered household"]
    person = None
    if person_id not in (None, ""):
        person = Person.objects.filter(pk=_int(person_id), household=household, is_active=True).first()
        if person is None:
            errors["person_id"] = ["领取人不属于该户 / the person is not in this household"]
    recipient_name = (recipient_name or "").strip()
    if not recipient_name:
        errors["recipient_name"] = ["请填写领取人姓名 / recipient name is required"]
    elif len(recipient_name) > 50:
        errors["recipient_name"] = ["领取人姓名过长 / recipient name too long"]
    if confirmation is None:
        errors["confirmation"] = ["请上传领取人签名或领取照片 / the recipient's signature or photo is required"]
    else:
        try:
            confirmation = check_image(confirmation, "confirmation")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if hasattr(actor, "scope") and not member_reaches(
        actor, community_id=household.community_id, grid_id=household.grid_id
    ):
        raise PermissionDenied("不在您的管辖范围 / outside your reach")
    balance = _balance_locked(item, household.community)
    _apply(balance, -qty, item)
    movement = StockMovement.objects.create(
        item=item,
        community=household.community,
        kind=MovementKind.OUT,
        delta=-qty,
        occurred_on=day,
        household=household,
        person=person,
        recipient_name=recipient_name,
        confirmation=confirmation,
        handed_by_id=_user_id(actor),
        handed_by_name=_name(actor),
        case=case,
        note=(note or "").strip()[:300],
        recorded_by_id=_user_id(actor),
        recorded_by_name=_name(actor),
    )
    audit_record(actor=actor, action="material.out", obj=movement, after=_snap(movement))
    return movement


@transaction.atomic
def stock_reverse(*, actor, movement_id: int, reason: str, now: dt.datetime | None = None) -> StockMovement:
    """Correct a wrong line by a reversing line of the opposite sign (never by editing it). Reversing a
    receipt is refused if the stock it brought has already left."""
    ensure_can(actor, "material.edit")
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写冲正原因 / reason is required"]})
    original = StockMovement.objects.select_for_update().filter(pk=_int(movement_id)).first()
    if original is None:
        raise ValidationError({"movement_id": ["台账记录不存在 / unknown ledger line"]})
    if original.kind == MovementKind.REVERSAL:
        raise ValidationError({"movement_id": ["冲正记录不能再冲正 / a reversal cannot be reversed"]})
    if StockMovement.objects.filter(reverses=original).exists():
        raise ValidationError({"movement_id": ["该记录已冲正 / already reversed"]})
    _community(actor, original.community_id)
    balance = _balance_locked(original.item, original.community)
    _apply(balance, -original.delta, original.item)
    reversal = StockMovement.objects.create(
        item=original.item,
        community=original.community,
        kind=MovementKind.REVERSAL,
        delta=-original.delta,
        occurred_on=now.astimezone(LOCAL_TZ).date(),
        household=original.household,
        reverses=original,
        note=f"冲正：{reason}"[:300],
        recorded_by_id=_user_id(actor),
        recorded_by_name=_name(actor),
    )
    audit_record(
        actor=actor, action="material.reverse", obj=reversal, after=_snap(reversal), reason=reason
    )
    return reversal


@transaction.atomic
def stock_count(
    *, actor, item_id: int, community_id: int, counted_quantity, note: str = "", now: dt.datetime | None = None
) -> StockCount:
    """Record a physical count (盘点) beside the ledger's balance at that moment; differences show in
    the diversion report and are corrected by the people responsible, never silently."""
    ensure_can(actor, "material.edit")
    now = now or timezone.now()
    item = _item(item_id)
    community = _community(actor, community_id)
    if counted_quantity in (0, "0"):
        counted = 0
    else:
        counted = parse_quantity(counted_quantity, "counted_quantity")
    balance = _balance_locked(item, community)
    count = StockCount.objects.create(
        item=item,
        community=community,
        counted_quantity=counted,
        recorded_quantity=balance.quantity,
        counted_at=now,
        counted_by_name=_name(actor),
        note=(note or "").strip()[:300],
    )
    audit_record(actor=actor, action="material.count", obj=count, after=model_snapshot(count))
    return count

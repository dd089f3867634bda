"""Writes of the registry: households and persons, ID protection and duplicate claims."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.audit.services import audit_record, model_snapshot
from core.common import MOBILE_ERROR, MOBILE_RE, PHONE_ERROR, PHONE_RE, current_office, ensure_can
from core.events.services import publish
from core.once.unique import unique_guard, unique_messages
from core.org.models import Building, Community, Grid
from core.org.scope import ensure_reach, member_reaches
from core.registry.idnumbers import id_decrypt, id_encrypt, id_hash, id_mask, id_normalize, id_parse
from core.registry.models import CATEGORY_LABELS, Household, Person
from tenants.models import IdHashClaim

HOUSEHOLD_FIELDS = (
    "number",
    "community",
    "grid",
    "building",
    "address",
    "no_fixed_address",
    "phone",
    "phone_only",
    "phone_only_reason",
    "notes",
)
PERSON_FIELDS = (
    "name",
    "id_number",
    "phone",
    "relation",
    "categories",
    "dibao_status",
    "extreme_poverty_status",
    "notes",
)
_HOUSEHOLD_RELATIONS = ["community", "grid", "building"]
SUPPORT_STATUSES = {c for c, _ in Person.SupportStatus.choices}
RELATIONS = {c for c, _ in Person.Relation.choices}


class DuplicatePersonError(ValidationError):
    """The ID number is already registered in this street office; ``existing`` is that person.

    ``in_reach``: whether the actor may see the holder. Only then does the message name the holder
    and its household; otherwise it says only that the number is registered in this street and
    whom to contact (``contacts``: the street office's civil-affairs staff) — never an oracle of
    who holds a number outside the actor's reach (issue 10 §3).
    """

    def __init__(self, existing: Person, *, actor=None):
        self.existing = existing
        self.in_reach = _holder_in_reach(actor, existing)
        self.contacts = [] if self.in_reach else street_contacts()
        if self.in_reach:
            message = (
                f"该身份证号已登记：{existing.name}（户 {existing.household}）"
                f"/ ID number already registered (person #{existing.pk})"
            )
        else:
            who = "、".join(self.contacts) or "街道民政办"
            message = (
                f"该身份证号已在本街道登记，登记人不在您的管辖范围内。请联系街道民政办核实：{who}"
                " / ID number already registered in this street office outside your reach; contact the street office"
            )
        super().__init__({"id_number": [message]})


def _holder_in_reach(actor, existing: Person) -> bool:
    if actor is None or not hasattr(actor, "scope"):
        return True  # the system (imports, setup) acts with the whole street's reach
    household = existing.household
    return actor.can("household.view") and member_reaches(
        actor, community_id=household.community_id, grid_id=household.grid_id
    )


def street_contacts() -> list[str]:
    """Names (and work mobiles) of this street office's civil-affairs staff: whom to ask."""
    from tenants.models import Membership
    from tenants.roles import STREET_STAFF

    office = current_office()
    rows = (
        Membership.objects.filter(street_office=office, role=STREET_STAFF, is_active=True)
        .select_related("user")
        .order_by("pk")[:3]
    )
    return [
        f"{m.user.display_name()}" + (f" {m.user.mobile}" if getattr(m.user, "mobile", "") else "") for m in rows
    ]


# --- households -----------------------------------------------------------------------------
def household_validate(
    data: dict, *, instance: Household | None = None, check_number: bool = True
) -> dict[str, list[str]]:
    """Errors of household fields by field name. ``check_number=False`` leaves out the one database
    look-up (the 户编号 being free), for callers that check many numbers at once (the roster import)."""
    errors: dict[str, list[str]] = {}
    community: Community | None = data.get("community")
    grid: Grid | None = data.get("grid")
    building: Building | None = data.get("building")
    if grid is None:
        errors["grid"] = ["请选择网格 / grid is required"]
    if community is None:
        errors["community"] = ["请选择社区 / community is required"]
    if grid is not None and community is not None and grid.community_id != community.pk:
        errors["grid"] = [f"网格“{grid.name}”不属于社区“{community.name}” / grid is not in this community"]
    if building is not None and grid is not None and building.grid_id != grid.pk:
        errors["building"] = [f"楼栋“{building.name}”不属于该网格 / building is not in this grid"]
    if not data.get("no_fixed_address") and not (data.get("address") or "").strip():
        errors["address"] = ["请填写住址（无固定住所请勾选）/ address is required unless no fixed address"]
    phone = (data.get("phone") or "").strip()
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = [PHONE_ERROR]
    if data.get("phone_only"):
        if not (data.get("phone_only_reason") or "").strip():
            errors["phone_only_reason"] = [
                "仅电话随访须说明原因 / a reason is required for phone-only households"
            ]
        if not phone:
            errors.setdefault("phone", []).append(
                "仅电话随访须填写联系电话 / phone-only needs a phone number"
            )
    number = (data.get("number") or "").strip()
    if (
        check_number
        and number
        and Household.objects.filter(number=number).exclude(pk=getattr(instance, "pk", None)).exists()
    ):
        errors["number"] = [f"户编号 {number} 已存在 / household number already exists"]
    return errors


@unique_messages
@transaction.atomic
def household_register(*, actor, **fields) -> Household:
    ensure_can(actor, "household.edit")
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValidationError(
            {"non_field_errors": [f"未知字段 {', '.join(sorted(unknown))} / unknown fields"]}
        )
    errors = household_validate(fields)
    if errors:
        raise ValidationError(errors)
    ensure_reach(actor, community_id=fields["community"].pk, grid_id=fields["grid"].pk)
    household = Household(**{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()})
    if not household.phone_only:
        household.phone_only_reason = ""
    household.clean_fields(exclude=_HOUSEHOLD_RELATIONS)  # relations and constraints checked above
    household.save()
    audit_record(actor=actor, action="household.register", obj=household, after=model_snapshot(household))
    publish(*household_event(household), actor=actor)
    return household


def household_event(household: Household) -> tuple[str, Household, dict]:
    """The ``household.created`` event of a new household (core.events), for ``publish``/``publish_many``."""
    return (
        "household.created",
        household,
        {"community_id": household.community_id, "grid_id": household.grid_id, "url": f"/households/{household.pk}/"},
    )


@unique_messages
@transaction.atomic
def household_update(*, actor, household: Household, **fields) -> Household:
    ensure_can(actor, "household.edit")
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValidationError(
            {"non_field_errors": [f"未知字段 {', '.join(sorted(unknown))} / unknown fields"]}
        )
    merged = {name: getattr(household, name) for name in HOUSEHOLD_FIELDS} | fields
    errors = household_validate(merged, instance=household)
    if errors:
        raise ValidationError(errors)
    ensure_reach(actor, community_id=merged["community"].pk, grid_id=merged["grid"].pk)
    before = model_snapshot(household)
    for name, value in fields.items():
        setattr(household, name, value.strip() if isinstance(value, str) else value)
    if not household.phone_only:
        household.phone_only_reason = ""
    household.clean_fields(exclude=_HOUSEHOLD_RELATIONS)  # relations and constraints checked above
    household.save()
    audit_record(
        actor=actor, action="household.update", obj=household, before=before, after=model_snapshot(household)
    )
    return household


# --- persons --------------------------------------------------------------------------------
def person_clean(data: dict, *, instance: Person | None = None) -> tuple[dict, dict[str, list[str]]]:
    """Validate person fields; returns the cleaned values (ID split into its stored forms) and errors."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写姓名 / name is required"]
    clean["name"] = name
    categories = list(dict.fromkeys(data.get("categories") or []))
    bad = [c for c in categories if c not in CATEGORY_LABELS]
    if bad:
        errors["categories"] = [f"未知对象类别 {', '.join(bad)} / unknown categories"]
    clean["categories"] = categories
    raw_id = id_normalize(data.get("id_number") or "")
    if raw_id:
        try:
            facts = id_parse(raw_id)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        else:
            clean.update(
                id_number_encrypted=id_encrypt(facts.number),
                id_hash=id_hash(facts.number),
                id_masked=id_mask(facts.number),
                sex=facts.sex,
                birth_date=facts.birth_date,
            )
    elif "vagrant" in categories:
        clean.update(
            id_number_encrypted="",
            id_hash="",
            id_masked="",
            sex=data.get("sex") or "",
            birth_date=data.get("birth_date"),
        )
    else:
        errors["id_number"] = [
            "请填写身份证号（流浪乞讨人员可空）/ ID number is required (except for vagrants)"
        ]
    phone = (data.get("phone") or "").strip()
    if phone and not MOBILE_RE.match(phone):
        errors["phone"] = [MOBILE_ERROR]
    clean["phone"] = phone
    relation = data.get("relation") or Person.Relation.HEAD
    if relation not in RELATIONS:
        errors["relation"] = ["与户主关系无效 / invalid relation"]
    clean["relation"] = relation
    for name in ("dibao_status", "extreme_poverty_status"):
        value = data.get(name) or Person.SupportStatus.NONE
        if value not in SUPPORT_STATUSES:
            errors[name] = ["状态无效 / invalid status"]
        clean[name] = value
    clean["notes"] = (data.get("notes") or "").strip()
    birth = clean.get("birth_date")
    if birth and set(categories) & CHILD_CATEGORIES and _age(birth) >= 18:
        errors.setdefault("categories", []).append(
            "散居孤儿、事实无人抚养儿童须未满18周岁（按身份证出生日期）/ these categories are for children under 18"
        )
    return clean, errors


# The plan's child categories (散居孤儿、事实无人抚养儿童): under 18 by definition.
CHILD_CATEGORIES = {"orphan", "unsupported_child"}


def _age(birth, today=None) -> int:
    from django.utils import timezone

    today = today or timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def person_find_by_id(number: str) -> Person | None:
    return Person.objects.select_related("household").filter(id_hash=id_hash(number)).first()


def _claim_sync(person: Person, old_hash: str) -> None:
    """Keep the public keyed-hash registry in step with this street's persons."""
    office = current_office()
    if getattr(office, "district_id", None) is None:
        return
    if old_hash and old_hash != person.id_hash:
        IdHashClaim.objects.filter(street_office=office, id_hash=old_hash).delete()
    if person.id_hash and person.is_active:
        IdHashClaim.objects.bulk_create(
            [
                IdHashClaim(
                    street_office=office,
                    id_hash=person.id_hash,
                    district_id=office.district_id,
                    person_id=person.pk,
                )
            ],
            update_conflicts=True,
            unique_fields=["street_office", "id_hash"],
            update_fields=["person_id", "district"],
        )
    elif person.id_hash:
        IdHashClaim.objects.filter(street_office=office, id_hash=person.id_hash).delete()


def _duplicate_id_guard(hashed: str):
    """Two simultaneous registrations of one ID: the loser gets the same message as the check above."""

    def error() -> ValidationError:
        existing = Person.objects.select_related("household").filter(id_hash=hashed).first()
        return DuplicatePersonError(existing) if existing is not None else ValidationError(
            {"id_number": ["该身份证号已登记 / ID number already registered"]}
        )

    return unique_guard(person_unique_id_hash=error)


@unique_messages
@transaction.atomic
def person_register(*, actor, household: Household, **fields) -> Person:
    ensure_can(actor, "household.edit")
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(
            {"non_field_errors": [f"未知字段 {', '.join(sorted(unknown))} / unknown fields"]}
        )
    clean, errors = person_clean(fields)
    if errors:
        raise ValidationError(errors)
    if clean["id_hash"]:
        existing = Person.objects.select_related("household").filter(id_hash=clean["id_hash"]).first()
        if existing is not None:
            raise DuplicatePersonError(existing, actor=actor)
    person = Person(household=household, **clean)
    person.clean_fields(exclude=["household"])  # duplicates and the household checked above
    with _duplicate_id_guard(clean["id_hash"]):  # a simultaneous registration of the same ID
        person.save()
    _claim_sync(person, "")
    audit_record(actor=actor, action="person.register", obj=person, after=model_snapshot(person))
    return person


@unique_messages
@transaction.atomic
def person_update(*, actor, person: Person, **fields) -> Person:
    ensure_can(actor, "household.edit")
    household = person.household
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    current = {name: getattr(person, name) for name in PERSON_FIELDS if name != "id_number"}
    if "id_number" not in fields:
        current["id_number"] = id_decrypt(person.id_number_encrypted) if person.id_number_encrypted else ""
    clean, errors = person_clean(current | fields, instance=person)
    if errors:
        raise ValidationError(errors)
    if clean["id_hash"]:
        existing = Person.objects.filter(id_hash=clean["id_hash"]).exclude(pk=person.pk).first()
        if existing is not None:
            raise DuplicatePersonError(existing, actor=actor)
    before = model_snapshot(person)
    old_hash = person.id_hash
    for name, value in clean.items():
        setattr(person, name, value)
    person.clean_fields(exclude=["household"])  # duplicates and the household checked above
    with _duplicate_id_guard(clean["id_hash"]):
        person.save()
    _claim_sync(person, old_hash)
    audit_record(actor=actor, action="person.update", obj=person, before=before, after=model_snapshot(person))
    return person


@transaction.atomic
def person_full_id_read(*, actor, person: Person, reason: str = "") -> str:
    """The full ID number, for roles with person.view_full_id; every read leaves an audit event."""
    if actor is None or not actor.can("person.view_full_id"):
        raise PermissionDenied("当前角色无权查看完整身份证号 / your role may not see full ID numbers")
    household = person.household
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    if not person.id_number_encrypted:
        return ""
    audit_record(actor=actor, action="person.view_full_id", obj=person, reason=reason or "查看完整身份证号")
    return id_decrypt(person.id_number_encrypted)


@transaction.atomic
def household_deactivate(*, actor, household: Household, reason: str) -> Household:
    """Take a household off the roster (moved away, merged, no longer in need) with a stated reason.

    Its persons leave with it (and their claims in the district's duplicate registry); its visits,
    needs and problems stay on record.
    """
    ensure_can(actor, "household.edit")
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    if not reason.strip():
        raise ValidationError({"reason": ["请说明注销原因 / a reason is required"]})
    if not household.is_active:
        raise ValidationError({"status": ["该户已注销 / already off the roster"]})
    before = model_snapshot(household)
    household.is_active = False
    household.save(update_fields=["is_active", "updated_at"])
    for person in household.persons.filter(is_active=True):
        _person_off(person=person, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action="household.deactivate",
        obj=household,
        before=before,
        after=model_snapshot(household),
        reason=reason.strip(),
    )
    return household


@transaction.atomic
def person_deactivate(*, actor, person: Person, reason: str) -> Person:
    """Take one person off the roster (deceased, moved away) with a stated reason."""
    ensure_can(actor, "household.edit")
    household = person.household
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    if not reason.strip():
        raise ValidationError({"reason": ["请说明注销原因 / a reason is required"]})
    if not person.is_active:
        raise ValidationError({"status": ["该人员已注销 / already off the roster"]})
    return _person_off(person=person, actor=actor, reason=reason)


def _person_off(*, person: Person, actor, reason: str) -> Person:
    before = model_snapshot(person)
    person.is_active = False
    person.save(update_fields=["is_active", "updated_at"])
    _claim_sync(person, person.id_hash)
    audit_record(
        actor=actor,
        action="person.deactivate",
        obj=person,
        before=before,
        after=model_snapshot(person),
        reason=reason.strip(),
    )
    return person


# --- back on the roster -----------------------------------------------------------------------
@transaction.atomic
def household_reactivate(
    *, actor, household: Household, reason: str, person_ids: list[int] | None = None
) -> Household:
    """Put a household taken off the roster back on it (it came back, it was a mistake), with a reason.

    ``person_ids``: which of its inactive persons come back with it (each checked as in
    ``person_reactivate``); the others stay off until reactivated one by one. All or nothing.
    """
    ensure_can(actor, "household.edit")
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    reason = _reactivation_reason(reason)
    if household.is_active:
        raise ValidationError({"status": ["该户未注销 / the household is on the roster"]})
    wanted = list(dict.fromkeys(int(pk) for pk in person_ids or []))
    persons = list(household.persons.filter(pk__in=wanted, is_active=False))
    if len(persons) != len(wanted):
        raise ValidationError(
            {"persons": ["所选人员不是该户已注销的人员 / not inactive persons of this household"]}
        )
    before = model_snapshot(household)
    household.is_active = True
    household.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="household.reactivate",
        obj=household,
        before=before,
        after=model_snapshot(household),
        reason=reason,
    )
    for person in persons:
        _person_on(person=person, actor=actor, reason=reason)
    return household


@transaction.atomic
def person_reactivate(*, actor, person: Person, reason: str) -> Person:
    """Put one person taken off the roster back on it, with a reason; their household must be on it.

    Refused when the ID number is now held by another active person of this street; the district's
    duplicate registry gets the person's claim back.
    """
    ensure_can(actor, "household.edit")
    household = person.household
    ensure_reach(actor, community_id=household.community_id, grid_id=household.grid_id)
    reason = _reactivation_reason(reason)
    if person.is_active:
        raise ValidationError({"status": ["该人员未注销 / the person is on the roster"]})
    if not household.is_active:
        raise ValidationError({"household": ["该户已注销，请先恢复该户 / reactivate the household first"]})
    return _person_on(person=person, actor=actor, reason=reason)


def _reactivation_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请说明恢复原因 / a reason is required"]})
    return reason


def _person_on(*, person: Person, actor, reason: str) -> Person:
    if person.id_hash:  # the unique constraint covers one street; say who holds the number, clearly
        holder = (
            Person.objects.select_related("household")
            .filter(id_hash=person.id_hash, is_active=True)
            .exclude(pk=person.pk)
            .first()
        )
        if holder is not None:
            raise DuplicatePersonError(holder, actor=actor)
    before = model_snapshot(person)
    person.is_active = True
    person.save(update_fields=["is_active", "updated_at"])
    _claim_sync(person, person.id_hash)
    audit_record(
        actor=actor,
        action="person.reactivate",
        obj=person,
        before=before,
        after=model_snapshot(person),
        reason=reason,
    )
    return person

"""Writes of the public schema: districts, street offices, users, memberships, platform setup."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from core.audit.services import audit_record, model_snapshot
from core.once.unique import unique_messages
from tenants.models import (
    PUBLIC_SCHEMA,
    District,
    Domain,
    Membership,
    StreetOffice,
    User,
    division_code_validator,
    mobile_validator,
    slug_validator,
)
from tenants.roles import DISTRICT_ROLES, ROLE_SCOPE, ROLES, SCOPE_COMMUNITY, STREET_ROLES

DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def schema_name_for(slug: str) -> str:
    return "s_" + slug.replace("-", "_")


# --- platform -------------------------------------------------------------------------------
def platform_setup(*, verbosity: int = 0) -> dict:
    """Turn an empty database into a working, empty platform; running it again changes nothing.

    Migrates the public schema, the template schema new street offices are cloned from, and every
    existing street office — only those whose recorded migrations lack one on disk
    (``tenants.migration_state``), so a start with every schema current costs the same with any
    number of street offices; makes sure the district site answers on NUANDONG_BASE_DOMAIN.
    Returns ``{"public_created": bool, "migrated": [schemas], "seconds": float}``.
    """
    from tenants.migration_state import schemas_behind

    started = time.monotonic()
    migrated: list[str] = []
    if schemas_behind([PUBLIC_SCHEMA]) != []:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        migrated.append(PUBLIC_SCHEMA)
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template}"')
    offices = list(
        StreetOffice.objects.exclude(schema_name=PUBLIC_SCHEMA).order_by("pk").values_list("schema_name", flat=True)
    )
    behind = schemas_behind([template, *offices])
    if behind is None:  # cannot tell: migrate everything, as before
        behind = [template, *offices]
    for schema in behind:
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=verbosity)
    migrated += behind
    public, created = StreetOffice.objects.get_or_create(
        schema_name=PUBLIC_SCHEMA, defaults={"name": "暖冬平台", "slug": "platform"}
    )
    Domain.objects.get_or_create(domain=settings.BASE_DOMAIN, defaults={"tenant": public, "is_primary": True})
    return {"public_created": created, "migrated": migrated, "seconds": round(time.monotonic() - started, 2)}


# --- districts ------------------------------------------------------------------------------
@unique_messages
@transaction.atomic
def district_create(*, code: str, name: str, actor=None) -> District:
    errors: dict[str, list[str]] = {}
    try:
        division_code_validator(code)
    except ValidationError as exc:
        errors["code"] = exc.messages
    if not name.strip():
        errors["name"] = ["名称不能为空 / name is required"]
    if District.objects.filter(code=code).exists():
        errors.setdefault("code", []).append(f"区划代码 {code} 已存在 / district code already exists")
    if errors:
        raise ValidationError(errors)
    district = District.objects.create(code=code, name=name.strip())
    audit_record(actor=actor, action="district.create", obj=district, after=model_snapshot(district))
    return district


# --- street offices ----------------------------------------------------------------------------
def street_office_validate(*, district: District | None, slug: str, name: str, domain: str) -> None:
    errors: dict[str, list[str]] = {}
    if district is None:
        errors["district"] = ["区不存在 / unknown district"]
    try:
        slug_validator(slug)
    except ValidationError as exc:
        errors["slug"] = exc.messages
    else:
        if StreetOffice.objects.filter(slug=slug).exists() or schema_exists(schema_name_for(slug)):
            errors["slug"] = [f"标识 {slug} 已被使用 / slug already in use"]
    if not name.strip():
        errors["name"] = ["名称不能为空 / name is required"]
    if not DOMAIN_RE.match(domain):
        errors["domain"] = [f"域名 {domain} 格式不正确 / invalid domain"]
    elif Domain.objects.filter(domain=domain).exists():
        errors["domain"] = [f"域名 {domain} 已被使用 / domain already in use"]
    if errors:
        raise ValidationError(errors)


@unique_messages
@transaction.atomic
def street_office_create(
    *, district: District | None, slug: str, name: str, code: str = "", domain: str | None = None, actor=None
) -> StreetOffice:
    """Create a street office: its row, its schema (cloned from the template), its domain.

    Everything happens in one transaction, so a failure leaves no half-made schema behind.
    """
    slug = (slug or "").strip().lower()
    domain = (domain or f"{slug}.{settings.BASE_DOMAIN}").strip().lower()
    street_office_validate(district=district, slug=slug, name=name, domain=domain)
    previous_schema = connection.schema_name
    connection.set_schema_to_public()
    try:
        office = StreetOffice(
            district=district,
            slug=slug,
            name=name.strip(),
            code=code.strip(),
            schema_name=schema_name_for(slug),
        )
        office.save(verbosity=0)
        Domain.objects.create(domain=domain, tenant=office, is_primary=True)
        audit_record(
            actor=actor,
            action="street_office.create",
            obj=office,
            after=model_snapshot(office) | {"domain": domain},
        )
    finally:
        if previous_schema != PUBLIC_SCHEMA and schema_exists(previous_schema):
            connection.set_schema(previous_schema)
    return office


# --- users and memberships ---------------------------------------------------------------------
@unique_messages
@transaction.atomic
def user_create(*, username: str, password: str, full_name: str = "", mobile: str = "", actor=None) -> User:
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{3,150}", username):
        errors["username"] = ["用户名为3至150位字母、数字或 _.@- / username: 3-150 letters, digits or _.@-"]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"用户名 {username} 已存在 / username already exists"]
    if mobile:
        try:
            mobile_validator(mobile)
        except ValidationError as exc:
            errors["mobile"] = exc.messages
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = User(username=username, full_name=full_name.strip(), mobile=mobile)
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        after=model_snapshot(user, ["id", "username", "full_name", "mobile"]),
    )
    return user


@unique_messages
@transaction.atomic
def membership_grant(
    *,
    user: User,
    role: str,
    district: District | None = None,
    street_office: StreetOffice | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
    actor=None,
) -> Membership:
    """Give a user a role in a district or a street office (one membership per place)."""
    if role not in ROLES:
        raise ValidationError({"role": [f"未知角色 {role} / unknown role"]})
    if role in DISTRICT_ROLES and (district is None or street_office is not None):
        raise ValidationError({"role": ["区级角色必须属于一个区 / a district role belongs to a district"]})
    if role in STREET_ROLES and (street_office is None or district is not None):
        raise ValidationError(
            {"role": ["街道角色必须属于一个街道 / a street role belongs to a street office"]}
        )
    if ROLE_SCOPE[role] == SCOPE_COMMUNITY and grid_id is not None:
        raise ValidationError({"grid": ["社区角色不能指定网格 / a community role has no grid"]})
    membership, created = Membership.objects.get_or_create(
        user=user,
        district=district,
        street_office=street_office,
        defaults={"role": role, "community_id": community_id, "grid_id": grid_id},
    )
    before = None if created else model_snapshot(membership)
    if not created:
        membership.role, membership.community_id, membership.grid_id = role, community_id, grid_id
        membership.is_active = True
        membership.full_clean()
        membership.save()
    audit_record(
        actor=actor,
        action="membership.grant",
        obj=membership,
        before=before,
        after=model_snapshot(membership),
    )
    return membership

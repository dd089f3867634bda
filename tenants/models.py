"""Public-schema models: districts, street offices (tenants), domains, users and memberships."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django_tenants.models import DomainMixin, TenantMixin

from tenants.roles import DISTRICT_ROLES, ROLE_CHOICES, STREET_ROLES

PUBLIC_SCHEMA = "public"

division_code_validator = RegexValidator(
    r"^\d{6,12}$", "行政区划代码应为6至12位数字 / division code: 6-12 digits"
)
slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,39}$",
    "标识只能包含小写字母、数字和连字符，以字母开头，2至40位 / slug: lowercase letters, digits, hyphens",
)
mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", "手机号码格式不正确 / invalid mobile number")


class District(models.Model):
    """A district civil affairs bureau (区民政局): owns its street offices and its campaign."""

    code = models.CharField("行政区划代码", max_length=12, unique=True, validators=[division_code_validator])
    name = models.CharField("名称", max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StreetOffice(TenantMixin):
    """A street office (街道办事处); one PostgreSQL schema each.

    The platform row with schema ``public`` (district site) has no district.
    """

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="street_offices"
    )
    name = models.CharField("名称", max_length=100)
    code = models.CharField("街道代码", max_length=12, blank=True, default="")
    slug = models.CharField("标识", max_length=40, unique=True, validators=[slug_validator])
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["district_id", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.schema_name == PUBLIC_SCHEMA

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Copy the migrated template schema (tenants/cloning.py, ADR 0003); django-tenants' way otherwise."""
        from django.conf import settings
        from django.db import connection
        from django_tenants.utils import get_creation_fakes_migrations, schema_exists

        from tenants.cloning import schema_clone

        base = settings.TENANT_BASE_SCHEMA if get_creation_fakes_migrations() else None
        if (
            sync_schema
            and base
            and schema_exists(base)
            and schema_clone(source=base, target=self.schema_name)
        ):
            connection.set_schema_to_public()
            return True
        return super().create_schema(
            check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity
        )


class Domain(DomainMixin):
    pass


class User(AbstractUser):
    """A person who signs in. Lives in the public schema; roles come from memberships."""

    full_name = models.CharField("姓名", max_length=50, blank=True, default="")
    mobile = models.CharField(
        "手机号码", max_length=11, blank=True, default="", validators=[mobile_validator]
    )

    def display_name(self) -> str:
        return self.full_name or self.username


class Membership(models.Model):
    """A user's role in one district or one street office (optionally narrowed to a community/grid).

    community_id / grid_id point into the street office's own schema, so they are plain ids,
    not foreign keys (tenant tables never hold foreign keys from public tables; ADR 0002).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("角色", max_length=32, choices=ROLE_CHOICES)
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    street_office = models.ForeignKey(
        StreetOffice, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    community_id = models.BigIntegerField(null=True, blank=True)
    grid_id = models.BigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_one_scope",
                condition=(
                    Q(district__isnull=False, street_office__isnull=True, role__in=sorted(DISTRICT_ROLES))
                    | Q(district__isnull=True, street_office__isnull=False, role__in=sorted(STREET_ROLES))
                ),
            ),
            models.UniqueConstraint(fields=["user", "street_office"], name="membership_one_per_street"),
            models.UniqueConstraint(fields=["user", "district"], name="membership_one_per_district"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.street_office or self.district}"


class LoginHandoff(models.Model):
    """A used one-time sign-in link between the district site and a street site (see tenants/handoff.py)."""

    nonce = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=40)
    used_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.target} at {self.used_at:%Y-%m-%d %H:%M}"


class IdHashClaim(models.Model):
    """One street office's claim on a resident ID number, by keyed hash only (never the number).

    Finds the same person registered by two street offices of one district. ``person_id`` points
    into the street's schema (plain id, no FK).
    """

    id_hash = models.CharField(max_length=64)
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="id_claims")
    street_office = models.ForeignKey(StreetOffice, on_delete=models.CASCADE, related_name="id_claims")
    person_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street_office", "id_hash"], name="idclaim_one_per_street")
        ]
        indexes = [models.Index(fields=["district", "id_hash"], name="idclaim_district_hash_idx")]

    def __str__(self) -> str:
        return f"{self.street_office_id}:{self.id_hash[:12]}"


class StreetAccessGrant(models.Model):
    """Break-the-glass (ADR 0056): a district member's stated reason to read one street office's
    person-level records (households, visits, needs, problems, requests, rectifications), read-only,
    until ``expires_at`` (30 minutes after it was given). Written only by
    ``tenants.access.street_access_open``; each opening and each look is in both audit trails."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="street_access_grants")
    street_office = models.ForeignKey(StreetOffice, on_delete=models.CASCADE, related_name="access_grants")
    role = models.CharField(max_length=32)
    reason = models.CharField("理由", max_length=300)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "street_office", "expires_at"], name="access_grant_open_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.street_office_id} until {self.expires_at:%Y-%m-%d %H:%M}"

"""Test helpers: the session's street offices and accounts, hosts, snapshots."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from django.conf import settings

from tenants.models import District, StreetOffice, User
from tenants.roles import DISTRICT_ADMIN, DISTRICT_VIEWER, STREET_ROLES

DEMO_TEST_PASSWORD = "Test-pass-2026"
DISTRICT_A, DISTRICT_B = ("140403", "潞州区"), ("140404", "上党区")
STREETS = {
    "street_a": ("ta", "甲街道", "a"),
    "street_a2": ("ta2", "甲二街道", "a"),
    "street_b": ("tb", "乙街道", "b"),
}


def host_of(office: StreetOffice | None) -> str:
    if office is None or office.schema_name == "public":
        return settings.BASE_DOMAIN
    return office.domains.get(is_primary=True).domain


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def ensure_world() -> None:
    """Create the session's districts, street offices and accounts (committed, once)."""
    from tenants.services import (
        district_create,
        membership_grant,
        platform_setup,
        street_office_create,
        user_create,
    )

    platform_setup()
    if District.objects.filter(code=DISTRICT_A[0]).exists():
        return
    districts = {
        "a": district_create(code=DISTRICT_A[0], name=DISTRICT_A[1]),
        "b": district_create(code=DISTRICT_B[0], name=DISTRICT_B[1]),
    }
    offices = {
        key: street_office_create(district=districts[d], slug=slug, name=name)
        for key, (slug, name, d) in STREETS.items()
    }

    def account(username: str, role: str, **where) -> None:
        user = user_create(username=username, password=DEMO_TEST_PASSWORD, full_name=username)
        membership_grant(user=user, role=role, **where)

    for role in sorted(STREET_ROLES):
        account(f"a_{role}", role, street_office=offices["street_a"])
    account("district_admin", DISTRICT_ADMIN, district=districts["a"])
    account("district_viewer", DISTRICT_VIEWER, district=districts["a"])
    account("district_b_admin", DISTRICT_ADMIN, district=districts["b"])
    account("staff_a2", "street_staff", street_office=offices["street_a2"])
    account("staff_b", "street_staff", street_office=offices["street_b"])


@dataclass
class World:
    street_a: StreetOffice
    street_a2: StreetOffice
    street_b: StreetOffice
    users: dict[str, User]

    @classmethod
    def load(cls) -> World:
        offices = {key: StreetOffice.objects.get(slug=slug) for key, (slug, _n, _d) in STREETS.items()}
        users = {}
        for user in User.objects.all():
            key = user.username.removeprefix("a_") if user.username.startswith("a_") else user.username
            users[key] = user
        return cls(users=users, **offices)


def deliver_events() -> dict:
    """Deliver the domain events published so far (core.events) — what the worker does after the
    commit and beat's sweeper every minute; tests run inside a transaction that never commits."""
    from core.events.services import events_sweep

    return events_sweep()

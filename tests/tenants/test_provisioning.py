"""Provisioning for operators and scripts: `district create`, `tenant create`, `user create`, `setup`;
and opening a street office from the district web UI. A refusal leaves no row and no schema behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

from tenants.models import District, Domain, Membership, StreetOffice, User

ROOT = Path(__file__).resolve().parents[2]


def schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM information_schema.schemata")
        return {row[0] for row in cursor.fetchall()}


def public_counts() -> dict[str, int]:
    tables = [
        "tenants_district",
        "tenants_streetoffice",
        "tenants_domain",
        "tenants_user",
        "tenants_membership",
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "audit_auditevent",
    ]
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM public."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- district create --------------------------------------------------------------------------------
def test_district_create_makes_a_district(db):
    output = run("district", "create", "--code", "140421", "--name", "长治县")

    assert "140421" in output
    assert District.objects.get(code="140421").name == "长治县"


@pytest.mark.parametrize(
    ("code", "message"),
    [("14x", "行政区划代码应为6至12位数字"), ("140403", "区划代码 140403 已存在")],
)
def test_district_create_refuses_bad_or_duplicate_code(db, code, message):
    before = District.objects.count()

    with pytest.raises(CommandError, match=message):
        run("district", "create", "--code", code, "--name", "某区")

    assert District.objects.count() == before


# --- tenant create ----------------------------------------------------------------------------------
def test_tenant_create_clones_a_schema_and_routes_its_domain(db, street_a):
    output = run(
        "tenant", "create", "--district", street_a.district.code, "--slug", "new-street", "--name", "新街道"
    )

    office = StreetOffice.objects.get(slug="new-street")
    assert "street office new-street" in output
    assert office.schema_name == "s_new_street"
    assert office.district == street_a.district
    assert office.get_primary_domain().domain == "new-street.localhost"
    assert "s_new_street" in schemas()
    # The clone carries the tenant tables and their migration history.
    with schema_context("s_new_street"), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM org_community")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'org'")
        assert cursor.fetchone()[0] >= 1


def test_tenant_create_with_an_explicit_domain(db, street_a):
    run(
        "tenant",
        "create",
        "--district",
        street_a.district.code,
        "--slug",
        "dom",
        "--name",
        "域名街道",
        "--domain",
        "dom.street.example.gov.cn",
    )

    assert Domain.objects.get(domain="dom.street.example.gov.cn").tenant.slug == "dom"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "Bad_Slug", "--name", "坏标识"], "标识只能包含小写字母"),
        (["--slug", "ta", "--name", "重复标识"], "标识 ta 已被使用"),
        (["--slug", "fresh", "--name", "重复域名", "--domain", "ta.localhost"], "域名 ta.localhost 已被使用"),
        (["--slug", "fresh", "--name", "坏域名", "--domain", "not a domain"], "域名 not a domain 格式不正确"),
        (["--slug", "fresh", "--name", "  "], "名称不能为空"),
    ],
    ids=["invalid-slug", "duplicate-slug", "duplicate-domain", "invalid-domain", "empty-name"],
)
def test_tenant_create_refuses_and_leaves_nothing_behind(db, street_a, args, message):
    schemas_before, offices_before, domains_before = (
        schemas(),
        StreetOffice.objects.count(),
        Domain.objects.count(),
    )

    with pytest.raises(CommandError, match=message):
        run("tenant", "create", "--district", street_a.district.code, *args)

    assert schemas() == schemas_before
    assert StreetOffice.objects.count() == offices_before
    assert Domain.objects.count() == domains_before


def test_tenant_create_refuses_an_unknown_district(db):
    schemas_before, offices_before = schemas(), StreetOffice.objects.count()

    with pytest.raises(CommandError, match="区划代码 999999 不存在"):
        run("tenant", "create", "--district", "999999", "--slug", "orphan", "--name", "无主街道")

    assert schemas() == schemas_before
    assert StreetOffice.objects.count() == offices_before


def test_a_failure_after_the_schema_is_cloned_leaves_no_schema(db, street_a, monkeypatch):
    """The row, the cloned schema and the domain are one transaction: a late failure undoes the clone."""
    schemas_before, offices_before = schemas(), StreetOffice.objects.count()

    def fail(*args, **kwargs):
        assert "s_late" in schemas()  # the clone really happened before the failure
        raise RuntimeError("disk full")

    monkeypatch.setattr(Domain.objects, "create", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run("tenant", "create", "--district", street_a.district.code, "--slug", "late", "--name", "迟到街道")

    assert schemas() == schemas_before
    assert "s_late" not in schemas()
    assert StreetOffice.objects.count() == offices_before


# --- user create ------------------------------------------------------------------------------------
def test_user_create_in_a_street_office(db, street_a):
    output = run(
        "user",
        "create",
        "--username",
        "new_grid",
        "--password",
        "Winter-Relief-9",
        "--full-name",
        "新网格员",
        "--role",
        "grid_worker",
        "--tenant",
        street_a.slug,
    )

    user = User.objects.get(username="new_grid")
    assert "new_grid" in output
    assert user.full_name == "新网格员"
    assert user.check_password("Winter-Relief-9")
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.street_office, membership.district) == ("grid_worker", street_a, None)


def test_user_create_in_a_district(db, street_a):
    run(
        "user",
        "create",
        "--username",
        "new_viewer",
        "--password",
        "Winter-Relief-9",
        "--role",
        "district_viewer",
        "--district",
        street_a.district.code,
    )

    membership = Membership.objects.get(user__username="new_viewer")
    assert (membership.role, membership.district, membership.street_office) == (
        "district_viewer",
        street_a.district,
        None,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--username", "weak", "--password", "123", "--role", "grid_worker", "--tenant", "ta"],
            "password: ",
        ),
        (
            [
                "--username",
                "a_grid_worker",
                "--password",
                "Winter-Relief-9",
                "--role",
                "grid_worker",
                "--tenant",
                "ta",
            ],
            "用户名 a_grid_worker 已存在",
        ),
        (
            [
                "--username",
                "lost",
                "--password",
                "Winter-Relief-9",
                "--role",
                "grid_worker",
                "--tenant",
                "nowhere",
            ],
            "街道 nowhere 不存在",
        ),
        (
            [
                "--username",
                "lost",
                "--password",
                "Winter-Relief-9",
                "--role",
                "district_admin",
                "--district",
                "999999",
            ],
            "区划代码 999999 不存在",
        ),
        (
            [
                "--username",
                "mixed",
                "--password",
                "Winter-Relief-9",
                "--role",
                "district_admin",
                "--tenant",
                "ta",
            ],
            "区级角色必须属于一个区",
        ),
    ],
    ids=["bad-password", "duplicate-username", "unknown-street", "unknown-district", "role-in-wrong-place"],
)
def test_user_create_refuses_and_leaves_nothing_behind(db, street_a, args, message):
    users_before, memberships_before = User.objects.count(), Membership.objects.count()

    with pytest.raises(CommandError, match=message):
        run("user", "create", *args)

    assert User.objects.count() == users_before
    assert Membership.objects.count() == memberships_before


def test_user_create_bad_password_message_is_chinese(db, street_a):
    with pytest.raises(CommandError) as excinfo:
        run(
            "user",
            "create",
            "--username",
            "weak",
            "--password",
            "123",
            "--role",
            "grid_worker",
            "--tenant",
            "ta",
        )

    assert "密码" in str(excinfo.value)


# --- setup -----------------------------------------------------------------------------------------
def test_setup_twice_changes_nothing(db):
    run("setup")
    schemas_before, counts_before = schemas(), public_counts()

    output = run("setup")

    assert "platform ready" in output
    assert schemas() == schemas_before
    assert public_counts() == counts_before
    assert {"public", "tenant_template", "s_ta", "s_ta2", "s_tb"} <= schemas()


def test_setup_with_every_schema_current_migrates_nothing_in_one_look(db, street_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.services import platform_setup

    platform_setup()
    with CaptureQueriesContext(connection) as queries:
        result = platform_setup()

    assert result["migrated"] == []
    looks = [q["sql"] for q in queries.captured_queries if "django_migrations" in q["sql"]]
    assert len(looks) == 2  # public, then the template and every street office at once
    assert all(street_a.schema_name not in q for q in looks[:1]) and street_a.schema_name in looks[1]


def test_a_schema_missing_a_migration_is_told_apart(db, street_a, street_b):
    from django.db import connection

    from tenants.migration_state import migrations_on_disk, schemas_behind

    app, name = migrations_on_disk()[-1]
    schemas_list = ["tenant_template", street_a.schema_name, street_b.schema_name]
    assert schemas_behind(schemas_list) == []
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{street_b.schema_name}".django_migrations WHERE app = %s AND name = %s', [app, name]
        )

    assert schemas_behind(schemas_list) == [street_b.schema_name]
    assert schemas_behind(["public", "no_such_schema"]) is None  # cannot tell: migrate all


# --- the real console script --------------------------------------------------------------------------
def test_console_script_reports_a_refusal_in_chinese_and_exits_non_zero(db, street_a):
    from tests.conftest import _child_env

    script = Path(sys.executable).parent / "nuandong"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nuandong.cli"]
    schemas_before = schemas()

    result = subprocess.run(
        [
            *command,
            "tenant",
            "create",
            "--district",
            street_a.district.code,
            "--slug",
            "ta",
            "--name",
            "重复",
        ],
        env=_child_env() | {"SECRET_KEY": os.environ.get("SECRET_KEY", "x" * 50)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "标识 ta 已被使用" in result.stderr
    assert schemas() == schemas_before


# --- the district web UI ------------------------------------------------------------------------------
NEW_STREET = {"name": "网页街道", "slug": "web-street", "code": "140403099", "domain": ""}


def test_district_admin_opens_a_street_office_from_the_web(db, web_client, users, street_a):
    client = web_client(None, users["district_admin"])

    page = client.get("/streets/new/")
    response = client.post("/streets/new/", NEW_STREET)

    assert page.status_code == 200
    assert "开设街道" in page.content.decode()
    assert response.status_code == 302
    office = StreetOffice.objects.get(slug="web-street")
    assert office.district == street_a.district
    assert office.name == "网页街道"
    assert office.get_primary_domain().domain == "web-street.localhost"
    assert "s_web_street" in schemas()
    from core.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="street_office.create", object_id=str(office.pk))
    assert (event.actor_id, event.actor_role) == (users["district_admin"].pk, "district_admin")


def test_district_viewer_may_not_open_a_street_office(db, web_client, users):
    client = web_client(None, users["district_viewer"])
    schemas_before, offices_before = schemas(), StreetOffice.objects.count()

    assert client.get("/streets/new/").status_code == 403
    assert client.post("/streets/new/", NEW_STREET).status_code == 403

    assert StreetOffice.objects.count() == offices_before
    assert schemas() == schemas_before


def test_a_street_user_may_not_open_a_street_office(db, web_client, users):
    client = web_client(None, users["street_staff"])
    offices_before = StreetOffice.objects.count()

    response = client.post("/streets/new/", NEW_STREET)

    assert response.status_code in {403, 404}
    assert StreetOffice.objects.count() == offices_before


def test_anonymous_is_sent_to_login(db, web_client):
    response = web_client(None, None).get("/streets/new/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"slug": "Bad Slug"}, "标识只能包含小写字母"),
        ({"slug": "ta"}, "标识 ta 已被使用"),
        ({"domain": "ta.localhost"}, "域名 ta.localhost 已被使用"),
        ({"name": ""}, "该字段是必填项"),
    ],
    ids=["invalid-slug", "duplicate-slug", "duplicate-domain", "missing-name"],
)
def test_web_form_shows_errors_in_chinese_and_creates_nothing(db, web_client, users, change, message):
    client = web_client(None, users["district_admin"])
    schemas_before, offices_before, domains_before = (
        schemas(),
        StreetOffice.objects.count(),
        Domain.objects.count(),
    )

    response = client.post("/streets/new/", NEW_STREET | change)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert StreetOffice.objects.count() == offices_before
    assert Domain.objects.count() == domains_before
    assert schemas() == schemas_before

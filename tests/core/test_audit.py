"""The audit trail: one writer, append-only at the database level in every schema."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit.actions import AUDIT_ACTIONS
from core.audit.models import AuditEvent
from core.audit.services import audit_record, audit_record_many


@pytest.fixture(autouse=True)
def probe_actions(monkeypatch):
    """The probe actions these tests write are listed for them only (the list is closed)."""
    monkeypatch.setitem(AUDIT_ACTIONS, "test.write", ("测试写入", "test write"))
    monkeypatch.setitem(AUDIT_ACTIONS, "household.edit", ("测试修改", "test edit"))


def _write(actor, schema_label):
    return audit_record(
        actor=actor,
        action="test.write",
        object_type="test",
        object_id=1,
        before={"a": 1},
        after={"a": 2},
        reason=schema_label,
    )


@pytest.mark.parametrize("where", ["public", "street"])
def test_update_of_an_audit_row_is_refused_by_the_database(where, users, street_a, in_street):
    with in_street(street_a) if where == "street" else transaction.atomic():
        event = _write(users["street_staff"], where)

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="forged")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [event.pk])

        event.refresh_from_db()
        assert event.action == "test.write" and event.reason == where


@pytest.mark.parametrize("where", ["public", "street"])
def test_delete_of_an_audit_row_is_refused_by_the_database(where, users, street_a, in_street):
    with in_street(street_a) if where == "street" else transaction.atomic():
        event = _write(users["street_staff"], where)

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()

        assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_record_keeps_who_what_when_and_the_request_id(users, street_a, in_street):
    from core.audit.context import reset_request_id, set_request_id

    token = set_request_id("req-1234567890")
    try:
        with in_street(street_a):
            event = audit_record(
                actor=users["street_staff"],
                action="household.edit",
                object_type="registry.household",
                object_id=42,
                before={"phone": "1"},
                after={"phone": "2"},
            )
    finally:
        reset_request_id(token)

    assert event.schema_name == street_a.schema_name
    assert event.actor_id == users["street_staff"].pk and event.actor_name == "a_street_staff"
    assert (event.action, event.object_type, event.object_id) == (
        "household.edit",
        "registry.household",
        "42",
    )
    assert event.before == {"phone": "1"} and event.after == {"phone": "2"}
    assert event.request_id == "req-1234567890"


def test_street_audit_rows_stay_in_the_street_schema(users, street_a, street_b, in_street):
    with in_street(street_a):
        _write(users["street_staff"], "street")
        count_a = AuditEvent.objects.filter(action="test.write").count()
    with in_street(street_b):
        count_b = AuditEvent.objects.filter(action="test.write").count()

    assert (count_a, count_b) == (1, 0)


def test_web_requests_carry_their_request_id_into_the_audit_trail(users, web_client):
    from tenants.models import District

    response = web_client(None, users["district_admin"]).post(
        "/streets/new/", {"name": "测试街道", "slug": "audit-probe"}, HTTP_X_REQUEST_ID="probe-request-0001"
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="street_office.create", object_repr="测试街道")
    assert event.request_id == "probe-request-0001"
    assert event.actor_id == users["district_admin"].pk and event.actor_role == "district_admin"
    assert District.objects.filter(code="140403").exists()


def test_an_unlisted_action_is_refused_by_the_writer(users, street_a, in_street):
    with in_street(street_a):
        with pytest.raises(ValueError, match="unknown audit action 'household.teleport'"):
            audit_record(actor=users["street_staff"], action="household.teleport", object_type="x", object_id=1)
        with pytest.raises(ValueError, match="unknown audit action"):
            audit_record_many(actor=None, events=[{"action": "person.vanish", "object_type": "x", "object_id": 1}])
        assert not AuditEvent.objects.filter(action__in=["household.teleport", "person.vanish"]).exists()


def test_every_action_the_code_writes_is_listed():
    """Every literal action in the code is in the closed list (workflow step families are listed
    from the workflows themselves)."""
    import re
    from pathlib import Path

    from core.relief.services import STEP_NAMES
    from core.requests.workflow import REQUEST_WORKFLOW
    from reports.submissions import TRANSITIONS

    root = Path(__file__).resolve().parents[2]
    literal = re.compile(r'(?:action=|"action": )"([a-z_.-]+)"(?: if [^"]+ else "([a-z_.-]+)")?')
    found = set()
    for package in ("core", "api", "reports", "district", "home", "demo", "tenants", "platform"):
        for path in (root / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for call in re.finditer(r"audit_record(?:_many)?\(", text):
                depth, end = 0, call.end() - 1
                for end in range(call.end() - 1, len(text)):  # to the call's closing parenthesis
                    depth += {"(": 1, ")": -1}.get(text[end], 0)
                    if depth == 0:
                        break
                for match in literal.finditer(text[call.start() : end]):
                    found |= {name for name in match.groups() if name}
            if "audit_record_many(" in text:  # its events are dicts built beforehand
                found |= set(re.findall(r'"action": "([a-z_.-]+)"', text))
    found |= {f"relief.{step}" for step in STEP_NAMES if step != "accept"}
    found |= {f"submission.{step}" for step in TRANSITIONS}
    found |= {f"request.{step.target}" for step in REQUEST_WORKFLOW.steps if step.name != "reopen"}
    listed = set(AUDIT_ACTIONS) - {"test.write", "household.edit"}
    assert found - listed == set()
    assert len(found) > 80


def test_in_production_an_unlisted_action_is_logged_and_still_recorded(users, street_a, in_street, settings, caplog):
    settings.NUANDONG_AUDIT_STRICT = False
    with in_street(street_a), caplog.at_level("ERROR", logger="nuandong.audit"):
        event = audit_record(actor=users["street_staff"], action="household.teleport", object_type="x", object_id=1)

    assert event.action == "household.teleport"
    assert "unknown audit action 'household.teleport'" in caplog.text

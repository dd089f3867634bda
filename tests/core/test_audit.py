"""The audit trail: one writer, append-only at the database level in every schema."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit.models import AuditEvent
from core.audit.services import audit_record


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

"""The schema fuzzer (issue 10, "done when"): schemathesis drives every operation of both sites'
OpenAPI documents, signed in, with a bounded number of generated requests each, in-process
against the real stack (middleware, tenant routing, PostgreSQL) inside the test transaction.

Checked: no 5xx answer, and every documented answer matches its declared schema and content type.
``FUZZ_EXAMPLES`` (default 4) bounds the examples per operation; CI keeps it small.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from nuandong.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _document(urlconf: str) -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


@pytest.fixture
def street_schema(db):
    return schemathesis.openapi.from_dict(_document("nuandong.urls_tenant"))


@pytest.fixture
def district_schema(db):
    return schemathesis.openapi.from_dict(_document("nuandong.urls_public"))


@pytest.fixture
def token_for(db):
    from rest_framework.authtoken.models import Token

    def make(user) -> str:
        return Token.objects.get_or_create(user=user)[0].key

    return make


def fuzz(schema, *, host: str, token: str = "", key: str = "") -> list[str]:
    """Run every operation with at most EXAMPLES generated requests; the failures found, one line each."""
    from django.core import signals
    from django.db import close_old_connections

    failures: list[str] = []
    # As Django's test client does: the requests run inside the test transaction, whose connection
    # must survive the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        authorization = f"Api-Key {key}" if key else f"Token {token}"
        _run_all(schema, host=host, authorization=authorization, failures=failures)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return failures


def _run_all(schema, *, host: str, authorization: str, failures: list[str]) -> None:
    from django.db import connection
    from hypothesis import given

    operations, calls = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(
                app=application, base_url=f"http://{host}", headers={"Authorization": authorization, "Accept-Encoding": "identity"}
            )
            connection.set_schema_to_public()
            calls.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    assert operations > 5, "the schema lists hardly any operation"
    assert len(calls) >= operations, "some operations were never called"
    # Generated requests reach the views: some succeed, some are refused as invalid.
    assert any(code < 300 for code in calls) and any(400 <= code < 500 for code in calls), sorted(set(calls))


def test_street_api_answers_every_generated_request_without_5xx_and_to_its_schema(
    street_schema, org_a, users, token_for
):
    from tests.support import host_of

    failures = fuzz(street_schema, host=host_of(org_a.office), token=token_for(users["street_staff"]))
    assert not failures, "\n\n".join(failures)


def test_district_api_answers_every_generated_request_without_5xx_and_to_its_schema(
    district_schema, users, token_for
):
    failures = fuzz(district_schema, host="localhost", token=token_for(users["district_admin"]))
    assert not failures, "\n\n".join(failures)


@pytest.fixture
def every_scope_key(db):
    """``every_scope_key(office_or_None, user)``: an API key with every scope its creator may use and a
    rate limit the fuzzer never reaches (core.integrations)."""
    from core.integrations.keys import key_create
    from core.integrations.scopes import SCOPES
    from tenants.members import member_for

    def make(office, user) -> str:
        member = member_for(user, office)
        scopes = [name for name, (_label, actions) in SCOPES.items() if any(member.can(a) for a in actions)]
        return key_create(actor=member, name="fuzz", scopes=scopes, rate_per_minute=6000)[1]

    return make


def test_street_api_with_an_api_key_answers_without_5xx_and_to_its_schema(
    street_schema, org_a, users, every_scope_key
):
    """The same walk authenticated with an integration's key: refusals outside its scopes are the
    documented 403, never a 5xx (API keys, issue 16)."""
    from tests.support import host_of

    failures = fuzz(street_schema, host=host_of(org_a.office), key=every_scope_key(org_a.office, users["street_staff"]))
    assert not failures, "\n\n".join(failures)


def test_district_api_with_an_api_key_answers_without_5xx_and_to_its_schema(district_schema, users, every_scope_key):
    failures = fuzz(district_schema, host="localhost", key=every_scope_key(None, users["district_admin"]))
    assert not failures, "\n\n".join(failures)

"""The reports API: create a run (202), follow its progress, download with the SHA-256; errors structured."""

from __future__ import annotations

import hashlib

from reports.models import ReportRun
from reports.services import report_run_execute


def test_a_run_created_through_the_api_is_followed_and_downloaded(org_a, ledger_data, street_a, users, api_client):
    client = api_client(street_a, users["street_staff"])

    created = client.post("/api/v1/reports/", {"kind": "needs_ledger", "fmt": "pdf",
                                               "first": ledger_data["first"].isoformat(),
                                               "last": ledger_data["last"].isoformat()}, format="json")
    assert created.status_code == 202 and created.json()["status"] == "queued"
    report_run_execute(run_id=created.json()["id"])
    status = client.get(f"/api/v1/reports/{created.json()['id']}/").json()
    assert status["status"] == "done" and status["progress"] == 100 and len(status["sha256"]) == 64

    download = client.get(status["download_url"])
    body = b"".join(download.streaming_content)
    assert download.status_code == 200 and body.startswith(b"%PDF")
    assert hashlib.sha256(body).hexdigest() == status["sha256"] == download["X-Report-SHA256"]


def test_bad_input_gets_the_structured_error_and_nothing_is_saved(org_a, street_a, users, api_client):
    client = api_client(street_a, users["street_staff"])
    before = ReportRun.objects.count()

    for body in ({"kind": "nope", "first": "2026-12-01", "last": "2026-12-20"},
                 {"kind": "needs_ledger", "first": "2026-12-20", "last": "2026-12-01"},
                 {"kind": "needs_ledger", "first": "2026-12-01", "last": "2026-12-20", "community_id": 999999}):
        response = client.post("/api/v1/reports/", body, format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert ReportRun.objects.count() == before
    assert client.get("/api/v1/reports/999999/").status_code == 404


def test_a_stranger_street_cannot_see_our_runs(org_a, ledger_data, street_a, street_b, users, api_client):
    run = report_run_execute(run_id=api_client(street_a, users["street_staff"]).post(
        "/api/v1/reports/", {"kind": "needs_ledger", "first": ledger_data["first"].isoformat(),
                             "last": ledger_data["last"].isoformat()}, format="json").json()["id"])

    assert api_client(street_a, users["staff_b"]).get(f"/api/v1/reports/{run.pk}/").status_code == 404
    assert api_client(street_a, users["grid_worker"]).get(f"/api/v1/reports/{run.pk}/").status_code == 403

"""A real round trip: queue on commit inside a street office -> Redis -> a worker process -> result."""

from __future__ import annotations

from celery.result import AsyncResult
from django.db import connection

from nuandong.celery import app
from nuandong.tasks import queue_on_commit, worker_ping


def test_task_queued_in_a_street_runs_in_that_streets_schema(
    celery_worker_process, street_a, in_street, django_capture_on_commit_callbacks
):
    with in_street(street_a):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            task_id = queue_on_commit(worker_ping)
        assert connection.schema_name == street_a.schema_name

    result = AsyncResult(task_id, app=app).get(timeout=30)

    assert len(callbacks) == 1
    assert result["schema"] == street_a.schema_name
    assert result["schema"] != "public"


def test_task_queued_on_the_district_site_runs_in_public(
    celery_worker_process, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task_id = queue_on_commit(worker_ping)

    assert AsyncResult(task_id, app=app).get(timeout=30)["schema"] == "public"

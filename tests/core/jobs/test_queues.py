"""Imports, reports and the minute scanner run on separate queues (issue 10 §5)."""

from django.conf import settings

from nuandong.celery import app
from nuandong.queues import all_queues, queue_name, route_task


def test_each_kind_of_work_has_its_own_queue_named_after_the_base():
    base = app.conf.task_default_queue
    assert route_task("deadlines.scan", (), {}, {}) == {"queue": f"{base}.deadlines"}
    assert route_task("reports.render", (), {}, {}) == {"queue": f"{base}.reports"}
    assert route_task("registry.roster_files_purge", (), {}, {}) == {"queue": f"{base}.imports"}
    assert route_task("notifications.outbox_deliver", (), {}, {}) is None  # the default queue
    assert route_task("deadlines.scan", (), {}, {"queue": "x"}) is None  # an explicit queue stands


def test_the_roster_import_job_goes_to_the_imports_queue():
    from core.registry.tasks import roster_import_job

    assert roster_import_job.job.queue == "imports"
    assert queue_name("imports", "celery") == "celery.imports"


def test_a_worker_without_q_consumes_every_queue():
    names = {q.name for q in settings.CELERY_TASK_QUEUES}
    assert names == set(all_queues(settings.CELERY_TASK_DEFAULT_QUEUE))
    assert len(names) == 4


def test_a_dead_broker_is_given_up_on_quickly():
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 2
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] <= 2
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] <= 1
    assert settings.CELERY_BEAT_SCHEDULE["jobs-sweep"] == {"task": "jobs.sweep", "schedule": 60.0}

"""Two scanners at once, on committed data and real connections: nothing is sent twice."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import connection
from django_tenants.utils import tenant_context

from core.deadlines.durations import LOCAL_TZ

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)
REQUESTS = 40


def _run_two_scanners(place, now, results):
    from core.deadlines.scanner import clock_scan_street

    barrier = threading.Barrier(2)

    def worker(index):
        try:
            barrier.wait(timeout=10)
            with tenant_context(place.office):
                results[index] = clock_scan_street(
                    office=place.office, now=now, batch=7, ensure_deliverables=False
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def test_two_concurrent_scanners_change_each_clock_once_and_notify_once(committed_place, django_db_blocker):
    from core.deadlines.models import Clock
    from core.notifications.models import Notification
    from core.org.models import Community, Grid
    from core.requests.services import request_receive

    place = committed_place
    with django_db_blocker.unblock():
        try:
            with tenant_context(place.office):
                community = Community.objects.get(pk=place.community_id)
                grid = Grid.objects.get(pk=place.grid_id)
                for i in range(REQUESTS):
                    request_receive(
                        actor=place.member("street_staff"),
                        channel="hotline",
                        category="food",
                        description=f"第{i}号",
                        requester_name=f"居民{i}",
                        community=community,
                        grid=grid,
                        received_at=T0,
                        now=T0,
                    )
            connection.set_schema_to_public()

            due_soon_results, overdue_results = [None, None], [None, None]
            _run_two_scanners(place, T0 + dt.timedelta(minutes=50), due_soon_results)
            _run_two_scanners(place, T0 + dt.timedelta(hours=2, minutes=30), overdue_results)

            assert sum(r["due_soon"] for r in due_soon_results) == REQUESTS
            assert sum(r["overdue"] for r in overdue_results) == REQUESTS
            # overdue -> director; then one catch-up tier -> street staff: exactly one escalation each
            assert sum(r["escalated"] for r in overdue_results) == REQUESTS
            grid_worker, director, staff = (
                place.users[k] for k in ("grid_worker", "community_director", "street_staff")
            )
            assert Notification.objects.filter(user=grid_worker, kind="due_soon").count() == REQUESTS
            assert Notification.objects.filter(user=grid_worker, kind="overdue").count() == REQUESTS
            assert Notification.objects.filter(user=director, kind="escalated").count() == REQUESTS
            assert Notification.objects.filter(user=staff, kind="escalated").count() == REQUESTS
            with tenant_context(place.office):
                levels = set(Clock.objects.filter(kind="respond").values_list("state", "escalation_level"))
            assert levels == {("overdue", 2)}
        finally:
            connection.set_schema_to_public()
            place.cleanup()


def test_the_beat_task_scans_every_street_in_a_real_worker(
    committed_place, celery_worker_process, django_db_blocker
):
    from django.utils import timezone

    from core.deadlines.models import Clock
    from core.deadlines.tasks import clock_scan_task
    from core.notifications.models import Notification
    from core.org.models import Community, Grid
    from core.requests.services import request_receive

    place = committed_place
    with django_db_blocker.unblock():
        try:
            with tenant_context(place.office):
                request = request_receive(
                    actor=place.member("street_staff"),
                    channel="hotline",
                    category="medical",
                    description="缺药",
                    requester_name="老李",
                    community=Community.objects.get(pk=place.community_id),
                    grid=Grid.objects.get(pk=place.grid_id),
                    received_at=timezone.now() - dt.timedelta(minutes=90),
                )
            connection.set_schema_to_public()

            result = clock_scan_task.apply_async(kwargs={"schemas": [place.office.schema_name]}).get(
                timeout=60
            )

            # Received 90 minutes ago, its 1-hour clock started overdue: the scan's first step escalates it.
            assert result["escalated"] >= 1 and result["streets"] == 1
            with tenant_context(place.office):
                respond = Clock.objects.get(subject_id=request.pk, kind="respond")
            assert (respond.state, respond.escalation_level) == ("overdue", 1)
            assert Notification.objects.filter(
                user=place.users["community_director"], kind="escalated"
            ).exists()
        finally:
            connection.set_schema_to_public()
            place.cleanup()

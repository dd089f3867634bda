"""Two members press the same step at the same moment, against a real server (gunicorn, 2 workers x
4 threads) on committed data: one wins, the other gets 409 "已被他人处理", and nothing is recorded twice."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from django.db import connection
from django_tenants.utils import tenant_context

from tests.committed import committed_place  # noqa: F401 - fixture

PAIRS = 4


def _post(url: str, host: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Host": host, "Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _at_once(calls) -> list:
    """Run the calls in threads released together by a barrier; their results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait(timeout=30)
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_two_simultaneous_responds_one_200_one_409_one_event(committed_place, live_url, django_db_blocker):  # noqa: F811
    from rest_framework.authtoken.models import Token

    from core.audit.models import AuditEvent
    from core.deadlines.services import clocks_of
    from core.org.models import Community, Grid
    from core.requests.models import CitizenRequest, RequestEvent
    from core.requests.services import request_receive

    place = committed_place
    with django_db_blocker.unblock():
        try:
            tokens = {
                key: Token.objects.get_or_create(user=place.users[key])[0].key
                for key in ("street_staff", "community_director")
            }
            host = place.office.domains.get(is_primary=True).domain
            with tenant_context(place.office):
                community, grid = (
                    Community.objects.get(pk=place.community_id),
                    Grid.objects.get(pk=place.grid_id),
                )
                ids = [
                    request_receive(
                        actor=place.member("street_staff"),
                        channel="hotline",
                        category="heating",
                        description=f"暖气不热 {i}",
                        requester_name=f"居民{i}",
                        community=community,
                        grid=grid,
                    ).pk
                    for i in range(PAIRS)
                ]
            connection.set_schema_to_public()
            base = live_url.format(host="127.0.0.1")

            for pk in ids:
                url = f"{base}/api/v1/requests/{pk}/respond/"
                results = _at_once(
                    [
                        lambda key=key, url=url: _post(url, host, tokens[key], {"note": f"{key} 已联系"})
                        for key in ("street_staff", "community_director")
                    ]
                )
                codes = sorted(code for code, _ in results)
                assert codes == [200, 409], results
                loser = next(body for code, body in results if code == 409)
                assert loser["code"] == "conflict"
                assert loser["message"].startswith("已被他人处理")
                assert loser["details"]["status"] == "responded"

            with tenant_context(place.office):
                for pk in ids:
                    obj = CitizenRequest.objects.get(pk=pk)
                    winner = next(body for code, body in results if code == 200) if pk == ids[-1] else None
                    assert obj.status == "responded"
                    assert RequestEvent.objects.filter(request=obj, step="responded").count() == 1
                    assert (
                        AuditEvent.objects.filter(action="request.responded", object_id=str(pk)).count() == 1
                    )
                    respond = [c for c in clocks_of(obj) if c.kind == "respond"]
                    assert len(respond) == 1 and respond[0].met_at is not None
                    if winner is not None:
                        assert obj.response_note == winner["response_note"]
        finally:
            place.cleanup()

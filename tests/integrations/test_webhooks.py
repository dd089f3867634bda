"""Webhooks: domain events become signed deliveries (verified by a receiver on 127.0.0.1), retried
with backoff after failures, logged, replayable; private addresses refused (SSRF)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from core.integrations.models import WebhookDelivery
from core.integrations.webhooks import backoff, deliveries_dispatch, delivery_replay, subscription_create
from core.requests import services as requests
from tests.support import deliver_events

T0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


def _soon() -> dt.datetime:
    """Just after the deliveries written now (their first attempt is due at once)."""
    from django.utils import timezone

    return timezone.now() + dt.timedelta(minutes=1)


def _subscribe(place, receiver, events=("request.created",), who="street_staff", office=True):
    from tenants.members import member_for

    actor = member_for(place.users[who], place.office if office else None)
    sub, secret = subscription_create(actor=actor, name="12345热线", url=receiver.url, event_types=list(events))
    receiver.secret = secret
    return sub


def _new_request(place):
    return requests.request_receive(
        actor=place.member("street_staff"), channel="hotline", category="heating", description="暖气不热",
        requester_name="王大妈", requester_phone="13900000002", community=place.community, grid=place.grid,
    )


def test_an_event_is_delivered_signed_and_the_receiver_verifies_it(place, receiver):
    sub = _subscribe(place, receiver)
    made = _new_request(place)

    deliver_events()  # the domain event reaches the webhooks consumer: one outbox row
    result = deliveries_dispatch(now=_soon())

    assert result["delivered"] == 1
    [got] = receiver.received
    assert got["valid"], "the receiver's own HMAC check failed"
    body = json.loads(got["body"])
    assert body["type"] == "request.created" and got["headers"]["X-Nuandong-Event"] == "request.created"
    assert body["data"]["number"] == made.number
    assert body["street_office"]["slug"] == place.office.slug
    assert "王大妈" not in got["body"].decode() and "requester_name" not in body["data"]
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert delivery.status == "delivered" and [a.status_code for a in delivery.attempt_log.all()] == [200]


def test_a_tampered_body_or_wrong_secret_does_not_verify(place, receiver):
    from core.integrations.webhooks import signature_header, verify

    header = signature_header(secret="whsec_a", timestamp=1_700_000_000, body=b'{"a":1}')
    assert verify(secret="whsec_a", header=header, body=b'{"a":1}', now=1_700_000_010)
    assert not verify(secret="whsec_a", header=header, body=b'{"a":2}', now=1_700_000_010)
    assert not verify(secret="whsec_b", header=header, body=b'{"a":1}', now=1_700_000_010)
    assert not verify(secret="whsec_a", header=header, body=b'{"a":1}', now=1_700_000_000 + 3600)  # too old


def test_retry_after_the_receiver_fails_twice(place, receiver):
    sub = _subscribe(place, receiver)
    _new_request(place)
    deliver_events()
    receiver.answers = [500, 503]
    WebhookDelivery.objects.filter(subscription=sub).update(next_attempt_at=T0)

    first = deliveries_dispatch(now=T0)
    too_early = deliveries_dispatch(now=T0 + backoff(1) - dt.timedelta(seconds=1))
    second = deliveries_dispatch(now=T0 + backoff(1))
    third = deliveries_dispatch(now=T0 + backoff(1) + backoff(2))

    assert (first["retry"], too_early["picked"], second["retry"], third["delivered"]) == (1, 0, 1, 1)
    assert backoff(1) == dt.timedelta(seconds=30) and backoff(2) == dt.timedelta(seconds=60)
    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
    assert len(receiver.received) == 3 and all(r["valid"] for r in receiver.received)
    assert len({json.loads(r["body"])["id"] for r in receiver.received}) == 1  # the same event each time


def test_a_delivery_fails_for_good_after_the_last_attempt(place, receiver):
    from core.integrations.webhooks import MAX_ATTEMPTS

    sub = _subscribe(place, receiver)
    _new_request(place)
    deliver_events()
    receiver.answers = [500] * MAX_ATTEMPTS
    moment = T0
    WebhookDelivery.objects.filter(subscription=sub).update(next_attempt_at=moment)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliveries_dispatch(now=moment)
        moment += backoff(attempt)

    delivery = WebhookDelivery.objects.get(subscription=sub)
    assert delivery.status == "failed" and delivery.attempts == MAX_ATTEMPTS
    assert deliveries_dispatch(now=moment + dt.timedelta(days=1))["picked"] == 0


def test_replay_from_the_log_sends_the_event_again(place, receiver, api_client, web_client):
    sub = _subscribe(place, receiver)
    _new_request(place)
    deliver_events()
    deliveries_dispatch(now=_soon())
    original = WebhookDelivery.objects.get(subscription=sub)

    replay = delivery_replay(actor=place.member("street_staff"), delivery_id=original.pk)
    deliveries_dispatch(now=_soon())
    by_api = api_client(place.office, place.users["street_staff"]).post(
        f"/api/v1/webhook-deliveries/{original.pk}/replay/")
    by_page = web_client(place.office, place.users["street_staff"]).post(
        f"/integrations/deliveries/{original.pk}/replay/")

    assert by_api.status_code == 202 and by_api.json()["replay_of"] == original.pk
    assert by_page.status_code == 302
    replay.refresh_from_db()
    assert replay.status == "delivered" and replay.replay_of_id == original.pk
    first, second = (json.loads(r["body"]) for r in receiver.received)
    assert first == second  # the same event, the same body
    assert receiver.received[1]["valid"]
    assert WebhookDelivery.objects.filter(subscription=sub).count() == 4


def test_each_event_reaches_each_subscription_once_and_district_subscriptions_hear_their_streets(
    place, receiver
):
    street_sub = _subscribe(place, receiver)
    district_sub = _subscribe(place, receiver, who="district_admin", office=False)
    _new_request(place)

    deliver_events()
    deliver_events()

    assert WebhookDelivery.objects.filter(subscription=street_sub).count() == 1
    assert WebhookDelivery.objects.filter(subscription=district_sub).count() == 1


def test_unsubscribed_events_and_inactive_subscriptions_get_nothing(place, receiver):
    from core.integrations.webhooks import subscription_update

    sub = _subscribe(place, receiver, events=("request.closed",))
    _new_request(place)
    deliver_events()
    assert not WebhookDelivery.objects.filter(subscription=sub).exists()
    subscription_update(actor=place.member("street_staff"), subscription_id=sub.pk,
                        event_types=["request.created"], is_active=False)
    _new_request(place)
    deliver_events()
    assert not WebhookDelivery.objects.filter(subscription=sub).exists()


@pytest.mark.parametrize("url", ["http://10.0.0.5/hook", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]:8080/x", "http://192.168.1.1/", "ftp://example.invalid/x",
                                 # malformed: a port out of range, an open IPv6 literal, port 0, credentials
                                 "http://example.com:99999/", "http://example.com:65536/", "http://[::1/x",
                                 "http://example.com:0/", "http://user:pw@example.com/"])
def test_private_link_local_and_odd_addresses_are_refused(place, settings, url):
    settings.NUANDONG_WEBHOOK_ALLOWED_NETWORKS = []  # production

    with pytest.raises(ValidationError) as exc:
        subscription_create(actor=place.member("street_staff"), name="x", url=url, event_types=["request.created"])
    assert "url" in exc.value.message_dict


def test_loopback_is_refused_in_production_settings_even_for_an_existing_subscription(place, receiver, settings):
    sub = _subscribe(place, receiver)  # allowed: tests list loopback in NUANDONG_WEBHOOK_ALLOWED_NETWORKS
    _new_request(place)
    deliver_events()
    settings.NUANDONG_WEBHOOK_ALLOWED_NETWORKS = []

    result = deliveries_dispatch(now=_soon())

    assert result["retry"] == 1 and receiver.received == []
    assert "private or reserved" in WebhookDelivery.objects.get(subscription=sub).last_error


def test_webhooks_through_the_api_and_keys_may_not_manage_them(place, receiver, api_client, make_key, key_client):
    staff = api_client(place.office, place.users["street_staff"])

    made = staff.post("/api/v1/webhooks/", {"name": "hook", "url": receiver.url, "event_types": ["request.created"]},
                      format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["secret"].startswith("whsec_")
    listed = staff.get("/api/v1/webhooks/").json()["results"]
    assert [w["id"] for w in listed] == [made.json()["id"]] and "secret" not in listed[0]
    off = staff.patch(f"/api/v1/webhooks/{made.json()['id']}/", {"is_active": False}, format="json")
    assert off.status_code == 200 and off.json()["is_active"] is False
    bad = staff.post("/api/v1/webhooks/", {"name": "x", "url": "http://10.0.0.1/", "event_types": ["nope"]},
                     format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    for odd in ("http://example.com:99999/", "http://[::1/x"):  # a 400 on the field, never a 500
        bad = staff.post("/api/v1/webhooks/", {"name": "x", "url": odd, "event_types": ["request.created"]},
                         format="json")
        assert bad.status_code == 400 and "url" in str(bad.json()), bad.content
        bad = staff.patch(f"/api/v1/webhooks/{made.json()['id']}/", {"url": odd}, format="json")
        assert bad.status_code == 400, bad.content

    key = key_client(place.office, make_key(place.office, place.users["street_staff"], ["requests:write"]))
    assert key.get("/api/v1/webhooks/").status_code == 403
    assert key.post("/api/v1/api-keys/", {"name": "x", "scopes": ["requests:read"]}, format="json").status_code == 403
    assert api_client(place.office, place.users["grid_worker"]).get("/api/v1/webhooks/").status_code == 403


def test_the_subscription_page_shows_the_secret_once_and_the_log(place, receiver, web_client):
    page = web_client(place.office, place.users["street_staff"])

    made = page.post("/integrations/webhooks/new/", {"name": "hook", "url": receiver.url,
                                                     "event_types": ["request.created"]})
    assert made.status_code == 302, made.content.decode()[:1500]
    first = page.get(made["Location"]).content.decode()
    assert "whsec_" in first
    _new_request(place)
    deliver_events()
    deliveries_dispatch(now=_soon())
    again = page.get(made["Location"]).content.decode()
    assert "whsec_" not in again and "request.created" in again and "HTTP 200" in again


def test_the_worker_knows_the_dispatch_task_and_beat_runs_it(settings):
    """The after-commit kick and beat name the task; a worker must have it registered (autodiscovery)."""
    from nuandong.celery import app

    app.loader.import_default_modules()

    assert "integrations.webhooks_dispatch" in app.tasks
    assert any(entry["task"] == "integrations.webhooks_dispatch" for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_an_overdue_clock_reaches_its_subscribers(place, receiver):
    """The clock scanner's request.overdue (core.events) becomes a delivery like any other event."""
    from core.deadlines.scanner import clock_scan_street

    local = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    sub = _subscribe(place, receiver, events=("request.overdue",))
    made = requests.request_receive(
        actor=place.member("street_staff"), channel="hotline", category="heating", description="暖气不热",
        requester_name="张大爷", community=place.community, grid=place.grid, received_at=local, now=local,
    )
    clock_scan_street(office=place.office, now=local + dt.timedelta(hours=2), ensure_deliverables=False)
    deliver_events()
    deliveries_dispatch(now=_soon())

    [got] = receiver.received
    body = json.loads(got["body"])
    assert got["valid"] and body["type"] == "request.overdue"
    assert body["data"]["clock_kind"] == "respond" and body["data"]["subject"]["id"] == made.pk
    assert WebhookDelivery.objects.get(subscription=sub).status == "delivered"

"""One cash gift per person and holiday campaign, also under truly simultaneous requests: several
threads POST the same cash gift to a real gunicorn at the same instant; exactly one is recorded,
the others get the structured refusal (400, details.cash_amount), never a 500."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tests.committed import committed_place  # noqa: F401 - fixture
from tests.core.relief.test_concurrent_stock_out import _multipart, _png

ATTEMPTS = 6


@pytest.mark.usefixtures("_orm_beside_threads")
def test_simultaneous_cash_gifts_to_one_person_record_one(committed_place, live_url, django_db_blocker):  # noqa: F811
    import datetime as dt

    from rest_framework.authtoken.models import Token

    from core.registry.services import household_register, person_register
    from core.relief.holidays import holiday_campaign_create
    from core.relief.models import HolidayCampaign, HolidayTarget, HolidayVisit
    from tests.registry_places import new_id

    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
        staff, leader = place.member("street_staff"), place.member("street_leader")
        token, _ = Token.objects.get_or_create(user=place.users["street_staff"])
        with tenant_context(place.office):
            from core.org.models import Grid

            grid = Grid.objects.get(pk=place.grid_id)
            household = household_register(actor=staff, community=grid.community, grid=grid, address="并发路2号")
            person_register(actor=staff, household=household, name="李秀英", id_number=new_id(), relation="head",
                            categories=["extreme_poverty"])
            today = dt.date.today()
            campaign = holiday_campaign_create(actor=leader, name=f"春节慰问-{uuid.uuid4().hex[:6]}",
                                               holiday="spring_festival", starts_on=today,
                                               ends_on=today + dt.timedelta(days=10), categories=["extreme_poverty"])
            target = HolidayTarget.objects.get(campaign=campaign, household=household)
        connection.set_schema_to_public()
    url = live_url.format(host="127.0.0.1") + "/api/v1/holiday-visits/"
    body, content_type = _multipart({"target_id": target.pk, "recipient_name": "李秀英", "cash_amount": "500"}, _png())
    start = threading.Barrier(ATTEMPTS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def give() -> None:
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Host": domain, "Content-Type": content_type, "Authorization": f"Token {token.key}"})
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                outcome = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            outcome = (error.code, json.loads(error.read()))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=give) for _ in range(ATTEMPTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert sorted(code for code, _ in results) == [201] + [400] * (ATTEMPTS - 1), results
        refusals = [payload for code, payload in results if code == 400]
        assert all("不能重复发放" in payload["details"]["cash_amount"][0] for payload in refusals)
        with django_db_blocker.unblock(), tenant_context(place.office):
            assert HolidayVisit.objects.filter(target=target).count() == 1
    finally:
        with django_db_blocker.unblock():
            with tenant_context(place.office):
                HolidayVisit.objects.filter(target__campaign=campaign).delete()
                HolidayTarget.objects.filter(campaign=campaign).delete()
                HolidayCampaign.objects.filter(pk=campaign.pk).delete()
                household.persons.all().delete()
                household.delete()
            connection.set_schema_to_public()


@pytest.fixture
def _orm_beside_threads():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield

"""A volunteer records a New Year delivery on a phone: the target list, the form with the
recipient's signature photo, the gift leaving the material ledger to that household."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from PIL import Image, ImageDraw

from tests.committed import committed_place  # noqa: F401 - fixture
from tests.support import DEMO_TEST_PASSWORD


@pytest.fixture(autouse=True)
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def _signature(path) -> None:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(20, 80), (90, 30), (150, 90), (230, 35), (280, 70)], fill="navy", width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())


def test_volunteer_records_a_holiday_delivery_on_a_phone(
    committed_place, live_url, phone_page, artifacts_dir, django_db_blocker, tmp_path  # noqa: F811
):
    from core.org.models import Grid
    from core.registry.services import household_register, person_register
    from core.relief.holidays import holiday_campaign_create
    from core.relief.ledger import item_create, stock_in
    from core.relief.models import (
        HolidayCampaign,
        HolidayTarget,
        HolidayVisit,
        MaterialItem,
        StockBalance,
        StockMovement,
    )
    from tenants.models import Membership, User
    from tenants.services import membership_grant, user_create
    from tests.registry_places import new_id

    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
        volunteer = User.objects.filter(username="tcommit_volunteer").first() or user_create(
            username="tcommit_volunteer", password=DEMO_TEST_PASSWORD, full_name="王志愿")
        if not Membership.objects.filter(user=volunteer, street_office=place.office).exists():
            membership_grant(user=volunteer, role="volunteer", street_office=place.office, community_id=place.community_id)
        staff, leader = place.member("street_staff"), place.member("street_leader")
        with tenant_context(place.office):
            grid = Grid.objects.get(pk=place.grid_id)
            household = household_register(actor=staff, community=grid.community, grid=grid, address="东风路8号2单元")
            person_register(actor=staff, household=household, name="张桂兰", id_number=new_id(), relation="head",
                            categories=["extreme_poverty"])
            pack = item_create(actor=staff, name="米面油礼包（测试）", unit="份")
            stock_in(actor=staff, item_id=pack.pk, community_id=place.community_id, quantity=3, source="donation",
                     donor="爱心超市")
            today = dt.date.today()
            campaign = holiday_campaign_create(actor=leader, name="元旦走访慰问", holiday="new_year", starts_on=today,
                                               ends_on=today + dt.timedelta(days=20), categories=["extreme_poverty"])
        connection.set_schema_to_public()
    signature = tmp_path / "signature.jpg"
    _signature(signature)
    base = live_url.format(host=domain)
    page = phone_page
    try:
        page.goto(f"{base}/relief/holidays/{campaign.pk}/")
        page.fill("#id_username", "tcommit_volunteer")
        page.fill("#id_password", DEMO_TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(rf"/relief/holidays/{campaign.pk}/$"))
        assert "张桂兰" in page.locator("#targets").text_content()
        page.click("#targets a.button")
        page.wait_for_url(re.compile(r"/relief/holidays/targets/\d+/visit/$"))
        page.fill("#id_gifts", "棉被一床")
        page.fill("#id_cash_amount", "300.00")
        page.select_option("#id_item_id", str(pack.pk))
        page.fill("#id_quantity", "1")
        assert page.input_value("#id_recipient_name") == "张桂兰"
        page.set_input_files("#id_confirmation", str(signature))
        page.screenshot(path=str(artifacts_dir / "holiday-visit-form-phone.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("#holiday-visit-form button[type=submit]")
        page.wait_for_url(re.compile(rf"/relief/holidays/{campaign.pk}/$"))
        assert "已记录对 张桂兰 的慰问" in page.locator(".messages").text_content()
        assert page.locator("#targets .badge.ok").count() == 1
        page.screenshot(path=str(artifacts_dir / "holiday-targets-phone.png"), full_page=True)
        with django_db_blocker.unblock(), tenant_context(place.office):
            visit = HolidayVisit.objects.get(target__campaign=campaign)
            assert (visit.visitor_name, visit.recipient_name, str(visit.cash_amount)) == ("王志愿", "张桂兰", "300.00")
            assert visit.stock_out.household_id == household.pk and visit.stock_out.handed_by_name == "王志愿"
            assert visit.confirmation.name.startswith("relief/confirmations/")
            assert StockBalance.objects.get(item=pack).quantity == 2
    finally:
        with django_db_blocker.unblock():
            with tenant_context(place.office):
                HolidayVisit.objects.filter(target__campaign=campaign).delete()
                StockMovement.objects.filter(item=pack).delete()
                StockBalance.objects.filter(item=pack).delete()
                MaterialItem.objects.filter(pk=pack.pk).delete()
                HolidayTarget.objects.filter(campaign=campaign).delete()
                HolidayCampaign.objects.filter(pk=campaign.pk).delete()
                household.persons.all().delete()
                household.delete()
            connection.set_schema_to_public()
            Membership.objects.filter(user=volunteer).delete()

"""On a phone (390x844): the holiday-campaign form's category checkboxes sit left of their labels (they
floated centred above them), and a case's evidence picture shows as a thumbnail that loads."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tests.committed import SLUG, committed_place  # noqa: F401 - fixture
from tests.support import DEMO_TEST_PASSWORD


@pytest.fixture(autouse=True)
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def _login(page, base, username, next_path):
    page.goto(f"{base}{next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_campaign_checkboxes_sit_beside_their_labels_and_evidence_shows_as_a_thumbnail(
    committed_place, live_url, phone_page, artifacts_dir, django_db_blocker  # noqa: F811
):
    from core.org.models import Grid
    from core.registry.services import household_register
    from core.relief.models import CaseEvidence, ReliefCase
    from core.relief.services import case_accept, case_add_evidence
    from tests.core.relief.conftest import png

    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
        staff = place.member("street_staff")
        with tenant_context(place.office):
            grid = Grid.objects.get(pk=place.grid_id)
            household = household_register(actor=staff, community=grid.community, grid=grid, address="东风路9号")
            case = case_accept(actor=staff, kind="temporary", household_id=household.pk, reason="取暖困难")
            case_add_evidence(case=case, actor=staff, kind="home", note="入户拍照", image=png())
        connection.set_schema_to_public()
    base = live_url.format(host=domain)
    page = phone_page
    try:
        _login(page, base, f"{SLUG}_street_leader", "/relief/holidays/")
        page.screenshot(path=str(artifacts_dir / "relief-holiday-campaign-form-phone.png"), full_page=True)
        boxes = page.locator("#campaign-form input[type=checkbox]")
        assert boxes.count() >= 4
        for i in range(boxes.count()):
            box = boxes.nth(i).bounding_box()
            label = boxes.nth(i).locator("xpath=..").bounding_box()
            assert box["width"] < 40, box  # not stretched over the row
            assert 0 <= box["x"] - label["x"] < 8, (box, label)  # at the label's left edge, not centred
            assert box["y"] >= label["y"] - 1 and box["y"] + box["height"] <= label["y"] + label["height"] + 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.goto(f"{base}/relief/cases/{case.pk}/")
        thumb = page.locator("#case-evidence .thumbs img")
        thumb.wait_for()
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", thumb.element_handle())
        page.screenshot(path=str(artifacts_dir / "relief-case-evidence-phone.png"), full_page=True)
    finally:
        with django_db_blocker.unblock():
            with tenant_context(place.office):
                from core.deadlines.models import Clock

                Clock.objects.filter(subject_type="relief.reliefcase", subject_id=case.pk).delete()
                CaseEvidence.objects.filter(case_id=case.pk).delete()
                ReliefCase.objects.filter(pk=case.pk).delete()
                household.delete()
            connection.set_schema_to_public()

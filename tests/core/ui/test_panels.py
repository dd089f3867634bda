"""Panels instead of reaching across (issue 7, core.ui.panels): domains contribute to the household page."""

from __future__ import annotations

import ast
from pathlib import Path

from core.ui import panels as registry
from tests.registry_places import make_household

ROOT = Path(__file__).resolve().parents[3]


def test_a_panel_is_shown_in_order_and_only_when_its_context_says_so(monkeypatch):
    monkeypatch.setattr(registry, "_SLOTS", {})
    registry.register_panel("probe", key="b", order=20, template="b.html", context=lambda **kw: {"b": 1})
    registry.register_panel("probe", key="a", order=10, template="a.html", context=lambda **kw: {"a": kw["subject"]})
    registry.register_panel("probe", key="hidden", order=5, template="h.html", context=lambda **kw: None)

    shown = registry.collect("probe", member=None, subject=7)

    assert [(s.panel.key, s.context) for s in shown] == [("a", {"a": 7}), ("b", {"b": 1})]


def test_the_household_page_gets_its_panels_from_the_domains():
    keys = {slot: [p.key for p in registry.panels(slot)] for slot in ("household.card", "household")}

    assert keys == {"household.card": ["coverage"], "household": ["requests", "needs", "problems", "relief", "visits"]}


def test_the_registry_pages_import_no_higher_domain():
    tree = ast.parse((ROOT / "core/registry/views.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}

    assert not {m for m in imported if m.startswith(("core.requests", "core.relief", "core.inspections"))}


def test_relief_shows_its_panel_on_the_household_page_to_roles_that_read_relief(org_a, web_client, users):
    from core.relief.services import case_accept

    household = make_household(org_a)
    case = case_accept(actor=org_a.members["street_staff"], kind="temporary", household_id=household.pk, reason="突发")

    page = web_client(org_a.office, users["street_staff"]).get(f"/households/{household.pk}/").content.decode()

    assert 'id="household-relief"' in page and case.number in page
    assert page.index('id="household-requests"') < page.index('id="household-relief"')


def test_the_request_page_offers_its_one_path_to_a_rectification_as_rectifications_panel(org_a, web_client, users):
    from core.rectification.models import Rectification
    from core.requests.services import request_receive

    household = make_household(org_a)
    staff = org_a.members["street_staff"]
    obj = request_receive(actor=staff, channel="hotline", category="heating", description="暖气漏水",
                          requester_name="王五", household_id=household.pk)
    from core.requests.services import request_respond

    request_respond(request=obj, actor=staff, note="已联系")
    client = web_client(org_a.office, users["street_staff"])

    page = client.get(f"/requests/{obj.pk}/").content.decode()
    assert f'action="/rectifications/from-request/{obj.pk}/"' in page
    made = client.post(f"/rectifications/from-request/{obj.pk}/")
    item = Rectification.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/rectifications/{item.pk}/"
    again = client.post(f"/rectifications/from-request/{obj.pk}/", follow=True)
    assert Rectification.objects.count() == 1 and again.status_code == 200
    assert item.number in client.get(f"/requests/{obj.pk}/").content.decode()
    volunteer = web_client(org_a.office, users["volunteer"]).get(f"/requests/{obj.pk}/")
    assert "from-request" not in volunteer.content.decode()

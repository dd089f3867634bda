"""The street home (工作台): cards by role, numbers scoped to the member's reach."""

from __future__ import annotations

import re

from tests.registry_places import make_household


def _cards(html: str) -> dict[str, dict[str, str]]:
    cards = {}
    for title, body in re.findall(r'<div class="dash-title">(.*?)</div>(.*?)</a>', html, flags=re.S):
        cards[title] = dict(re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", body))
    return cards


def test_grid_worker_sees_its_own_grid_and_street_staff_the_whole_street(org_a, web_client, users, street_a):
    for grid in (org_a.g1, org_a.g1, org_a.g2, org_a.g3):
        make_household(org_a, grid=grid)

    grid_cards = _cards(web_client(street_a, users["grid_worker"]).get("/").content.decode())
    staff_cards = _cards(web_client(street_a, users["street_staff"]).get("/").content.decode())

    assert grid_cards["排查覆盖"] == {"累计覆盖": "0", "待走访": "2", "按期": "0", "逾期补访": "0"}
    assert staff_cards["排查覆盖"] == {"累计覆盖": "0", "待走访": "4", "按期": "0", "逾期补访": "0"}
    assert set(grid_cards) == {"我的时限", "排查覆盖", "诉求", "整改"}


def test_cards_follow_the_permission_matrix(org_a, web_client, users, street_a):
    volunteer = _cards(web_client(street_a, users["volunteer"]).get("/").content.decode())
    enforcement = _cards(web_client(street_a, users["enforcement"]).get("/").content.decode())

    assert set(volunteer) == {"我的时限"}
    assert set(enforcement) == {"我的时限", "诉求"}

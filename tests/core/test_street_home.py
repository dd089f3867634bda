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


def test_supervisors_home_shows_the_streets_clocks_and_their_escalations(org_a, web_client, users, street_a):
    """Issue 12 §9: the street leader has no clock of their own; the home shows the street's."""
    import datetime as dt

    from django.utils import timezone

    from core.notifications.models import Notification
    from core.requests.services import request_receive

    now = timezone.now()
    request_receive(
        actor=org_a.members["street_staff"], channel="hotline", category="heating", description="暖气不热",
        requester_name="张大爷", community=org_a.c1, grid=org_a.g1, received_at=now - dt.timedelta(hours=30),
    )
    Notification.objects.create(
        user=users["street_leader"], street_office=street_a, kind="escalated", title="超时督办",
        dedupe_key="test-escalated-1", created_at=now,
    )

    leader = web_client(street_a, users["street_leader"])
    cards = _cards(leader.get("/").content.decode())
    page = leader.get("/deadlines/").content.decode()
    grid_cards = _cards(web_client(street_a, users["grid_worker"]).get("/").content.decode())

    assert (cards["全街道时限"]["已超时"], cards["全街道时限"]["未读督办"]) == ("2", "1")  # respond 1 h, handle 24 h
    assert "<h1>全街道时限</h1>" in page and "按时办结率（全街道" in page and "本人负责范围" not in page
    assert "我的时限" in grid_cards and "全街道时限" not in grid_cards


def test_every_menu_entry_of_every_role_opens(org_a, web_client, users, street_a):
    """Issue 12 §10: menus follow what is built — no entry leads to a 403 or 404, and a role with
    nothing to do is told so and shown what it can use."""
    import re

    from tenants.roles import STREET_ROLES

    for role in sorted(STREET_ROLES):
        client = web_client(street_a, users[role])
        home = client.get("/").content.decode()
        menu = re.search(r'<nav class="mainnav".*?</nav>', home, re.S)
        links = re.findall(r'href="([^"]+)"', menu.group(0)) if menu else []
        for link in links:
            assert client.get(link).status_code == 200, (role, link)
    volunteer = web_client(street_a, users["volunteer"]).get("/").content.decode()
    assert "目前没有需要您处理的事项" in volunteer and 'id="what-you-can-do"' in volunteer

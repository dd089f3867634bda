"""Every API list walks every row exactly once, at any page size (cursor links and page numbers)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

RECEIVED = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)


def _walk(client, url: str, *, follow: str = "next") -> list[int]:
    ids: list[int] = []
    pages = 0
    while url:
        parts = urlsplit(url)
        answer = client.get(parts.path + ("?" + parts.query if parts.query else ""))
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        ids += [row["id"] for row in body["results"]]
        url = body[follow]
        pages += 1
        assert pages < 100
    return ids


@pytest.fixture
def sixty_requests(place):
    from core.requests.services import request_receive

    staff = place.member("street_staff")
    return sorted(
        request_receive(actor=staff, channel="hotline", category="heating", description=f"同一时刻 {i}",
                        requester_name="同时", community=place.community, grid=place.grid,
                        received_at=RECEIVED, now=RECEIVED).pk
        for i in range(60)
    )


@pytest.mark.parametrize("size", [7, 1, 500])
def test_sixty_requests_received_at_once_walk_exactly_once_by_cursor(place, api_client, sixty_requests, size):
    staff = api_client(place.office, place.users["street_staff"])
    first = staff.get("/api/v1/requests/", {"page_size": size, "status": "all"}).json()
    assert first["count"] == 60 and first["previous"] is None
    ids = _walk(staff, f"/api/v1/requests/?page_size={size}&status=all")
    assert len(ids) == 60 and sorted(ids) == sixty_requests


def test_sixty_requests_walk_exactly_once_by_page_number(place, api_client, sixty_requests):
    staff = api_client(place.office, place.users["street_staff"])
    ids = _walk(staff, "/api/v1/requests/?page=1&page_size=7&status=all")
    assert len(ids) == 60 and sorted(ids) == sixty_requests
    assert "cursor=" not in (staff.get("/api/v1/requests/?page=1&page_size=7").json()["next"] or "")


def test_previous_links_walk_back_over_the_same_rows(place, api_client, sixty_requests):
    staff = api_client(place.office, place.users["street_staff"])
    forward: list[list[int]] = []
    url, last = "/api/v1/requests/?page_size=7", None
    while url:
        parts = urlsplit(url)
        last = staff.get(parts.path + "?" + parts.query).json()
        forward.append([r["id"] for r in last["results"]])
        url = last["next"]
    backward: list[list[int]] = []
    url = last["previous"]
    while url:
        parts = urlsplit(url)
        body = staff.get(parts.path + "?" + parts.query).json()
        backward.append([r["id"] for r in body["results"]])
        url = body["previous"]
    assert list(reversed(backward)) == forward[:-1]


def test_rows_added_during_a_cursor_walk_do_not_shift_it(place, api_client, sixty_requests):
    from core.requests.services import request_receive

    staff = api_client(place.office, place.users["street_staff"])
    page = staff.get("/api/v1/requests/", {"page_size": 7}).json()
    seen = [r["id"] for r in page["results"]]
    for i in range(5):  # newer requests sort before the walked rows (same deadline, later receipt)
        request_receive(actor=place.member("street_staff"), channel="hotline", category="heating",
                        description=f"中途 {i}", requester_name="中途", community=place.community, grid=place.grid,
                        received_at=RECEIVED, now=RECEIVED)
    seen += _walk(staff, page["next"])
    assert len(seen) == len(set(seen))
    assert set(sixty_requests) <= set(seen)


def test_a_broken_cursor_is_a_clear_400(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    answer = staff.get("/api/v1/requests/", {"cursor": "not-a-cursor"})
    assert answer.status_code == 400 and "cursor" in answer.json()["details"]


@pytest.mark.parametrize("path", ["households", "persons", "visits", "needs", "problems", "communities",
                                  "grids", "buildings", "rectifications"])
def test_every_street_list_walks_once_with_small_pages(place, api_client, path):
    from core.org.models import Building, Community, Grid
    from core.registry.models import Household

    for i in range(4):  # same names and addresses: only the tie-breaker orders them
        community = Community.objects.create(name=f"同名社区{i}", sort_order=0)
        grid = Grid.objects.create(community=community, name="同名网格")
        Building.objects.create(grid=grid, name=f"楼{i}")
        Household.objects.create(community=place.community, grid=place.grid, address="同一地址")
    staff = api_client(place.office, place.users["street_staff"])
    total = staff.get(f"/api/v1/{path}/").json()["count"]
    for size in (1, 3):
        ids = _walk(staff, f"/api/v1/{path}/?page_size={size}")
        assert len(ids) == len(set(ids)) == total

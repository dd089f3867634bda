"""Requests linked to a household: a real foreign key, checked against the actor's reach."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.deadlines.models import Clock
from core.registry.services import household_deactivate
from core.requests.models import CitizenRequest
from core.requests.services import request_receive
from tests.registry_places import make_household


def counts():
    return CitizenRequest.objects.count(), Clock.objects.count()


def receive(actor, **kw):
    return request_receive(
        actor=actor,
        channel="grid_worker",
        category="heating",
        description="暖气不热",
        requester_name="张大爷",
        **kw,
    )


def test_household_gives_the_request_its_community_and_grid(org_a):
    household = make_household(org_a, grid=org_a.g2)

    # The community passed in is overruled by the household's own place.
    request = receive(org_a.members["street_staff"], household_id=household.pk, community=org_a.c2)

    request.refresh_from_db()
    assert request.household == household
    assert (request.community_id, request.grid_id) == (org_a.c1.pk, org_a.g2.pk)
    assert list(household.requests.all()) == [request]


@pytest.mark.parametrize(
    "case,message",
    [
        ("unknown", "关联户不存在"),
        ("other_grid", "关联户不在您的负责范围"),
        ("deregistered", "关联户已注销"),
    ],
)
def test_bad_household_is_refused_and_nothing_saved(org_a, case, message):
    worker = org_a.members["grid_worker"]  # placed in G1
    if case == "unknown":
        household_id = 987654
    elif case == "other_grid":
        household_id = make_household(org_a, grid=org_a.g2).pk
    else:
        household = make_household(org_a)
        household_deactivate(actor=org_a.members["street_staff"], household=household, reason="迁出")
        household_id = household.pk
    before = counts()

    with pytest.raises(ValidationError) as exc:
        receive(worker, household_id=household_id, community=org_a.c1, grid=org_a.g1)

    assert message in exc.value.message_dict["household_id"][0]
    assert counts() == before


def test_without_household_a_community_is_required(org_a):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        receive(org_a.members["street_staff"])
    assert "community" in exc.value.message_dict
    assert counts() == before


def test_request_turns_into_one_rectification_and_both_pages_link(org_a, users, web_client):
    from core.rectification.models import Rectification
    from core.rectification.services import rectification_from_request

    household = make_household(org_a)
    staff = org_a.members["street_staff"]
    request = receive(staff, household_id=household.pk)
    item = rectification_from_request(request=request, actor=staff)
    assert item.household_id == household.pk

    with pytest.raises(ValidationError, match=f"该诉求已转入整改台账（{item.number}）"):
        rectification_from_request(request=request, actor=staff)
    assert Rectification.objects.count() == 1

    client = web_client(org_a.office, users["street_staff"])
    detail = client.get(f"/requests/{request.pk}/").content.decode()
    assert f"/rectifications/{item.pk}/" in detail and f"/households/{household.pk}/" in detail
    source = client.get(f"/rectifications/{item.pk}/").content.decode()
    assert f"/requests/{request.pk}/" in source and f"/households/{household.pk}/" in source


def test_searching_keeps_what_was_typed_and_the_linked_household_fills_the_address(org_a, web_client, users):
    """Issue 12 §5: 查找 on 登记诉求 re-renders with everything typed; a linked household's address
    (and phone) fill what was left blank when the request is saved."""
    household = make_household(org_a, grid=org_a.g1, address="迎宾路12号")
    client = web_client(org_a.office, users["street_staff"])
    typed = {
        "channel": "walk_in",
        "category": "heating",
        "requester_name": "王阿姨",
        "requester_phone": "13800001111",
        "description": "家里暖气片不热，老人怕冷",
        "hq": "迎宾路",
        "search": "1",
    }
    before = counts()

    found = client.post("/requests/new/", typed).content.decode()
    after_search = counts()
    saved = client.post(
        "/requests/new/", {k: v for k, v in typed.items() if k != "search"} | {"household_id": household.pk}
    )

    assert after_search == before
    assert "家里暖气片不热，老人怕冷" in found and 'value="王阿姨"' in found and 'value="13800001111"' in found
    assert 'value="walk_in" selected' in found and "迎宾路12号" in found and 'value="迎宾路"' in found
    assert saved.status_code == 302
    request = CitizenRequest.objects.get(household=household)
    assert (request.address, request.requester_phone, request.requester_name) == ("迎宾路12号", "13800001111", "王阿姨")

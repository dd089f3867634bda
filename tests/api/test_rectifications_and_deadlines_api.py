"""/api/v1/rectifications/ and /api/v1/deadlines/."""

from __future__ import annotations

import io

from django.utils import timezone

from core.rectification.models import Rectification


def png_file():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    buffer.name = "fixed.png"
    buffer.seek(0)
    return buffer


def test_rectification_through_the_api_with_a_photo(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    grid = api_client(place.office, place.users["grid_worker"])
    director = api_client(place.office, place.users["community_director"])

    created = staff.post(
        "/api/v1/rectifications/",
        {
            "source_type": "upstream",
            "source_note": "区民政局督查反馈第5条",
            "title": "取暖设备无人检查",
            "community": place.community.pk,
            "grid": place.grid.pk,
            "responsible_user_id": place.users["grid_worker"].pk,
            "due_on": f"{timezone.localdate().year + 1}-01-05",  # plausible: within years of today
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["clocks"][0]["kind"] == "rectify"

    uploaded = grid.post(
        f"/api/v1/rectifications/{pk}/evidence/", {"text": "已检查", "photo": png_file()}, format="multipart"
    )
    assert uploaded.status_code == 201, uploaded.json()
    photo_url = uploaded.json()["photo_url"]
    assert (
        grid.post(f"/api/v1/rectifications/{pk}/fix/", {"note": "已修好"}, format="json").status_code == 200
    )

    # grid workers may not verify; the director may
    assert (
        grid.post(
            f"/api/v1/rectifications/{pk}/verify/", {"passed": True, "note": "好"}, format="json"
        ).status_code
        == 403
    )
    verified = director.post(
        f"/api/v1/rectifications/{pk}/verify/", {"passed": True, "note": "合格"}, format="json"
    )
    assert verified.json()["status"] == "verified"
    assert {c["kind"] for c in verified.json()["clocks"]} == {"rectify", "lookback"}

    # the link is the API's own scoped download: a token client gets the bytes, not a login redirect
    assert f"/api/v1/rectifications/{pk}/evidence/" in photo_url and photo_url.endswith("/photo/")
    photo = director.get(photo_url)
    # re-encoded by the upload kit (core.uploads): a JPEG whatever was sent
    assert photo.status_code == 200 and b"".join(photo.streaming_content)[:3] == b"\xff\xd8\xff"
    assert api_client(place.office, place.users["staff_b"]).get(photo_url).status_code == 404
    assert api_client(place.office, None).get(photo_url).status_code == 401
    assert (
        verified.json()["next_due_at"]
        == [c for c in verified.json()["clocks"] if c["kind"] == "lookback"][0]["due_at"]
    )
    evidence_id = uploaded.json()["id"]
    from django.test import Client

    web = Client(HTTP_HOST=place.office.domains.get(is_primary=True).domain)
    web.force_login(place.users["street_staff"])
    page_photo = web.get(f"/rectifications/{pk}/evidence/{evidence_id}/")
    assert page_photo.status_code == 200
    # Re-encoded by the upload kit: a JPEG, served with the type the server decided.
    assert page_photo["Content-Type"] == "image/jpeg" and page_photo["X-Content-Type-Options"] == "nosniff"
    assert b"".join(page_photo.streaming_content)[:3] == b"\xff\xd8\xff"


def test_not_an_image_is_refused_and_nothing_is_saved(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    pk = staff.post(
        "/api/v1/rectifications/",
        {
            "source_type": "upstream",
            "source_note": "区督查反馈",
            "title": "x",
            "community": place.community.pk,
            "responsible_user_id": place.users["grid_worker"].pk,
        },
        format="json",
    ).json()["id"]
    fake = io.BytesIO(b"not a picture")
    fake.name = "evil.png"

    response = staff.post(f"/api/v1/rectifications/{pk}/evidence/", {"photo": fake}, format="multipart")

    assert response.status_code == 400
    assert Rectification.objects.get(pk=pk).evidence.count() == 0


def test_deadlines_mine_and_on_time_rates(place, api_client):
    staff = api_client(place.office, place.users["street_staff"])
    staff.post(
        "/api/v1/requests/",
        {
            "category": "food",
            "description": "缺米",
            "requester_name": "甲",
            "community": place.community.pk,
            "grid": place.grid.pk,
        },
        format="json",
    )
    grid = api_client(place.office, place.users["grid_worker"])

    mine = grid.get("/api/v1/deadlines/").json()
    rates = staff.get("/api/v1/deadlines/on-time/?by=community").json()
    bad = staff.get("/api/v1/deadlines/on-time/?by=planet")

    assert sorted(c["kind"] for c in mine) == ["feedback", "handle", "respond"]
    assert all(c["state_now"] == "on_track" and c["url"].startswith("/requests/") for c in mine)
    assert rates == [{"key": place.community.pk, "on_time": 0, "late": 0, "open_not_due": 3, "rate": None}]
    assert bad.status_code == 400


def test_rectification_steps_are_refused_from_the_wrong_status_and_change_nothing(place, api_client):
    from core.audit.services import model_snapshot
    from core.deadlines.models import Clock

    staff = api_client(place.office, place.users["street_staff"])
    director = api_client(place.office, place.users["community_director"])
    grid = api_client(place.office, place.users["grid_worker"])
    pk = staff.post(
        "/api/v1/rectifications/",
        {
            "source_type": "upstream",
            "source_note": "督查反馈第2条",
            "title": "楼道堆物",
            "community": place.community.pk,
            "grid": place.grid.pk,
            "responsible_user_id": place.users["grid_worker"].pk,
        },
        format="json",
    ).json()["id"]

    def state():
        return model_snapshot(Rectification.objects.get(pk=pk)), list(
            Clock.objects.filter(subject_id=pk).values()
        )

    def refused(client, step, body, status=400):
        before = state()
        response = client.post(f"/api/v1/rectifications/{pk}/{step}/", body, format="json")
        assert response.status_code == status, (step, response.json())
        assert state() == before

    # open: neither verdict applies
    refused(director, "verify", {"passed": False, "note": "不合格"})
    refused(director, "lookback", {"passed": False, "note": "反弹"})
    grid.post(f"/api/v1/rectifications/{pk}/evidence/", {"text": "已清理"}, format="multipart")
    assert (
        grid.post(f"/api/v1/rectifications/{pk}/fix/", {"note": "已清理"}, format="json").status_code == 200
    )
    # fixed: a look-back "relapse" is not a failed verification
    refused(director, "lookback", {"passed": False, "note": "反弹"})
    refused(grid, "fix", {"note": "再次"}, status=409)  # the workflow kit: someone already did it
    assert (
        director.post(
            f"/api/v1/rectifications/{pk}/verify/", {"passed": True, "note": "合格"}, format="json"
        ).status_code
        == 200
    )
    # verified: a failed verification can no longer reopen it
    refused(director, "verify", {"passed": False, "note": "不合格"})
    assert Rectification.objects.get(pk=pk).status == "verified"


def test_deadlines_state_filter_open_is_the_default_and_all_or_cancelled_list_cancelled_clocks(
    place, api_client
):
    from core.deadlines.services import clock_cancel
    from core.requests.models import CitizenRequest

    staff = api_client(place.office, place.users["street_staff"])
    pk = staff.post(
        "/api/v1/requests/",
        {
            "category": "food",
            "description": "缺米",
            "requester_name": "甲",
            "community": place.community.pk,
            "grid": place.grid.pk,
        },
        format="json",
    ).json()["id"]
    clock_cancel(subject=CitizenRequest.objects.get(pk=pk), kind="feedback", reason="测试撤销")

    def kinds(query):
        response = staff.get(f"/api/v1/deadlines/?scope=reach{query}")
        assert response.status_code == 200, response.json()
        return sorted(c["kind"] for c in response.json())

    assert kinds("") == kinds("&state=open") == ["handle", "respond"]
    assert kinds("&state=all") == ["feedback", "handle", "respond"]
    assert kinds("&state=cancelled") == ["feedback"]
    assert kinds("&state=on_track") == ["handle", "respond"]
    assert kinds("&state=met_late") == []
    bad = staff.get("/api/v1/deadlines/?state=whatever")
    assert bad.status_code == 400 and "state" in bad.json()["details"]
    assert staff.get("/api/v1/deadlines/?scope=planet").status_code == 400

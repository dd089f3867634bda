"""Request pages: the board, registering, each step through the web forms, refusals."""

from __future__ import annotations

from core.requests.models import CitizenRequest
from tests.support import deliver_events


def new_request(client, place, **extra):
    body = {
        "channel": "hotline",
        "category": "clothing",
        "requester_name": "赵奶奶",
        "requester_phone": "13900000003",
        "community": place.community.pk,
        "grid": place.grid.pk,
        "description": "缺棉衣棉鞋",
    } | extra
    return client.post("/requests/new/", body)


def test_register_then_walk_every_step_on_the_web(place, web_client):
    staff = web_client(place.office, place.users["street_staff"])

    response = new_request(staff, place)
    obj = CitizenRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{obj.pk}/"

    page = staff.get(f"/requests/{obj.pk}/").content.decode()
    assert "countdown" in page and 'id="step-respond"' in page
    staff.post(f"/requests/{obj.pk}/respond/", {"respond-note": "已电话联系"})
    staff.post(f"/requests/{obj.pk}/handle/", {"handle-note": "已送棉衣"})
    staff.post(
        f"/requests/{obj.pk}/feedback/", {"feedback-note": "已回访", "feedback-satisfaction": "satisfied"}
    )
    staff.post(f"/requests/{obj.pk}/close/", {"close-note": ""})

    obj.refresh_from_db()
    assert (obj.status, obj.satisfaction) == ("closed", "satisfied")


def test_board_shows_countdowns_and_filters(place, web_client):
    staff = web_client(place.office, place.users["street_staff"])
    new_request(staff, place)
    new_request(
        staff,
        place,
        requester_name="钱大爷",
        category="food",
        community=place.other_community.pk,
        grid=place.other_grid.pk,
    )

    board = staff.get("/requests/").content.decode()
    filtered = staff.get(f"/requests/?community={place.other_community.pk}").content.decode()

    assert board.count('class="countdown badge"') == 2
    assert "赵奶奶" in board and "钱大爷" in board
    assert "钱大爷" in filtered and "赵奶奶" not in filtered


def test_an_illegal_step_on_the_web_shows_an_error_and_changes_nothing(place, web_client):
    staff = web_client(place.office, place.users["street_staff"])
    new_request(staff, place)
    obj = CitizenRequest.objects.get()

    response = staff.post(
        f"/requests/{obj.pk}/feedback/",
        {"feedback-note": "x", "feedback-satisfaction": "satisfied"},
        follow=True,
    )

    assert "不能办理「反馈」" in response.content.decode()
    assert "cannot go from" not in response.content.decode()  # pages show the Chinese half only
    obj.refresh_from_db()
    assert obj.status == "received" and obj.feedback_note == ""


def test_building_head_cannot_respond_and_nothing_changes(place, web_client):
    staff = web_client(place.office, place.users["street_staff"])
    new_request(staff, place)
    obj = CitizenRequest.objects.get()

    response = web_client(place.office, place.users["building_head"]).post(
        f"/requests/{obj.pk}/respond/", {"respond-note": "x"}
    )

    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.status == "received"


def test_pages_for_anonymous_and_strangers(place, web_client):
    assert web_client(place.office, None).get("/requests/").status_code == 302
    assert web_client(place.office, place.users["staff_b"]).get("/requests/").status_code == 404


def test_my_deadlines_lists_the_grid_workers_clocks(place, web_client):
    new_request(web_client(place.office, place.users["street_staff"]), place)

    page = web_client(place.office, place.users["grid_worker"]).get("/deadlines/").content.decode()

    assert page.count("诉求 SQ") == 3  # respond, handle, feedback
    assert "按时办结率" in page


def test_public_hotline_page_needs_no_login(place, web_client):
    page = web_client(place.office, None).get("/hotline/")
    district = web_client(None, None).get("/hotline/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "东社区" in text and "0355-2020001" in text and "8:00-18:00" in text
    assert district.status_code == 200 and "甲街道" in district.content.decode()


def test_street_staff_keeps_the_hotline_list_and_the_public_page_shows_it(place, web_client):
    staff = web_client(place.office, place.users["street_staff"])

    bad = staff.post(
        "/hotline-edit/",
        {f"hotline-{place.community.pk}": "call me!", f"hours-{place.community.pk}": ""},
        follow=True,
    )
    assert "电话号码格式不正确" in bad.content.decode()
    staff.post(
        "/hotline-edit/",
        {
            f"hotline-{place.community.pk}": "0355-7654321",
            f"hours-{place.community.pk}": "全天24小时",
            f"hotline-{place.other_community.pk}": place.other_community.hotline,
            f"hours-{place.other_community.pk}": place.other_community.hotline_hours,
        },
    )

    public = web_client(place.office, None).get("/hotline/").content.decode()
    assert "0355-7654321" in public and "全天24小时" in public
    assert web_client(place.office, place.users["grid_worker"]).get("/hotline-edit/").status_code == 403


def test_reassigning_moves_the_open_clocks_and_tells_the_new_assignee(place, web_client):
    from core.deadlines.models import Clock
    from core.notifications.models import Notification

    staff = web_client(place.office, place.users["street_staff"])
    new_request(staff, place)
    obj = CitizenRequest.objects.get()
    director = place.users["community_director"]

    staff.post(f"/requests/{obj.pk}/assign/", {"assignee_user_id": director.pk})
    deliver_events()  # after the commit (core.events)

    assert set(Clock.objects.filter(subject_id=obj.pk).values_list("responsible_user_id", flat=True)) == {
        director.pk
    }
    assert Notification.objects.filter(user=director, kind="request.assigned").count() == 1
    page = web_client(place.office, director).get("/notifications/").content.decode()
    assert f'href="/requests/{obj.pk}/"' in page

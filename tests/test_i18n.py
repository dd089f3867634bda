"""Chinese first, English second: the interface defaults to Chinese and switches to English."""

from __future__ import annotations


def test_pages_are_chinese_by_default(street_a, web_client):
    page = web_client(street_a).get("/accounts/login/").content.decode()

    assert "登录暖冬" in page and 'lang="zh-hans"' in page


def test_english_is_chosen_from_the_language_switch(street_a, web_client):
    client = web_client(street_a)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()

    assert response.status_code == 302
    assert "Sign in to Nuandong" in page and 'lang="en"' in page


def test_role_labels_follow_the_language(street_a, users, web_client):
    client = web_client(street_a, users["grid_worker"])

    chinese = client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()

    assert "网格员" in chinese and "Grid worker" in english


def test_an_english_browser_still_gets_chinese_until_the_user_switches(street_a, web_client):
    page = (
        web_client(street_a).get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    )

    assert "登录暖冬" in page

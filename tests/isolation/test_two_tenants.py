"""Two-tenant isolation over every URL in the resolver: new URLs are covered automatically.

For each street-site URL: a member of another street (same or other district) gets 404 on
street A, by session and by token; anonymous gets the login page (web) or 401 (API); a district
viewer writes nothing. For each district-site URL: anonymous is refused the same way.
"""

from __future__ import annotations

import pytest

from core.audit.models import AuditEvent
from tests.isolation.urls import PUBLIC_URLS, TENANT_URLS

GUARDED_TENANT = [u for u in TENANT_URLS if not u.is_open]
GUARDED_PUBLIC = [u for u in PUBLIC_URLS if not u.is_open]
METHODS = ["get", "post"]


def ids(urls):
    return [u.path for u in urls]


def test_the_resolver_walk_finds_the_known_urls():
    paths = {u.path for u in TENANT_URLS}
    assert {"/", "/api/v1/me/", "/accounts/login/", "/healthz"} <= paths
    assert "/streets/new/" in {u.path for u in PUBLIC_URLS}


@pytest.mark.parametrize("url", GUARDED_TENANT, ids=ids(GUARDED_TENANT))
@pytest.mark.parametrize("stranger", ["staff_b", "staff_a2", "district_b_admin"])
@pytest.mark.parametrize("method", METHODS)
def test_member_of_another_street_gets_404_on_every_url(
    url, stranger, method, street_a, users, web_client, api_client
):
    if url.is_api:
        client = api_client(street_a, users[stranger])
    else:
        client = web_client(street_a, users[stranger])

    response = getattr(client, method)(url.path)

    assert response.status_code == 404, (
        f"{method.upper()} {url.path} answered {response.status_code} to {stranger}"
    )


@pytest.mark.parametrize(
    "url", [u for u in GUARDED_TENANT if u.is_api], ids=ids([u for u in GUARDED_TENANT if u.is_api])
)
def test_session_of_another_street_gets_404_on_api(url, street_a, users, web_client):
    response = web_client(street_a, users["staff_b"]).get(url.path)

    assert response.status_code == 404


@pytest.mark.parametrize("url", GUARDED_TENANT, ids=ids(GUARDED_TENANT))
@pytest.mark.parametrize("method", METHODS)
def test_anonymous_is_sent_to_login_or_gets_401(url, method, street_a, web_client):
    response = getattr(web_client(street_a), method)(url.path)

    if url.is_open311:
        assert response.status_code == 401
        assert response.json()[0]["code"] == 401
    elif url.is_api:
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    elif method == "get":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        # A POST without a session is refused before any view runs (CSRF or login).
        assert response.status_code in (302, 403, 405)


@pytest.mark.parametrize("url", GUARDED_TENANT, ids=ids(GUARDED_TENANT))
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_district_viewer_is_read_only_in_a_street_of_its_district(
    url, method, street_a, users, api_client, web_client, in_street
):
    client = (
        api_client(street_a, users["district_viewer"])
        if url.is_api
        else web_client(street_a, users["district_viewer"])
    )
    with in_street(street_a):
        before = AuditEvent.objects.count()

    response = (
        getattr(client, method)(url.path, {}, format="json")
        if url.is_api
        else getattr(client, method)(url.path)
    )

    assert response.status_code in (302, 400, 403, 404, 405), (
        f"{method.upper()} {url.path}: {response.status_code}"
    )
    assert response.status_code < 200 or response.status_code >= 300
    with in_street(street_a):
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [u for u in GUARDED_TENANT if not u.has_params],
    ids=ids([u for u in GUARDED_TENANT if not u.has_params]),
)
def test_a_member_of_street_a_is_not_refused_as_a_stranger(url, street_a, users, web_client, api_client):
    """The other side of the coin: street staff of A reach A's list pages (so the 404s above mean isolation)."""
    client = (
        api_client(street_a, users["street_staff"])
        if url.is_api
        else web_client(street_a, users["street_staff"])
    )

    response = client.get(url.path)

    assert response.status_code != 404, url.path


@pytest.mark.parametrize("url", GUARDED_PUBLIC, ids=ids(GUARDED_PUBLIC))
@pytest.mark.parametrize("method", METHODS)
def test_district_site_refuses_anonymous(url, method, web_client):
    response = getattr(web_client(None), method)(url.path)

    if url.is_api:
        assert response.status_code == 401
    elif method == "get":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code in (302, 403, 405)


@pytest.mark.parametrize(
    "url", [u for u in GUARDED_PUBLIC if u.is_api], ids=ids([u for u in GUARDED_PUBLIC if u.is_api])
)
def test_district_api_refuses_street_only_users(url, users, api_client):
    response = api_client(None, users["staff_b"]).get(url.path)

    assert response.status_code == 404


def test_district_home_lists_only_its_own_streets(users, web_client, street_a, street_a2, street_b):
    page_a = web_client(None, users["district_admin"]).get("/").content.decode()
    page_b = web_client(None, users["district_b_admin"]).get("/").content.decode()

    assert street_a.name in page_a and street_a2.name in page_a and street_b.name not in page_a
    assert street_b.name in page_b and street_a.name not in page_b

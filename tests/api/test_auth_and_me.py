"""Tokens, /me, the one error shape and the API base class guard."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.support import DEMO_TEST_PASSWORD, host_of


def test_token_for_username_and_password_then_me_in_the_street(street_a, users, db):
    client = APIClient(HTTP_HOST=host_of(street_a))

    token = client.post(
        "/api/v1/auth/token/", {"username": "a_grid_worker", "password": DEMO_TEST_PASSWORD}
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()

    assert me["user"]["username"] == "a_grid_worker"
    assert me["tenant"] == {"slug": "ta", "name": "甲街道", "schema": "s_ta"}
    assert me["district"] == {"code": "140403", "name": "潞州区"}
    assert me["roles"] == ["grid_worker"] and me["read_only"] is False


def test_wrong_password_gets_the_structured_error(street_a, db):
    response = APIClient(HTTP_HOST=host_of(street_a)).post(
        "/api/v1/auth/token/", {"username": "a_grid_worker", "password": "wrong"}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body) == {"code", "message", "details"}
    assert "non_field_errors" in body["details"]


def test_token_works_only_where_its_user_is_a_member(street_a, street_a2, street_b, users, api_client):
    assert api_client(street_a, users["grid_worker"]).get("/api/v1/me/").status_code == 200
    assert api_client(street_a2, users["grid_worker"]).get("/api/v1/me/").status_code == 404
    assert api_client(street_b, users["grid_worker"]).get("/api/v1/me/").status_code == 404
    assert api_client(None, users["grid_worker"]).get("/api/v1/me/").status_code == 404


def test_district_member_reads_its_streets_read_only_and_not_other_districts(
    street_a, street_b, users, api_client
):
    me = api_client(street_a, users["district_viewer"]).get("/api/v1/me/").json()

    assert me["roles"] == ["district_viewer"] and me["read_only"] is True
    # reading only: views, and the reason-bound read-only drill-down (ADR 0056)
    assert all(a.endswith(".view") or a == "district.drill_down" for a in me["actions"])
    assert api_client(street_b, users["district_viewer"]).get("/api/v1/me/").status_code == 404
    district_me = api_client(None, users["district_admin"]).get("/api/v1/me/").json()
    assert district_me["tenant"] is None and district_me["district"]["code"] == "140403"


def test_bad_token_is_401_with_the_error_shape(street_a, db):
    client = APIClient(HTTP_HOST=host_of(street_a))
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_openapi_schema_and_swagger_ui_are_served_on_both_sites(street_a, db):
    street = APIClient(HTTP_HOST=host_of(street_a))
    district = APIClient(HTTP_HOST=host_of(None))

    street_schema = street.get("/api/schema/", {"format": "json"}).json()
    district_schema = district.get("/api/schema/", {"format": "json"}).json()

    assert "/api/v1/me/" in street_schema["paths"] and "/api/v1/auth/token/" in street_schema["paths"]
    assert "/api/v1/me/" in district_schema["paths"]
    docs = street.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content  # no CDN needed


def test_an_api_view_cannot_replace_the_fixed_authentication_or_permission():
    from rest_framework.permissions import AllowAny

    from api.base import TenantApi

    with pytest.raises(TypeError, match="may not override permission_classes"):
        type("Leaky", (TenantApi,), {"permission_classes": [AllowAny], "required_action": None})
    with pytest.raises(TypeError, match="unknown action"):
        type("Typo", (TenantApi,), {"required_action": "household.veiw"})


def test_role_without_the_action_gets_403_with_the_error_shape(street_a, users, api_client, monkeypatch):
    from django.urls import path

    from api import urls as api_urls
    from api.base import TenantApi

    class Probe(TenantApi):
        required_action = "member.manage"

        def post(self, request):
            from rest_framework.response import Response

            return Response({"ok": True})

    monkeypatch.setattr(api_urls, "street_patterns", [path("probe/", Probe.as_view())])
    response = Probe.as_view()(_request(street_a, users["grid_worker"], "post"))

    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"


def _request(office, user, method):
    from django.db import connection
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIRequestFactory

    token, _ = Token.objects.get_or_create(user=user)
    request = getattr(APIRequestFactory(), method)("/api/v1/probe/", HTTP_AUTHORIZATION=f"Token {token.key}")
    request.tenant = office
    connection.set_tenant(office)
    return request

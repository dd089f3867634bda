"""Open311 GeoReport v2 on a street's site: a client's round trip (POST then GET) in JSON and XML,
with our API key as ``api_key``; statuses open/closed with the step in status_notes; spec errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from core.deadlines.models import Clock
from core.requests.models import CitizenRequest
from tests.support import host_of


@pytest.fixture
def open311(place, make_key):
    """A plain HTTP client on street A's site and a key with requests:write."""
    return Client(HTTP_HOST=host_of(place.office)), make_key(place.office, place.users["street_staff"],
                                                             ["requests:write"])


def _post(client, key, place, fmt="json", **extra):
    body = {"api_key": key, "service_code": "heating", "description": "家里暖气不热，屋里只有十度",
            "last_name": "王", "first_name": "秀英", "phone": "13912345678",
            "address_string": "太行东街12号院3号楼2单元401", "attribute[community]": str(place.community.pk),
            "attribute[grid]": str(place.grid.pk)} | extra
    return client.post(f"/open311/v2/requests.{fmt}", body)


def test_round_trip_in_json(place, open311):
    client, key = open311

    posted = _post(client, key, place)

    assert posted.status_code == 201, posted.content
    [answer] = posted.json()
    number = answer["service_request_id"]
    made = CitizenRequest.objects.get(number=number)
    assert made.channel == "api" and made.requester_name == "王秀英" and made.community == place.community
    assert Clock.objects.filter(subject_type="requests.citizenrequest", subject_id=made.pk).count() == 3
    got = client.get(f"/open311/v2/requests/{number}.json", {"api_key": key})
    assert got.status_code == 200
    [item] = got.json()
    assert item["service_request_id"] == number and item["status"] == "open"
    assert item["status_notes"] == "已受理 (received)" and item["service_code"] == "heating"
    assert item["expected_datetime"] is not None
    assert "王秀英" not in got.content.decode() and "13912345678" not in got.content.decode()
    listed = client.get("/open311/v2/requests.json", {"api_key": key, "status": "open"}).json()
    assert number in [r["service_request_id"] for r in listed]


def test_round_trip_in_xml_and_closed_status(place, open311):
    from core.requests import services

    client, key = open311

    posted = _post(client, key, place, fmt="xml")

    assert posted.status_code == 201 and posted["Content-Type"].startswith("application/xml")
    root = ET.fromstring(posted.content)
    assert root.tag == "service_requests"
    number = root.find("request/service_request_id").text
    made = CitizenRequest.objects.get(number=number)
    director = place.member("community_director")
    for step, kwargs in [(services.request_respond, {"note": "已联系"}), (services.request_handle, {"note": "已修"}),
                         (services.request_feedback, {"note": "满意", "satisfaction": "satisfied"}),
                         (services.request_close, {})]:
        made = step(request=made, actor=director, **kwargs)
    got = client.get(f"/open311/v2/requests/{number}.xml", {"api_key": key})
    item = ET.fromstring(got.content).find("request")
    assert item.find("status").text == "closed"
    assert item.find("status_notes").text == "已办结 (closed)"
    assert item.find("expected_datetime").text is None
    closed = ET.fromstring(client.get("/open311/v2/requests.xml", {"api_key": key, "status": "closed"}).content)
    assert [r.find("service_request_id").text for r in closed.findall("request")] == [number]


def test_services_and_a_service_definition(place, open311):
    client, key = open311

    services = client.get("/open311/v2/services.json", {"api_key": key}).json()
    xml = ET.fromstring(client.get("/open311/v2/services.xml", {"api_key": key}).content)
    definition = client.get("/open311/v2/services/heating.json", {"api_key": key}).json()

    assert {"service_code": "heating", "service_name": "取暖"}.items() <= services[0].items()
    assert xml.tag == "services" and xml.find("service/service_code").text == "heating"
    community = next(a for a in definition["attributes"] if a["code"] == "community")
    assert {"key": str(place.community.pk), "name": "东社区"} in community["values"]


def test_errors_in_the_spec_format(place, open311, make_key):
    client, key = open311
    reader = make_key(place.office, place.users["street_staff"], ["requests:read"])
    before = CitizenRequest.objects.count()

    missing = _post(client, key, place, service_code="")
    as_xml = _post(client, key, place, fmt="xml", description="")
    no_key = client.get("/open311/v2/requests.json")
    read_only = _post(client, reader, place)
    unknown = client.get("/open311/v2/requests/SQ00000000-99999.json", {"api_key": key})
    bad_date = client.get("/open311/v2/requests.json", {"api_key": key, "start_date": "yesterday"})

    assert missing.status_code == 400 and missing.json()[0]["code"] == 400
    assert "service_code" in missing.json()[0]["description"]
    assert as_xml.status_code == 400 and ET.fromstring(as_xml.content).find("error/code").text == "400"
    assert no_key.status_code == 401 and no_key.json()[0]["code"] == 401
    assert read_only.status_code == 403 and read_only.json()[0]["code"] == 403
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    assert bad_date.status_code == 400
    assert CitizenRequest.objects.count() == before


def test_a_token_works_too_and_a_grid_worker_posts_into_its_grid(place, api_client):
    client = api_client(place.office, place.users["grid_worker"])

    posted = client.post("/open311/v2/requests.json", {"service_code": "food", "description": "缺米面",
                                                       "last_name": "李", "address_string": "一网格5号"})

    assert posted.status_code == 201, posted.content
    made = CitizenRequest.objects.get(number=posted.json()[0]["service_request_id"])
    assert made.grid == place.grid and made.community == place.community


def test_refusals_before_any_view_answer_in_the_spec_shape_never_an_html_page(place, open311):
    client, key = open311

    nul = _post(client, key, place, description="a\x00b")
    assert nul.status_code == 400 and nul["Content-Type"].startswith("application/json")
    assert nul.json()[0]["code"] == 400 and "description" in nul.json()[0]
    nul_xml = _post(client, key, place, fmt="xml", description="a\x00b")
    assert nul_xml.status_code == 400 and nul_xml["Content-Type"].startswith("application/xml")
    assert ET.fromstring(nul_xml.content).find("error/code").text == "400"
    for path in ("/open311/v2/requests.csv", "/open311/discovery.json", "/open311/v2/requests/..%2f..%2fetc.json"):
        missing = client.get(path, {"api_key": key})
        assert missing.status_code == 404 and missing.json()[0]["code"] == 404, (path, missing.content[:80])
    missing_xml = client.get("/open311/v2/nothing.xml", {"api_key": key})
    assert missing_xml.status_code == 404 and ET.fromstring(missing_xml.content).tag == "errors"


def test_a_position_is_kept_and_returned_and_an_anonymous_report_is_accepted(place, open311):
    client, key = open311

    posted = _post(client, key, place, lat="36.2", long="113.1", last_name="", first_name="")

    assert posted.status_code == 201, posted.content
    number = posted.json()[0]["service_request_id"]
    made = CitizenRequest.objects.get(number=number)
    assert made.requester_name == "匿名（Open311）" and str(made.latitude) == "36.200000"
    [got] = client.get(f"/open311/v2/requests/{number}.json", {"api_key": key}).json()
    assert (got["lat"], got["long"]) == (36.2, 113.1)
    xml = client.get(f"/open311/v2/requests/{number}.xml", {"api_key": key})
    assert ET.fromstring(xml.content).find("request/lat").text == "36.2"
    half = _post(client, key, place, lat="36.2")
    assert half.status_code == 400

"""Statements per request on the grid worker's hot paths (counts are deterministic; no timing here).

The visit POST is the request a whole district's grid workers send at once during the inspection
phase (issue 11: 32 statements, 15 of them ``SET search_path``, before the connection handling of
docs/adr/0015-search-path-and-connections.md).
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.inspections.checklist import CHECKLIST
from tests.core.inspections.test_views import _post_visit
from tests.registry_places import make_household


def _statements(client, method: str, path: str, **kwargs) -> tuple[object, list[str]]:
    connection.set_schema_to_public()  # as a fresh request would start
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, **kwargs)
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_visit_post_takes_at_most_14_statements_and_2_sets(org_a, web_client, users):
    household = make_household(org_a)
    client = web_client(org_a.office, users["grid_worker"])

    response, statements = _statements(
        client, "post", f"/households/{household.pk}/visit/",
        data={"kind": "home", **{f"item_{i.code}": "ok" for i in CHECKLIST}},
    )

    assert response.status_code == 302
    assert len(statements) <= 14, "\n".join(statements)
    # one for the domain look-up in public, one for the street office; none per statement
    assert sum(s.startswith("SET search_path") for s in statements) <= 2, "\n".join(statements)


def test_visit_with_a_hazard_reports_its_counts_without_asking_again(org_a, web_client, users):
    household = make_household(org_a)
    client = web_client(org_a.office, users["grid_worker"])

    response = _post_visit(client, household, item_gas_safety="hazard", note_gas_safety="软管老化",
                           need_type_0="clothing", quantity_0="2", urgency_0="urgent")

    assert response.status_code == 302
    assert "发现问题 1 项，需求 1 条" in client.get(response["Location"]).content.decode()


def _visits_with_hazards(org, client, n: int) -> None:
    for _ in range(n):
        household = make_household(org)
        assert _post_visit(client, household, item_gas_safety="hazard", note_gas_safety="漏气",
                           item_structure="hazard", note_structure="裂缝").status_code == 302


def test_visit_list_api_has_no_query_per_problem(org_a, web_client, api_client, users):
    web = web_client(org_a.office, users["grid_worker"])
    api = api_client(org_a.office, users["grid_worker"])
    _visits_with_hazards(org_a, web, 1)
    _response, few = _statements(api, "get", "/api/v1/visits/")
    _visits_with_hazards(org_a, web, 4)
    response, many = _statements(api, "get", "/api/v1/visits/")

    assert response.status_code == 200 and len(response.json()["results"]) == 5
    assert len(many) == len(few), "\n".join(many)


def test_household_api_does_not_load_heads_it_never_returns(org_a, api_client, users):
    for _ in range(3):
        make_household(org_a, persons=2)
    response, statements = _statements(api_client(org_a.office, users["street_staff"]), "get", "/api/v1/households/")

    assert response.status_code == 200 and response.json()["results"]
    assert not [s for s in statements if 'FROM "registry_person"' in s.split(" WHERE ")[0]], "\n".join(statements)


def test_my_grid_page_reads_the_campaign_once(org_a, web_client, users):
    make_household(org_a)
    client = web_client(org_a.office, users["grid_worker"])
    client.get("/my-grid/")  # the district's campaign is made on first use
    response, statements = _statements(client, "get", "/my-grid/")

    assert response.status_code == 200
    assert sum('FROM "campaigns_campaign"' in s for s in statements) <= 1, "\n".join(statements)

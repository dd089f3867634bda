"""Scoping by the base class (issue 7, ADR 0045): a viewset declares its action and its reach, the base
applies the reach, and input ids resolve only within reach.

The class-level rules fail when the class is created (``__init_subclass__``); the walk over the URL
resolver proves every mounted API view obeys them; the requests prove that a stranger's id in a body
answers exactly like a missing id.
"""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import mixins

from api.base import PLACE, WHOLE_STREET, Reach, TenantApi, TenantViewSet, reach_hatch
from tests.registry_places import full_items, make_household

MISSING = 99999999


# --- the class rules -------------------------------------------------------------------------------------
def test_a_viewset_that_overrides_get_queryset_is_refused():
    with pytest.raises(TypeError, match="may not override get_queryset"):

        class Leaky(mixins.ListModelMixin, TenantViewSet):
            required_action = "household.view"
            reach = PLACE

            def get_queryset(self):
                from core.registry.models import Household

                return Household.objects.all()


def test_a_viewset_that_overrides_get_object_is_refused():
    with pytest.raises(TypeError, match="may not override get_object"):

        class Leaky(TenantViewSet):
            required_action = "household.view"
            reach = PLACE

            def get_object(self):
                return None


def test_a_mixin_under_the_viewset_cannot_smuggle_get_queryset_in():
    class Smuggler:
        def get_queryset(self):
            return None

    with pytest.raises(TypeError, match="may not override get_queryset"):
        type("Leaky", (Smuggler, TenantViewSet), {"required_action": "household.view", "reach": PLACE})


def test_the_named_hatch_lets_a_reviewed_override_through():
    class Reviewed(TenantViewSet):
        required_action = "household.view"
        reach = PLACE

        @reach_hatch("rows of the public schema, no place (example)")
        def get_queryset(self):
            return None

    assert Reviewed.get_queryset.reach_hatch.startswith("rows of the public schema")


def test_a_concrete_view_that_omits_its_action_is_refused():
    with pytest.raises(TypeError, match="must declare required_action"):
        type("Forgetful", (TenantApi,), {"get": lambda self, request: None})
    with pytest.raises(TypeError, match="must declare required_action"):
        type("Forgetful", (TenantViewSet,), {"reach": PLACE})


def test_a_viewset_that_omits_its_reach_is_refused():
    with pytest.raises(TypeError, match="must declare reach"):
        type("Placeless", (TenantViewSet,), {"required_action": "household.view"})
    with pytest.raises(TypeError, match="must declare reach"):
        type("Placeless", (TenantViewSet,), {"required_action": "household.view", "reach": "grid"})


def test_an_explicit_none_is_an_action_declared_on_purpose():
    probe = type("AnyMember", (TenantApi,), {"required_action": None})

    assert probe.required_action is None


def _api_views():
    found = []

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "cls", None) or getattr(entry.callback, "view_class", None)
                if view is not None and str(entry.pattern).startswith(("api/v1/", "^api/v1/")):
                    found.append(view)
                elif view is not None and view.__module__.startswith("api."):
                    found.append(view)

    for urlconf in ("nuandong.urls_tenant", "nuandong.urls_public"):
        walk(get_resolver(urlconf).url_patterns)
    return sorted(set(found), key=lambda v: v.__qualname__)


def test_every_mounted_api_view_goes_through_the_base_and_declares_action_and_reach():
    views = [v for v in _api_views() if v.__module__.startswith("api.") and v.__name__ != "TokenObtainApi"]

    assert len(views) > 30  # the walk reaches them all (viewsets and plain endpoints)
    for view in views:
        assert issubclass(view, (TenantApi, TenantViewSet)), view
        assert any("required_action" in k.__dict__ for k in view.__mro__ if k not in (TenantApi, TenantViewSet))
        if issubclass(view, TenantViewSet):
            assert isinstance(view.reach, Reach), view
            assert view.get_queryset is TenantViewSet.get_queryset, view
            assert view.get_object is TenantViewSet.get_object, view


def test_street_wide_viewsets_are_few_and_named():
    street_wide = sorted(v.__name__ for v in _api_views() if issubclass(v, TenantViewSet) and v.reach == WHOLE_STREET)

    assert street_wide == [
        "ApiKeyViewSet",  # integrations: rows of the street office itself (public schema)
        "HolidayCampaignViewSet",
        "MaterialItemViewSet",
        "PatrolViewSet",
        "WebhookDeliveryViewSet",
        "WebhookViewSet",
    ]


# --- the base applies the reach --------------------------------------------------------------------------
def test_the_base_answers_another_grids_row_like_a_missing_one(org_a, api_client, users):
    mine, theirs = make_household(org_a, grid=org_a.g1), make_household(org_a, grid=org_a.g2)
    worker = api_client(org_a.office, users["grid_worker"])  # placed in G1

    assert worker.get(f"/api/v1/households/{mine.pk}/").status_code == 200
    stranger = worker.get(f"/api/v1/households/{theirs.pk}/")
    missing = worker.get(f"/api/v1/households/{MISSING}/")
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json() == missing.json()
    listed = worker.get("/api/v1/households/").json()
    assert [h["id"] for h in listed["results"]] == [mine.pk]


# --- input ids resolve within reach ----------------------------------------------------------------------
def _same_answer(client, url, body, field, stranger_id):
    """POST with a stranger's id and with a missing id: the same status and body (but for the id)."""
    stranger = client.post(url, body | {field: stranger_id}, format="json")
    missing = client.post(url, body | {field: MISSING}, format="json")
    assert stranger.status_code == missing.status_code == 400, (stranger.content, missing.content)
    text = json.dumps(stranger.json(), ensure_ascii=False)
    assert text == json.dumps(missing.json(), ensure_ascii=False).replace(str(MISSING), str(stranger_id))
    assert "不存在或不在您的负责范围" in text
    return stranger.json()


def test_a_request_naming_another_communitys_household_or_community(org_a, api_client, users):
    from core.requests.models import CitizenRequest

    theirs = make_household(org_a, grid=org_a.g3)  # community C2; the community worker is placed in C1
    worker = api_client(org_a.office, users["community_worker"])
    body = {"category": "heating", "description": "暖气不热", "requester_name": "张大爷", "community": org_a.c1.pk}

    _same_answer(worker, "/api/v1/requests/", body, "household_id", theirs.pk)
    _same_answer(worker, "/api/v1/requests/", body, "community", org_a.c2.pk)
    _same_answer(worker, "/api/v1/requests/", body, "grid", org_a.g3.pk)
    assert not CitizenRequest.objects.exists()


def test_a_visit_naming_another_grids_household_or_person(org_a, api_client, users):
    from core.inspections.models import Visit

    mine, theirs = make_household(org_a, grid=org_a.g1), make_household(org_a, grid=org_a.g2)
    worker = api_client(org_a.office, users["grid_worker"])
    body = {"household": mine.pk, "kind": "home", "items": full_items()}

    _same_answer(worker, "/api/v1/visits/", body, "household", theirs.pk)
    stranger_person = theirs.persons.get().pk  # in a need of the visit (a nested input)
    need = {"need_type": "clothing", "quantity": 1}
    stranger = worker.post("/api/v1/visits/", body | {"needs": [need | {"person": stranger_person}]}, format="json")
    missing = worker.post("/api/v1/visits/", body | {"needs": [need | {"person": MISSING}]}, format="json")
    assert stranger.status_code == missing.status_code == 400
    assert json.dumps(stranger.json(), ensure_ascii=False) == json.dumps(
        missing.json(), ensure_ascii=False
    ).replace(str(MISSING), str(stranger_person))
    assert not Visit.objects.exists()


def test_a_relief_case_and_a_stock_out_naming_a_strangers_household(org_a, api_client, users):
    from core.relief.models import ReliefCase, StockMovement

    theirs = make_household(org_a, grid=org_a.g3)
    worker = api_client(org_a.office, users["community_worker"])
    case = {"kind": "temporary", "reason": "突发重病"}

    _same_answer(worker, "/api/v1/relief-cases/", case, "household_id", theirs.pk)
    director = api_client(org_a.office, users["community_director"])
    item = director.post("/api/v1/materials/items/", {"name": "棉被", "unit": "床"}, format="json").json()
    stock = {"item_id": item["id"], "quantity": 1, "source": "purchase"}
    _same_answer(director, "/api/v1/materials/movements/stock-in/", stock, "community_id", org_a.c2.pk)
    assert not ReliefCase.objects.exists() and not StockMovement.objects.exists()


@pytest.mark.parametrize("value", ["abc", 10**30, True, -1, 0, {"id": 1}])
def test_odd_ids_in_a_body_are_400_never_a_database_error(org_a, api_client, users, value):
    staff = api_client(org_a.office, users["street_staff"])
    body = {"category": "heating", "description": "暖气不热", "requester_name": "张大爷", "community": value}

    response = staff.post("/api/v1/requests/", body, format="json")

    assert response.status_code == 400 and "community" in response.json()["details"]


def test_a_person_in_a_household_may_not_be_moved_to_a_strangers_household(org_a, api_client, users):
    theirs = make_household(org_a, grid=org_a.g2)
    worker = api_client(org_a.office, users["grid_worker"])

    _same_answer(worker, "/api/v1/persons/", {"name": "李四"}, "household", theirs.pk)


def test_reach_via_builds_the_paths():
    assert Reach.via("target") == Reach(grid="target__grid", community="target__community")

"""Back on the roster: household_reactivate / person_reactivate, the pages' buttons and the API actions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from core.audit.models import AuditEvent
from core.inspections.selectors import coverage
from core.registry.idnumbers import id_hash
from core.registry.models import Household, Person
from core.registry.selectors import district_duplicates
from core.registry.services import (
    DuplicatePersonError,
    household_deactivate,
    household_reactivate,
    household_register,
    person_deactivate,
    person_reactivate,
    person_register,
)
from tenants.members import member_for
from tenants.models import IdHashClaim
from tests.registry_places import make_household, new_id


def _state(*objs) -> list[tuple]:
    return [(type(o).__name__, o.pk, type(o).objects.get(pk=o.pk).is_active) for o in objs]


def test_household_comes_back_with_the_chosen_persons_and_reasons_are_audited(org_a):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=3)
    first, second, third = household.persons.order_by("pk")
    person_deactivate(actor=staff, person=third, reason="去世")
    household_deactivate(actor=staff, household=household, reason="迁出本街道")
    assert coverage(member=staff).registered == 0

    household_reactivate(
        actor=staff, household=household, reason="已迁回本街道", person_ids=[first.pk, second.pk]
    )

    household.refresh_from_db()
    assert household.is_active and coverage(member=staff).registered == 1
    assert sorted(household.persons.filter(is_active=True).values_list("pk", flat=True)) == [
        first.pk,
        second.pk,
    ]
    assert not Person.objects.get(pk=third.pk).is_active  # the deceased stays off
    event = AuditEvent.objects.get(action="household.reactivate", object_id=str(household.pk))
    assert event.reason == "已迁回本街道" and event.before["is_active"] is False and event.after["is_active"]
    assert AuditEvent.objects.filter(action="person.reactivate", reason="已迁回本街道").count() == 2
    assert set(
        IdHashClaim.objects.filter(street_office=org_a.office).values_list("person_id", flat=True)
    ) == {
        first.pk,
        second.pk,
    }


def test_person_comes_back_with_a_reason(org_a):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=2)
    person = household.persons.order_by("pk").last()
    person_deactivate(actor=staff, person=person, reason="外出务工")

    person_reactivate(actor=staff, person=person, reason="返乡")

    person.refresh_from_db()
    assert person.is_active
    assert AuditEvent.objects.get(action="person.reactivate", object_id=str(person.pk)).reason == "返乡"


@pytest.mark.parametrize("reason", ["", "   "])
def test_reason_is_required_and_nothing_changes(org_a, reason):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=1)
    person = household.persons.get()
    household_deactivate(actor=staff, household=household, reason="迁出")

    with pytest.raises(ValidationError) as household_error:
        household_reactivate(actor=staff, household=household, reason=reason, person_ids=[person.pk])
    with pytest.raises(ValidationError) as person_error:
        person_reactivate(actor=staff, person=person, reason=reason)

    assert "reason" in household_error.value.message_dict and "reason" in person_error.value.message_dict
    assert _state(household, person) == [("Household", household.pk, False), ("Person", person.pk, False)]
    assert not AuditEvent.objects.filter(action__endswith=".reactivate").exists()


def test_out_of_reach_and_read_only_roles_are_refused_and_nothing_changes(org_a, users):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, grid=org_a.g2, persons=1)  # grid G2: not the grid worker's
    person = household.persons.get()
    household_deactivate(actor=staff, household=household, reason="迁出")
    outsiders = [org_a.members["grid_worker"], org_a.members["building_head"]]

    for actor in outsiders:
        with pytest.raises(PermissionDenied):
            household_reactivate(actor=actor, household=household, reason="迁回", person_ids=[person.pk])
        with pytest.raises(PermissionDenied):
            person_reactivate(actor=actor, person=person, reason="迁回")

    assert _state(household, person) == [("Household", household.pk, False), ("Person", person.pk, False)]
    assert not IdHashClaim.objects.filter(street_office=org_a.office).exists()
    assert not AuditEvent.objects.filter(action__endswith=".reactivate").exists()


def test_person_waits_for_the_household_and_active_ones_are_refused(org_a):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=1)
    person = household.persons.get()
    with pytest.raises(ValidationError):
        person_reactivate(actor=staff, person=person, reason="误操作")  # still on the roster
    with pytest.raises(ValidationError):
        household_reactivate(actor=staff, household=household, reason="误操作")
    household_deactivate(actor=staff, household=household, reason="迁出")
    person.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        person_reactivate(actor=staff, person=person, reason="迁回")
    assert "household" in error.value.message_dict
    other = make_household(org_a, persons=1).persons.get()
    with pytest.raises(ValidationError) as error:  # only this household's inactive persons come back with it
        household_reactivate(actor=staff, household=household, reason="迁回", person_ids=[other.pk])
    assert "persons" in error.value.message_dict
    assert _state(household, person) == [("Household", household.pk, False), ("Person", person.pk, False)]


def test_reactivation_is_refused_when_the_id_is_active_elsewhere_in_the_street(org_a):
    """The unique ID index keeps a second record out of one street today; should an active holder ever
    exist (the index dropped here, inside the test's rolled-back transaction) the service refuses and
    names the holder instead of putting a second active record on the roster."""
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=1)
    person = household.persons.get()
    person_deactivate(actor=staff, person=person, reason="迁出")
    holder = make_household(org_a, persons=1).persons.get()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX person_unique_id_hash")
    Person.objects.filter(pk=holder.pk).update(id_hash=person.id_hash)
    claims = list(IdHashClaim.objects.filter(street_office=org_a.office).values_list("id_hash", "person_id"))

    with pytest.raises(DuplicatePersonError) as error:
        person_reactivate(actor=staff, person=person, reason="迁回")

    assert error.value.existing.pk == holder.pk
    assert not Person.objects.get(pk=person.pk).is_active
    assert (
        list(IdHashClaim.objects.filter(street_office=org_a.office).values_list("id_hash", "person_id"))
        == claims
    )


def test_cross_street_claim_is_restored_for_district_duplicate_detection(org_a, street_a2, users):
    staff = org_a.members["street_staff"]
    number = new_id()
    household = make_household(org_a, persons=0)
    person = person_register(
        actor=staff, household=household, name="甲", id_number=number, categories=["dibao"]
    )
    connection.set_tenant(street_a2)
    from core.org.models import Community, Grid

    community = Community.objects.create(name="甲二社区")
    grid = Grid.objects.create(community=community, name="网格")
    staff_a2 = member_for(users["staff_a2"], street_a2)
    other = household_register(actor=staff_a2, community=community, grid=grid, address="某路")
    person_register(actor=staff_a2, household=other, name="甲", id_number=number, categories=["dibao"])
    connection.set_tenant(org_a.office)
    district = org_a.office.district_id
    household_deactivate(actor=staff, household=household, reason="迁往甲二街道")
    assert district_duplicates(district_id=district) == []

    household_reactivate(
        actor=staff, household=household, reason="核实仍在本街道居住", person_ids=[person.pk]
    )

    claim = IdHashClaim.objects.get(street_office=org_a.office)
    assert claim.id_hash == id_hash(number) and claim.person_id == person.pk
    groups = district_duplicates(district_id=district)
    assert len(groups) == 1 and len(groups[0]["claims"]) == 2


# --- pages ------------------------------------------------------------------------------------
def test_buttons_on_the_household_page_bring_household_and_person_back(org_a, web_client, users):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=2)
    first, second = household.persons.order_by("pk")
    person_deactivate(actor=staff, person=second, reason="外出")
    household_deactivate(actor=staff, household=household, reason="迁出")
    client = web_client(org_a.office, users["community_worker"])
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "恢复该户" in page and f'value="{first.pk}"' in page

    refused = client.post(f"/households/{household.pk}/reactivate/", {"reason": ""}, follow=True)
    assert "请说明恢复原因" in refused.content.decode()
    assert not Household.objects.get(pk=household.pk).is_active
    client.post(f"/households/{household.pk}/reactivate/", {"reason": "迁回", "persons": [first.pk]})
    assert Household.objects.get(pk=household.pk).is_active
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "已注销人员" in page and f"/households/persons/{second.pk}/reactivate/" in page
    client.post(f"/households/persons/{second.pk}/reactivate/", {"reason": "返乡"})

    assert household.persons.filter(is_active=True).count() == 2
    viewer_page = web_client(org_a.office, users["volunteer"]).get(f"/households/{household.pk}/")
    assert "/reactivate/" not in viewer_page.content.decode()


def test_page_buttons_refuse_members_without_household_edit(org_a, web_client, users):
    household = make_household(org_a, persons=1)
    household_deactivate(actor=org_a.members["street_staff"], household=household, reason="迁出")
    response = web_client(org_a.office, users["volunteer"]).post(
        f"/households/{household.pk}/reactivate/", {"reason": "迁回"}
    )
    assert response.status_code == 403
    assert not Household.objects.get(pk=household.pk).is_active


# --- API --------------------------------------------------------------------------------------
def test_api_reactivate_household_and_person(org_a, api_client, users):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=2)
    first, second = household.persons.order_by("pk")
    household_deactivate(actor=staff, household=household, reason="迁出")
    client = api_client(org_a.office, users["street_staff"])
    assert client.get(f"/api/v1/households/{household.pk}/").status_code == 404  # off the roster

    missing = client.post(f"/api/v1/households/{household.pk}/reactivate/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["details"]
    response = client.post(
        f"/api/v1/households/{household.pk}/reactivate/",
        {"reason": "迁回", "persons": [first.pk]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == household.pk and response.json()["person_count"] == 1

    response = client.post(f"/api/v1/persons/{second.pk}/reactivate/", {"reason": "返乡"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == second.pk
    assert client.get(f"/api/v1/persons/{second.pk}/").status_code == 200
    again = client.post(f"/api/v1/persons/{second.pk}/reactivate/", {"reason": "返乡"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "invalid"


def test_api_out_of_reach_is_404_and_wrong_role_403_with_nothing_changed(org_a, api_client, users):
    household = make_household(org_a, grid=org_a.g2, persons=1)
    person = household.persons.get()
    household_deactivate(actor=org_a.members["street_staff"], household=household, reason="迁出")
    body = {"reason": "迁回", "persons": [person.pk]}

    grid_worker = api_client(org_a.office, users["grid_worker"])
    assert (
        grid_worker.post(f"/api/v1/households/{household.pk}/reactivate/", body, format="json").status_code
        == 404
    )
    assert (
        grid_worker.post(f"/api/v1/persons/{person.pk}/reactivate/", body, format="json").status_code == 404
    )
    volunteer = api_client(org_a.office, users["volunteer"])
    assert (
        volunteer.post(f"/api/v1/households/{household.pk}/reactivate/", body, format="json").status_code
        == 403
    )
    other_street = api_client(org_a.office, users["staff_b"])
    assert (
        other_street.post(f"/api/v1/households/{household.pk}/reactivate/", body, format="json").status_code
        == 404
    )

    assert _state(household, person) == [("Household", household.pk, False), ("Person", person.pk, False)]
    assert not AuditEvent.objects.filter(action__endswith=".reactivate").exists()


def test_returning_person_is_pointed_at_the_way_back(org_a, api_client, web_client, users):
    staff = org_a.members["street_staff"]
    household = make_household(org_a, persons=0)
    number = new_id()
    person = person_register(
        actor=staff, household=household, name="乙", id_number=number, categories=["dibao"]
    )
    household_deactivate(actor=staff, household=household, reason="迁出")
    elsewhere = make_household(org_a, persons=0)
    client = api_client(org_a.office, users["street_staff"])
    body = {"household": elsewhere.pk, "name": "乙", "id_number": number, "categories": ["dibao"]}

    refused = client.post("/api/v1/persons/", body, format="json")

    details = refused.json()["details"]
    assert refused.status_code == 400 and str(details["existing_person"]) == str(person.pk)
    assert "existing_url" not in details  # an inactive record is not served as a person
    assert details["reactivate_url"] == f"/api/v1/households/{household.pk}/reactivate/"
    page = web_client(org_a.office, users["street_staff"]).post(
        f"/households/{elsewhere.pk}/persons/new/",
        {**body, "relation": "head", "dibao_status": "none", "extreme_poverty_status": "none"},
    )
    assert "已注销，可在该户页面恢复" in page.content.decode()

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from core.audit.models import AuditEvent
from core.registry.idnumbers import id_hash
from core.registry.models import Household, Person
from core.registry.services import (
    DuplicatePersonError,
    household_register,
    person_full_id_read,
    person_register,
)
from tenants.members import member_for
from tenants.models import IdHashClaim
from tests.registry_places import make_household, new_id


def _household_data(org, **overrides):
    return {"community": org.c1, "grid": org.g1, "address": "解放路1号", **overrides}


def test_register_household_and_person_derives_sex_and_birth_and_hides_the_number(org_a):
    staff = org_a.members["street_staff"]
    household = household_register(actor=staff, **_household_data(org_a))
    number = new_id()

    person = person_register(
        actor=staff,
        household=household,
        name="张三",
        id_number=number,
        relation="head",
        categories=["dibao", "left_behind"],
        phone="13912345678",
    )

    person.refresh_from_db()
    assert person.id_masked == number[:6] + "*" * 10 + number[-2:]
    assert person.birth_date.strftime("%Y%m%d") == number[6:14]
    assert person.sex == ("male" if int(number[16]) % 2 else "female")
    assert number not in person.id_number_encrypted and person.id_hash == id_hash(number)
    assert IdHashClaim.objects.filter(street_office=org_a.office, person_id=person.pk).exists()
    events = AuditEvent.objects.filter(action="person.register", object_id=str(person.pk))
    assert events.count() == 1 and number not in str(events.get().after)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("id_number", "140402195003040010", "校验位错误"),
        ("phone", "1391234567", "手机号码格式不正确"),
        ("categories", ["martian"], "未知对象类别"),
        ("name", "", "请填写姓名"),
    ],
)
def test_bad_person_input_is_refused_and_nothing_saved(org_a, field, value, message):
    staff = org_a.members["street_staff"]
    household = household_register(actor=staff, **_household_data(org_a))
    data = {"name": "李四", "id_number": new_id(), "categories": ["dibao"], field: value}
    before = Person.objects.count()

    with pytest.raises(ValidationError) as exc:
        person_register(actor=staff, household=household, **data)

    assert message in str(exc.value.message_dict[field])
    assert Person.objects.count() == before


def test_vagrant_may_have_no_id_and_no_address(org_a):
    staff = org_a.members["street_staff"]
    household = household_register(actor=staff, community=org_a.c1, grid=org_a.g1, no_fixed_address=True)
    person = person_register(actor=staff, household=household, name="无名氏", categories=["vagrant"])
    assert person.id_hash == "" and person.id_masked == ""
    with pytest.raises(ValidationError) as exc:
        person_register(actor=staff, household=household, name="王五", categories=["dibao"])
    assert "id_number" in exc.value.message_dict


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"grid": "g3"}, "grid"),  # grid of another community
        ({"address": ""}, "address"),
        ({"phone": "12345"}, "phone"),
        ({"phone_only": True, "phone": "13900000000"}, "phone_only_reason"),
    ],
)
def test_bad_household_input_is_refused(org_a, overrides, field):
    overrides = {k: getattr(org_a, v) if v in ("g3",) else v for k, v in overrides.items()}
    before = Household.objects.count()
    with pytest.raises(ValidationError) as exc:
        household_register(actor=org_a.members["street_staff"], **_household_data(org_a, **overrides))
    assert field in exc.value.message_dict
    assert Household.objects.count() == before


def test_duplicate_within_street_is_refused_pointing_at_existing_person(org_a):
    staff = org_a.members["street_staff"]
    number = new_id()
    first_household = make_household(org_a, persons=0)
    first = person_register(
        actor=staff, household=first_household, name="赵六", id_number=number, categories=["dibao"]
    )
    other = make_household(org_a, persons=0)

    with pytest.raises(DuplicatePersonError) as exc:
        person_register(
            actor=staff, household=other, name="赵六", id_number=number.lower(), categories=["dibao"]
        )

    assert exc.value.existing == first
    assert other.persons.count() == 0


def test_full_id_read_requires_the_action_and_is_audited(org_a):
    number = new_id()
    household = make_household(org_a, persons=0)
    person = person_register(
        actor=org_a.members["street_staff"],
        household=household,
        name="钱七",
        id_number=number,
        categories=["dibao"],
    )

    assert person_full_id_read(actor=org_a.members["street_leader"], person=person) == number
    assert AuditEvent.objects.filter(action="person.view_full_id", object_id=str(person.pk)).count() == 1
    with pytest.raises(PermissionDenied):
        person_full_id_read(actor=org_a.members["grid_worker"], person=person)
    assert AuditEvent.objects.filter(action="person.view_full_id", object_id=str(person.pk)).count() == 1


def test_grid_worker_cannot_register_outside_own_grid(org_a):
    with pytest.raises(PermissionDenied):
        household_register(actor=org_a.members["grid_worker"], **_household_data(org_a, grid=org_a.g2))
    assert not Household.objects.filter(grid=org_a.g2).exists()


def test_cross_street_duplicate_is_seen_by_both_streets_and_the_district(org_a, street_a2, street_b, users):
    from core.org.models import Community, Grid
    from core.registry.selectors import cross_street_duplicates, district_duplicates

    number = new_id()
    in_a = make_household(org_a, persons=0)
    person_a = person_register(
        actor=org_a.members["street_staff"],
        household=in_a,
        name="孙八",
        id_number=number,
        categories=["dibao"],
    )
    connection.set_tenant(street_a2)
    community = Community.objects.create(name="甲二社区")
    grid = Grid.objects.create(community=community, name="网格")
    staff_a2 = member_for(users["staff_a2"], street_a2)
    household = household_register(actor=staff_a2, community=community, grid=grid, address="某路")
    person_a2 = person_register(
        actor=staff_a2, household=household, name="孙八", id_number=number, categories=["dibao"]
    )
    seen_in_a2 = cross_street_duplicates()
    connection.set_tenant(street_b)  # another district: the same number is not its business
    assert cross_street_duplicates() == []
    connection.set_tenant(org_a.office)
    seen_in_a = cross_street_duplicates()

    assert [(d.person_id, d.other_office) for d in seen_in_a] == [(person_a.pk, street_a2.name)]
    assert [(d.person_id, d.other_office) for d in seen_in_a2] == [(person_a2.pk, org_a.office.name)]
    groups = district_duplicates(district_id=org_a.office.district_id)
    assert len(groups) == 1
    assert sorted(c["street_office"] for c in groups[0]["claims"]) == sorted(
        [org_a.office.name, street_a2.name]
    )
    assert number not in str(groups)
    assert not IdHashClaim.objects.filter(id_hash=number).exists()


def test_district_sees_duplicates_page_and_api_without_numbers(
    org_a, street_a2, users, web_client, api_client
):
    from core.org.models import Community, Grid

    number = new_id()
    household = make_household(org_a, persons=0)
    person_register(
        actor=org_a.members["street_staff"],
        household=household,
        name="甲",
        id_number=number,
        categories=["dibao"],
    )
    connection.set_tenant(street_a2)
    community = Community.objects.create(name="甲二社区")
    grid = Grid.objects.create(community=community, name="网格")
    staff_a2 = member_for(users["staff_a2"], street_a2)
    other = household_register(actor=staff_a2, community=community, grid=grid, address="某路")
    person_register(actor=staff_a2, household=other, name="甲", id_number=number, categories=["dibao"])
    connection.set_schema_to_public()

    page = web_client(None, users["district_admin"]).get("/id-duplicates/").content.decode()
    body = api_client(None, users["district_viewer"]).get("/api/v1/id-duplicates/").json()

    assert org_a.office.name in page and street_a2.name in page and number not in page
    listed = page.split('id="id-duplicates"')[1]
    assert "一社区 · 第一网格" in listed and "甲二社区 · 网格" in listed and "#" not in listed  # issue 12 §11
    assert len(body) == 1 and number not in str(body)
    assert web_client(None, users["staff_b"]).get("/id-duplicates/").status_code in (403, 404)
    page_a2 = web_client(street_a2, users["staff_a2"]).get("/households/duplicates/").content.decode()
    assert org_a.office.name in page_a2


def test_deactivating_a_household_takes_it_out_of_coverage_and_the_duplicate_registry(
    org_a, api_client, users
):
    from core.inspections.selectors import coverage
    from core.registry.services import household_deactivate

    household = make_household(org_a, persons=2)
    staff = org_a.members["street_staff"]
    assert coverage(member=staff).registered == 1
    with pytest.raises(ValidationError):
        household_deactivate(actor=staff, household=household, reason=" ")

    household_deactivate(actor=staff, household=household, reason="迁出本街道")

    assert coverage(member=staff).registered == 0
    assert not IdHashClaim.objects.filter(street_office=org_a.office).exists()
    assert not Person.objects.filter(household=household, is_active=True).exists()
    assert AuditEvent.objects.filter(action="person.deactivate").count() == 2
    person = make_household(org_a, persons=1).persons.get()
    client = api_client(org_a.office, users["grid_worker"])
    assert client.post(f"/api/v1/persons/{person.pk}/deactivate/", {}, format="json").status_code == 400
    response = client.post(f"/api/v1/persons/{person.pk}/deactivate/", {"reason": "去世"}, format="json")
    assert response.status_code == 204
    person.refresh_from_db()
    assert person.is_active is False


def test_a_household_without_address_is_named_by_its_head_not_an_id(org_a):
    """Issue 12 §11: a vagrant's household reads "老张（无固定住所）", never "户 101-0005" or "户 #7"."""
    from core.registry.services import household_register, person_register

    staff = org_a.members["street_staff"]
    household = household_register(actor=staff, community=org_a.c1, grid=org_a.g1, no_fixed_address=True)
    nameless = str(household)
    person_register(actor=staff, household=household, name="老张", categories=["vagrant"], relation="head")

    assert nameless == "无固定住所" and str(household) == "老张（无固定住所）"


def test_child_categories_are_for_children(org_a):
    """Issue 12 §12: a 28-year-old is not a 事实无人抚养儿童 (the demo now follows this rule too)."""
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    today = timezone.localdate()
    household = make_household(org_a, persons=0)
    adult = new_id(birth=today.replace(year=today.year - 28, day=1))
    child = new_id(birth=today.replace(year=today.year - 9, day=1))

    with pytest.raises(ValidationError) as refused:
        person_register(actor=org_a.members["street_staff"], household=household, name="成年人",
                        id_number=adult, categories=["unsupported_child"], relation="head")
    person = person_register(actor=org_a.members["street_staff"], household=household, name="小明",
                             id_number=child, categories=["unsupported_child"], relation="grandchild")

    assert "未满18周岁" in str(refused.value) and person.birth_date < today - dt.timedelta(days=365 * 8)

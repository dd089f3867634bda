"""Issue 12 §12: the demo follows the product's own rules — a newcomer believes it.

The registry loader runs for one street (street A2, inside the test's transaction, rolled back) and
every person, household, grid and need it makes is checked against those rules.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from demo.registry import GIVEN_BOY, GIVEN_FEMALE, GIVEN_GIRL, GIVEN_MALE, load

MALE_NAMES, FEMALE_NAMES = set(GIVEN_MALE + GIVEN_BOY), set(GIVEN_FEMALE + GIVEN_GIRL)


def _age(birth, today) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def test_the_demo_street_follows_the_products_rules(street_a2):
    from core.inspections.models import Need
    from core.org.models import Grid
    from core.registry.models import Household, Person
    from tenants.models import Membership

    connection.set_tenant(street_a2)
    load(office=street_a2, accounts={})
    today = timezone.localdate()

    persons = list(Person.objects.select_related("household").exclude(id_hash=""))
    heads = {p.household_id: p for p in persons if p.relation == "head"}
    assert len(persons) > 50
    for person in persons:
        given = person.name[1:]
        assert (given in MALE_NAMES) == (person.sex == "male"), (person.name, person.sex)
        assert (given in FEMALE_NAMES) == (person.sex == "female"), (person.name, person.sex)
        head = heads.get(person.household_id)
        if person.relation == "spouse":
            assert head.sex != person.sex and abs(head.birth_date.year - person.birth_date.year) <= 6
        if person.relation == "child":
            assert person.birth_date.year - head.birth_date.year >= 18, (head.birth_date, person.birth_date)
        if person.relation == "grandchild":
            assert person.birth_date.year - head.birth_date.year >= 40, (head.birth_date, person.birth_date)
        if person.relation == "head":
            assert _age(person.birth_date, today) >= 18
        if {"orphan", "unsupported_child"} & set(person.categories):
            assert _age(person.birth_date, today) < 18 and person.relation != "head"
    vagrants = Household.objects.filter(no_fixed_address=True)
    assert vagrants.exists() and not vagrants.exclude(building=None).exists()
    placed = set(
        Membership.objects.filter(street_office=street_a2, role="grid_worker", is_active=True).values_list(
            "grid_id", flat=True
        )
    )
    assert set(Grid.objects.values_list("pk", flat=True)) <= placed  # every grid has its grid worker
    needs = list(Need.objects.select_related("visit").exclude(visit=None))
    assert all(n.created_at == n.visit.visited_at for n in needs)  # registered at the visit, not at loading

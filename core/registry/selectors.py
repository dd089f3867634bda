"""Reads of the registry, scoped to the member; cross-street duplicate look-ups."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.common import current_office
from core.org.scope import scope_households
from core.registry.models import Household, Person
from tenants.members import Member
from tenants.models import IdHashClaim, StreetOffice


def household_list(*, member: Member, heads: bool = True) -> QuerySet[Household]:
    """Active households in reach with ``person_count``; ``heads=True`` also loads ``.heads`` (the
    household heads, one extra query) for pages that show them — the API does not."""
    qs = Household.objects.select_related("community", "grid", "building").filter(is_active=True)
    qs = scope_households(qs, member).annotate(person_count=Count("persons", filter=Q(persons__is_active=True)))
    if heads:
        head_rows = Person.objects.filter(relation=Person.Relation.HEAD, is_active=True)
        qs = qs.prefetch_related(Prefetch("persons", queryset=head_rows, to_attr="heads"))
    return qs


def household_get(*, member: Member, pk: int) -> Household:
    return get_object_or_404(
        scope_households(Household.objects.select_related("community", "grid", "building"), member), pk=pk
    )


def person_list(*, member: Member) -> QuerySet[Person]:
    qs = Person.objects.select_related("household__community", "household__grid").filter(is_active=True)
    return scope_households(qs, member, prefix="household__")


def person_get(*, member: Member, pk: int) -> Person:
    return get_object_or_404(person_list(member=member), pk=pk)


def person_get_any(*, member: Member, pk: int) -> Person:
    """A person in reach, on the roster or taken off it (to put them back)."""
    qs = Person.objects.select_related("household__community", "household__grid")
    return get_object_or_404(scope_households(qs, member, prefix="household__"), pk=pk)


@dataclass(frozen=True)
class CrossStreetDuplicate:
    person_id: int
    other_office: str
    other_office_id: int
    other_person_id: int


def cross_street_duplicates(*, person_ids: list[int] | None = None) -> list[CrossStreetDuplicate]:
    """This street's persons whose ID hash is also claimed by another street office of the district."""
    office = current_office()
    if getattr(office, "district_id", None) is None:
        return []
    mine = IdHashClaim.objects.filter(street_office=office)
    if person_ids is not None:
        mine = mine.filter(person_id__in=person_ids)
    others = (
        IdHashClaim.objects.filter(district_id=office.district_id, id_hash__in=mine.values("id_hash"))
        .exclude(street_office=office)
        .select_related("street_office")
    )
    by_hash = {c.id_hash: c.person_id for c in mine.filter(id_hash__in=others.values("id_hash"))}
    return [
        CrossStreetDuplicate(
            person_id=by_hash[o.id_hash],
            other_office=o.street_office.name,
            other_office_id=o.street_office_id,
            other_person_id=o.person_id,
        )
        for o in others
        if o.id_hash in by_hash
    ]


def district_duplicates(*, district_id: int) -> list[dict]:
    """For the district: every ID hash claimed by more than one street office (no numbers, no names)."""
    hashes = (
        IdHashClaim.objects.filter(district_id=district_id)
        .values("id_hash")
        .annotate(n=Count("street_office", distinct=True))
        .filter(n__gt=1)
        .values_list("id_hash", flat=True)
    )
    claims = (
        IdHashClaim.objects.filter(district_id=district_id, id_hash__in=list(hashes))
        .select_related("street_office")
        .order_by("id_hash", "street_office__name", "id")
    )
    groups: dict[str, list[tuple[StreetOffice, int]]] = {}
    for claim in claims:
        groups.setdefault(claim.id_hash, []).append((claim.street_office, claim.person_id))
    return [
        {
            "key": h[:12],
            "claims": [{"street_office": o.name, "street_office_id": o.pk, "person_id": p} for o, p in items],
        }
        for h, items in groups.items()
    ]

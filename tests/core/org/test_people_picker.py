"""One people picker (issue 7): core.org.selectors.people_choices for every "who" field of the pages."""

from __future__ import annotations

from core.org.selectors import people_choices
from tenants.roles import GRID_WORKER, STREET_STAFF, VOLUNTEER


def test_people_are_listed_street_roles_first_with_their_role(org_a, users):
    everyone = people_choices()
    ids = [user_id for user_id, _label in everyone]

    assert ids.index(users["street_leader"].pk) < ids.index(users["street_staff"].pk) < ids.index(
        users["community_director"].pk
    ) < ids.index(users["grid_worker"].pk)
    assert dict(everyone)[users["grid_worker"].pk].endswith("（网格员）")


def test_roles_exclusions_and_a_predicate_narrow_the_list(org_a, users):
    assert [u for u, _l in people_choices(roles=(GRID_WORKER, STREET_STAFF))] == [
        users["street_staff"].pk, users["grid_worker"].pk
    ]
    assert users["volunteer"].pk not in dict(people_choices(exclude_roles=(VOLUNTEER,)))
    assert list(dict(people_choices(keep=lambda m: m.user_id == users["grid_worker"].pk))) == [users["grid_worker"].pk]

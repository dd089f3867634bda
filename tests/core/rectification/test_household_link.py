"""A rectification item linked to a household: a real foreign key, checked against community and reach."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.deadlines.models import Clock
from core.rectification.models import Rectification
from core.rectification.services import rectification_create
from tests.registry_places import make_household


def create(org, actor_role, **kw):
    return rectification_create(
        actor=org.members[actor_role],
        source_type="upstream",
        source_note="区民政局督查反馈第5号",
        title="楼道私拉乱接",
        community=org.c1,
        responsible_user_id=org.members["grid_worker"].user.pk,
        **kw,
    )


def test_the_item_links_to_its_household(org_a):
    household = make_household(org_a, grid=org_a.g1)

    item = create(org_a, "street_staff", grid=org_a.g1, household_id=household.pk)

    item.refresh_from_db()
    assert item.household == household
    assert list(household.rectifications.all()) == [item]


@pytest.mark.parametrize(
    ("case", "actor_role", "message"),
    [
        ("unknown", "street_staff", "户不存在或不在您的管辖范围"),
        ("other_community", "street_staff", "该户不属于所选社区"),
        ("other_grid", "grid_worker", "户不存在或不在您的管辖范围"),
    ],
)
def test_a_bad_household_is_refused_and_nothing_is_saved(org_a, case, actor_role, message):
    households = {
        "other_community": make_household(org_a, grid=org_a.g3),
        "other_grid": make_household(org_a, grid=org_a.g2),
    }
    household_id = households[case].pk if case in households else 987654
    before = (Rectification.objects.count(), Clock.objects.count())

    with pytest.raises(ValidationError) as refused:
        create(org_a, actor_role, household_id=household_id)

    assert message in str(refused.value.message_dict["household_id"])
    assert (Rectification.objects.count(), Clock.objects.count()) == before

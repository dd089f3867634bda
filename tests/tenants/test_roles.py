"""The permission matrix, cell by cell. Changing a permission means changing this table too, on purpose.

Columns, in order: district_admin, district_viewer, street_leader, street_staff, community_director,
community_worker, grid_worker, building_head, enforcement, volunteer.
"""

from __future__ import annotations

import pytest

from tenants.members import Member
from tenants.roles import ACTIONS, DISTRICT_STREET_WRITES, PERMISSIONS, ROLES, is_read_action, role_can

EXPECTED = {
    "district.view": "xx........",
    "district.manage_streets": "x.........",
    "district.manage_members": "x.........",
    "campaign.view": "xxxxxx....",
    "campaign.street_edit": "...x......",
    "campaign.manage": "x.........",
    "street.view": "xxxxxxxxxx",
    "member.view": "x.xx......",
    "member.manage": "...x......",
    "org.view": "xxxxxxxx..",
    "org.edit": "...x......",
    "hotline.edit": "...xx.....",
    "household.view": "..xxxxxx..",
    "household.edit": "...xxxx...",
    "roster.import": "...xxx....",
    "person.view_full_id": "..xxxx....",
    "coverage.view": "xxxxxxx...",
    "visit.view": "..xxxxxx..",
    "visit.create": "...xxxx...",
    "need.view": "..xxxxx...",
    "need.edit": "...xxx....",
    "problem.view": "..xxxxx...",
    "problem.edit": "...xxx....",
    "request.view": "..xxxxxxx.",
    "request.create": "...xxxxxx.",
    "request.respond": "...xxxx...",
    "request.handle": "...xxx....",
    "request.feedback": "...xxxx...",
    "request.close": "...xx.....",
    "rectification.view": "..xxxxx...",
    "rectification.edit": "...xxxx...",
    "rectification.verify": "..xxx.....",
    "relief.view": "xxxxxx....",
    "relief.edit": "...xxx....",
    "relief.approve": "..xx......",
    "relief.district_decide": "x.........",
    "material.view": "xxxxxx...x",
    "material.edit": "...xxx....",
    "patrol.view": "xxxxxx..x.",
    "patrol.create": "...x....x.",
    "patrol.schedule": "..xx......",
    "holiday.view": "xxxxxxx..x",
    "holiday.manage": "..xx......",
    "holiday.record": "...xxxx..x",
    "report.view": "xxxxxx....",
    "report.compile": "...xxx....",
    "report.submit": "...xx.....",
    "report.approve": "x.x.......",
    "deadline.view": "xxxxxxxxxx",
    "deadline.supervise": "..xxx.....",
    "notification.view": "xxxxxxxxxx",
    "notification.read": "xxxxxxxxxx",
    "audit.view": "x.xx......",
    "integration.manage": "x..x......",
    # break-the-glass (ADR 0056): district roles only, in a street, with a stated reason
    "district.drill_down": "xx........",
}

CELLS = [(role, action, EXPECTED[action][i] == "x") for action in EXPECTED for i, role in enumerate(ROLES)]


def test_the_table_names_every_action_and_role():
    assert set(EXPECTED) == set(ACTIONS)
    assert set(PERMISSIONS) == set(ROLES)
    assert len(ROLES) == 10
    assert all(len(row) == len(ROLES) for row in EXPECTED.values())


@pytest.mark.parametrize(("role", "action", "allowed"), CELLS, ids=[f"{r}-{a}" for r, a, _ in CELLS])
def test_cell(role, action, allowed):
    assert role_can(role, action) is allowed


def test_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        role_can("street_staff", "household.eat")


def _member(role, **kw):
    return Member(user=None, role=role, membership_id=1, district=None, street_office=None, **kw)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_district_member_inside_a_street_may_only_read(action):
    member = _member("district_admin", read_only=True)

    # Reads only, except what the matrix lists as the district's own decisions in a street.
    expected = role_can("district_admin", action) and (is_read_action(action) or action in DISTRICT_STREET_WRITES)
    assert member.can(action) is expected


def test_grid_worker_without_a_grid_sees_only_its_own_inbox_and_deadlines():
    unassigned = _member("grid_worker")
    assigned = _member("grid_worker", community_id=3, grid_id=7)

    assert not unassigned.can("household.view") and not unassigned.can("visit.create")
    assert unassigned.can("deadline.view") and unassigned.can("notification.view")
    assert assigned.can("household.view") and assigned.can("visit.create")


def test_the_readme_shows_the_current_matrix():
    from pathlib import Path

    from tenants.roles import render_markdown_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert render_markdown_table() in readme, "README roles table is stale: paste `nuandong roles_table`"

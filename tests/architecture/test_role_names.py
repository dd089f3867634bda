"""Role names only from tenants.roles (issue 7, "one way each"): no module outside tenancy writes a
role's name as a string; it imports the constant (GRID_WORKER, ...), so a renamed or removed role
breaks at import, not silently in a filter."""

from __future__ import annotations

import ast
from pathlib import Path

from tenants.roles import DISTRICT_ROLES, STREET_ROLES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "core", "home", "reports", "district")
# "grid_worker" is also a request channel (网格员收集), not a role, in these two modules.
CHANNEL_NOT_ROLE = {"core/requests/models.py", "core/requests/views.py"}
# The escalation ladder of the clock engine still names its tiers (its owner converts it).
NOT_YET = {"core/deadlines/escalation.py", "core/deadlines/services.py"}


def test_no_role_name_is_written_outside_tenants_roles():
    roles = set(STREET_ROLES) | set(DISTRICT_ROLES)
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or name in CHANNEL_NOT_ROLE | NOT_YET:
                continue
            tree = ast.parse(path.read_text())
            found += [f"{name}:{n.lineno} {n.value!r}" for n in ast.walk(tree) if isinstance(n, ast.Constant)
                      and isinstance(n.value, str) and n.value in roles]

    assert not found, "import the role constants from tenants.roles:\n" + "\n".join(found)

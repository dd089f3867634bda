"""The relief demo: every case type in every state of its table, through the services."""

from __future__ import annotations

from core.relief.models import ReliefCase
from core.relief.services import transitions_for


def test_demo_covers_every_case_type_in_every_state(street_a, users, in_street):
    from demo import registry as registry_demo
    from demo import relief as demo

    with in_street(street_a):
        registry_demo.load(office=street_a, accounts={})
        demo.load(office=street_a, accounts={})
        found = set(ReliefCase.objects.values_list("kind", "path", "status"))
        for kind, path in demo.AMOUNTS:
            table = transitions_for(kind, path)
            statuses = set(table) | {t for targets in table.values() for t in targets}
            assert {s for k, p, s in found if (k, p) == (kind, path)} == statuses, (kind, path)
        assert ReliefCase.objects.filter(kind="temporary", path="ordinary", status="district_review").get().amount_requested == 6000

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


def test_demo_relief_follows_the_products_rules_at_load_time(street_a, users, in_street):
    """A referral is for a person without a fixed address; dibao/特困 only for identified applicants;
    nothing of a case is already overdue the day the demo is loaded (emergency cases showed
    "已超时 15天0小时"); no review by whoever accepted or investigated."""
    from django.utils import timezone

    from core.deadlines.models import Clock
    from core.deadlines.scanner import clock_scan_street
    from core.relief.models import CaseEvent
    from demo import registry as registry_demo
    from demo import relief as demo

    with in_street(street_a):
        registry_demo.load(office=street_a, accounts={})
        demo.load(office=street_a, accounts={})
        clock_scan_street(office=street_a, now=timezone.now(), ensure_deliverables=False)
        referrals = ReliefCase.objects.filter(kind="station_referral")
        assert referrals.exists() and all(c.household.no_fixed_address for c in referrals)
        enrolments = ReliefCase.objects.filter(kind__in=("dibao", "extreme_poverty"))
        assert enrolments.exists() and not enrolments.filter(person__id_hash="").exists()
        overdue = Clock.objects.filter(subject_type="relief.reliefcase", state="overdue")
        assert not overdue.exists(), list(overdue.values_list("kind", "title"))
        for event in CaseEvent.objects.filter(step="reviewed"):
            earlier = set(CaseEvent.objects.filter(case=event.case, step__in=("accepted", "investigated"))
                          .values_list("actor_id", flat=True))
            assert event.actor_id not in earlier

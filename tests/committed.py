"""Committed data for tests that need other connections or processes (threads, a real Celery worker).

These tests must not run inside the rolled-back test transaction (``db``), and must not flush
(``transactional_db``). They use a dedicated street office created once and committed, and clean
up the rows they make. Import the ``committed_place`` fixture into the test module.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection, connections
from django_tenants.utils import tenant_context

from tests.support import DEMO_TEST_PASSWORD

SLUG = "tcommit"


@dataclass
class CommittedPlace:
    office: object
    community_id: int
    grid_id: int
    users: dict

    def member(self, key):
        from tenants.members import member_for

        return member_for(self.users[key], self.office)

    def cleanup(self) -> None:
        """Remove what tests made here (the append-only audit trail of this schema stays)."""
        from core.campaigns.models import DeliverableCheck
        from core.events.models import Event
        from core.notifications.models import Notification

        Notification.objects.filter(user__in=self.users.values()).delete()
        Event.objects.filter(schema_name=self.office.schema_name).delete()
        DeliverableCheck.objects.filter(street_office=self.office).delete()
        with tenant_context(self.office):
            from core.deadlines.models import Clock
            from core.rectification.models import Rectification
            from core.requests.models import CitizenRequest

            Clock.objects.all().delete()
            CitizenRequest.objects.all().delete()
            Rectification.objects.all().delete()
        connection.set_schema_to_public()
        # A browser (Playwright) or a thread gives this code its own connection: leave none open,
        # or the test database cannot be dropped at the end of the session.
        connections.close_all()


@pytest.fixture(scope="module")
def committed_place(django_db_setup, django_db_blocker):
    from core.org.models import Community, Grid
    from tenants.models import District, Membership, StreetOffice, User
    from tenants.services import membership_grant, street_office_create, user_create

    # Plain sync ORM code; a session-wide Playwright browser may have an event loop running in this thread.
    allow_sync = pytest.MonkeyPatch()
    allow_sync.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with django_db_blocker.unblock():
        office = StreetOffice.objects.filter(slug=SLUG).first()
        if office is None:
            office = street_office_create(
                district=District.objects.get(code="140403"), slug=SLUG, name="提交数据街道"
            )
        with tenant_context(office):
            community, _ = Community.objects.get_or_create(name="测试社区", defaults={"hotline": "0355-1"})
            grid, _ = Grid.objects.get_or_create(community=community, name="测试网格")
        connection.set_schema_to_public()
        users = {}
        for role in ("street_staff", "street_leader", "community_director", "grid_worker"):
            username = f"{SLUG}_{role}"
            user = User.objects.filter(username=username).first() or user_create(
                username=username, password=DEMO_TEST_PASSWORD, full_name=role, mobile="13800000000"
            )
            if not user.email:
                user.email = f"{username}@example.org"
                user.save(update_fields=["email"])
            users[role] = user
            if not Membership.objects.filter(user=user, street_office=office).exists():
                membership_grant(
                    user=user,
                    role=role,
                    street_office=office,
                    community_id=community.pk if role in ("community_director", "grid_worker") else None,
                    grid_id=grid.pk if role == "grid_worker" else None,
                )
        place = CommittedPlace(office=office, community_id=community.pk, grid_id=grid.pk, users=users)
        place.cleanup()
    yield place
    with django_db_blocker.unblock():
        place.cleanup()
    allow_sync.undo()

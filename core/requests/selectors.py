"""Reads of requests, scoped to the member's reach; the board shows the next deadline of each."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Subquery
from django.http import Http404

from core.deadlines.models import Clock
from core.deadlines.services import clock_next_open, clocks_of
from core.org.scope import scope_to_member
from core.requests.models import CitizenRequest, RequestStatus
from tenants.members import Member

OPEN_REQUEST_STATUSES = (RequestStatus.RECEIVED, RequestStatus.RESPONDED, RequestStatus.HANDLED)


def _next_clock(field: str) -> Subquery:
    return clock_next_open(subject_type="requests.citizenrequest", field=field)


@dataclass
class RequestFilters:
    status: str = ""  # "" = open ones, "all", or a status
    category: str = ""
    community_id: int | None = None
    grid_id: int | None = None
    channel: str = ""
    q: str = ""
    mine_user_id: int | None = None
    household_id: int | None = None

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.status == "all":
            pass
        elif self.status:
            qs = qs.filter(status=self.status)
        else:
            qs = qs.filter(status__in=OPEN_REQUEST_STATUSES)
        if self.category:
            qs = qs.filter(category=self.category)
        if self.channel:
            qs = qs.filter(channel=self.channel)
        if self.community_id:
            qs = qs.filter(community_id=self.community_id)
        if self.grid_id:
            qs = qs.filter(grid_id=self.grid_id)
        if self.mine_user_id:
            qs = qs.filter(assignee_user_id=self.mine_user_id)
        if self.household_id:
            qs = qs.filter(household_id=self.household_id)
        if self.q:
            qs = (
                qs.filter(requester_name__icontains=self.q)
                | qs.filter(number__icontains=self.q)
                | qs.filter(requester_phone__contains=self.q)
            )
        return qs


def request_list(*, member: Member, filters: RequestFilters | None = None) -> QuerySet[CitizenRequest]:
    """Requests in the member's reach, the most urgent first (overdue, then the nearest deadline)."""
    qs = scope_to_member(
        CitizenRequest.objects.select_related("community", "grid"), member, grid="grid", community="community"
    )
    qs = (filters or RequestFilters()).apply(qs)
    return qs.annotate(
        next_due_at=_next_clock("due_at"),
        next_clock_kind=_next_clock("kind"),
        next_clock_rule=_next_clock("rule"),
    ).order_by(F("next_due_at").asc(nulls_last=True), "-received_at", "-id")


def request_get(*, member: Member, pk: int) -> CitizenRequest:
    obj = (
        scope_to_member(
            CitizenRequest.objects.select_related("community", "grid", "household"),
            member,
            grid="grid",
            community="community",
        )
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise Http404("诉求不存在 / no such request")
    return obj


def request_clocks(request: CitizenRequest) -> list[Clock]:
    return clocks_of(request, order=("round", "started_at", "due_at"))


def request_counts(*, member: Member) -> dict:
    qs = scope_to_member(CitizenRequest.objects.all(), member, grid="grid", community="community")
    counted = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counted.get(status, 0) for status in RequestStatus.values}

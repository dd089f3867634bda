"""Reads of the reports domain, scoped to the member: runs they may download, submissions they see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from reports.models import ReportRun, Submission
from tenants.members import Member


def run_list(*, member: Member) -> QuerySet[ReportRun]:
    """Runs the member may see and download: within reach (a community's people see their
    community's runs), and unmasked runs only for members who may see unmasked data."""
    qs = ReportRun.objects.all()
    if not member.can("household.view"):
        qs = qs.filter(Q(masked=True) | Q(created_by_user_id=member.user.pk))
    if member.street_office is not None and member.scope in ("community", "grid"):
        qs = qs.filter(params__community_id=member.community_id)
    return qs.order_by("-created_at", "-id")


def run_get(*, member: Member, pk) -> ReportRun:
    run = run_list(member=member).filter(pk=pk).first()
    if run is None:
        raise Http404("报表不存在 / no such report")
    return run


def submission_list(*, member: Member) -> QuerySet[Submission]:
    qs = Submission.objects.all()
    if member.street_office is not None and member.scope in ("community", "grid"):
        qs = qs.filter(community_id=member.community_id)
    if member.street_office is None:  # the district sees what streets hand to it
        qs = qs.filter(level=Submission.Level.STREET)
    return qs.order_by("-period", "level", "community_name", "id")


def submission_get(*, member: Member, pk) -> Submission:
    item = submission_list(member=member).filter(pk=pk).first()
    if item is None:
        raise Http404("报送不存在 / no such submission")
    return item

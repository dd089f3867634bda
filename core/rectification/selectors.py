"""Reads of the rectification ledger, scoped to the member's reach."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404

from core.deadlines.models import Clock
from core.deadlines.services import clock_next_open, clocks_of
from core.org.scope import scope_to_member
from core.rectification.models import Rectification, RectificationStatus
from tenants.members import Member


@dataclass
class RectificationFilters:
    status: str = ""  # "" = not yet confirmed, "all", or a status
    source_type: str = ""
    community_id: int | None = None
    relapsed: bool = False

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.status == "all":
            pass
        elif self.status:
            qs = qs.filter(status=self.status)
        else:
            qs = qs.exclude(status=RectificationStatus.CONFIRMED)
        if self.source_type:
            qs = qs.filter(source_type=self.source_type)
        if self.community_id:
            qs = qs.filter(community_id=self.community_id)
        if self.relapsed:
            qs = qs.filter(relapse_count__gt=0)
        return qs


def _scoped(member: Member) -> QuerySet[Rectification]:
    return scope_to_member(
        Rectification.objects.select_related("community", "grid"), member, grid="grid", community="community"
    )


def rectification_list(
    *, member: Member, filters: RectificationFilters | None = None
) -> QuerySet[Rectification]:
    subject = "rectification.rectification"
    return (
        (filters or RectificationFilters())
        .apply(_scoped(member))
        .annotate(
            next_due_at=clock_next_open(subject_type=subject, field="due_at"),
            next_clock_kind=clock_next_open(subject_type=subject, field="kind"),
        )
        .order_by(F("next_due_at").asc(nulls_last=True), "-created_at", "-id")
    )


def rectification_get(*, member: Member, pk: int) -> Rectification:
    item = _scoped(member).select_related("problem__household", "household").filter(pk=pk).first()
    if item is None:
        raise Http404("整改事项不存在 / no such item")
    return item


def rectification_clocks(item: Rectification) -> list[Clock]:
    return clocks_of(item, order=("started_at", "id"))


def rectification_summary(*, member: Member) -> dict:
    qs = _scoped(member)
    row = qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=RectificationStatus.OPEN)),
        fixed=Count("id", filter=Q(status=RectificationStatus.FIXED)),
        verified=Count("id", filter=Q(status=RectificationStatus.VERIFIED)),
        confirmed=Count("id", filter=Q(status=RectificationStatus.CONFIRMED)),
        relapsed_items=Count("id", filter=Q(relapse_count__gt=0)),
        relapses=Sum("relapse_count"),
    )
    row["relapses"] = row["relapses"] or 0
    return row


def rectification_evidence_photo_get(*, member: Member, pk: int, evidence_id: int):
    """An evidence row with a photo of an item in the member's reach; 404 otherwise (web and API)."""
    item = rectification_get(member=member, pk=pk)
    evidence = item.evidence.filter(pk=evidence_id).exclude(photo="").first()
    if evidence is None:
        raise Http404("照片不存在 / no such photo")
    return evidence


def evidence_photo_response(evidence):
    """The photo's bytes, for the web page and the API alike (never a public media URL); the upload
    kit decides the content type from the bytes and adds nosniff and Content-Disposition."""
    from core.uploads import serve_upload

    return serve_upload(
        evidence.photo, download_name=f"rectification-{evidence.rectification_id}-evidence-{evidence.pk}"
    )

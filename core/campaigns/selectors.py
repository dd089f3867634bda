"""Reads of campaign progress: a street's tasks, and the district's street x task matrix."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from core.campaigns.models import Deliverable, DeliverableCheck
from core.campaigns.services import campaign_ensure
from tenants.models import District, StreetOffice
from tenants.selectors import street_offices_of


def street_checks(*, office: StreetOffice) -> QuerySet[DeliverableCheck]:
    campaign = campaign_ensure(office.district)
    return (
        DeliverableCheck.objects.filter(street_office=office, deliverable__phase__campaign=campaign)
        .select_related("deliverable__phase", "done_by")
        .prefetch_related("attendance__user")
        .order_by("period_due_on", "deliverable__sort_order")
    )


def check_status(check: DeliverableCheck | None, now) -> str:
    if check is None:
        return "missing"
    if check.done_at is not None:
        return "on_time" if check.done_at <= check.due_at else "late"
    return "overdue" if now > check.due_at else "pending"


STATUS_LABELS = {
    "on_time": "按时完成",
    "late": "超时完成",
    "overdue": "已超时未完成",
    "pending": "未到期",
    "missing": "尚未生成",
}


def district_progress(*, district: District, as_json: bool = False) -> dict:
    """Columns: every deliverable period; rows: every street office with the status of each."""
    now = timezone.now()
    campaign = campaign_ensure(district)
    deliverables = list(Deliverable.objects.filter(phase__campaign=campaign).select_related("phase"))
    offices = list(street_offices_of(district=district))
    checks = DeliverableCheck.objects.filter(
        deliverable__in=deliverables, street_office__in=offices
    ).prefetch_related("attendance")
    by_key = {(c.street_office_id, c.deliverable_id, c.period_due_on): c for c in checks}
    from core.campaigns.services import _periods

    columns = [(d, p) for d in deliverables for p in _periods(d)]
    rows = []
    for office in offices:
        cells = []
        for deliverable, period in columns:
            check = by_key.get((office.pk, deliverable.pk, period))
            state = check_status(check, now)
            attendance = None
            if check is not None and deliverable.kind == Deliverable.Kind.TRAINING and check.done_at:
                marks = list(check.attendance.all())
                attendance = (sum(1 for a in marks if a.attended), len(marks))
            cells.append(
                {"check": check, "status": state, "label": STATUS_LABELS[state], "attendance": attendance}
            )
        done = sum(1 for c in cells if c["status"] in ("on_time", "late"))
        rows.append({"office": office, "cells": cells, "done": done})
    if not as_json:
        return {"campaign": campaign, "columns": columns, "rows": rows}
    return {
        "deliverables": [{"id": d.pk, "name": d.name, "period_due_on": p.isoformat()} for d, p in columns],
        "streets": [
            {
                "slug": r["office"].slug,
                "name": r["office"].name,
                "done": r["done"],
                "cells": [
                    {
                        "status": c["status"],
                        "done_at": c["check"].done_at if c["check"] else None,
                        "attendance": c["attendance"],
                    }
                    for c in r["cells"]
                ],
            }
            for r in rows
        ],
    }

"""Writes of the reports domain: report runs (generate, execute, download) and the monthly narrative.

Runs are durable work: the row is committed first, the task queued after commit; a run that a
killed worker left ``running`` is taken again by the sweeper and produces one file, never two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from core.audit.services import audit_record
from reports.kinds import KINDS, Period, period_may_begin
from reports.models import MonthlyNarrative, ReportRun
from tenants.members import Member, member_for
from tenants.selectors import current_street_office

logger = logging.getLogger("nuandong.reports")
MAX_PERIOD_DAYS = 400


class ReportRefused(Exception):
    """The run cannot be made for its requester any more (final: not retried)."""


def _ensure(member: Member, action: str) -> None:
    if not member.can(action):
        raise PermissionDenied("当前角色无权执行此操作 / your role may not do this")


def period_parse(first, last) -> Period:
    """Validate a period given as dates or ISO strings; errors in Chinese."""
    try:
        first = first if isinstance(first, dt.date) else dt.date.fromisoformat(str(first))
        last = last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last))
    except ValueError:
        raise ValidationError({"period": "日期格式应为 YYYY-MM-DD / dates must be YYYY-MM-DD"}) from None
    if last < first:
        raise ValidationError({"period": "结束日期不能早于开始日期 / the period ends before it starts"})
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ValidationError({"period": "统计期间最长 400 天 / a period covers at most 400 days"})
    if first.year < 2000 or last.year > 2100:
        raise ValidationError({"period": "日期超出合理范围 / date out of range"})
    return Period(first, last)


@transaction.atomic
def report_run_create(
    *, actor: Member, kind: str, fmt: str, first, last, community_id: int | None = None
) -> ReportRun:
    """Record a run and queue its generation after commit. Raises ValidationError / PermissionDenied."""

    _ensure(actor, "report.view")
    report_kind = KINDS.get(kind)
    site = "district" if actor.street_office is None else "street"
    if report_kind is None or report_kind.site != site:
        raise ValidationError({"kind": "未知的报表类型 / unknown report"})
    if fmt not in ReportRun.Format.values:
        raise ValidationError({"fmt": "格式应为 pdf 或 xlsx / format must be pdf or xlsx"})
    period = period_parse(first, last)
    if not period_may_begin(period.first, now=timezone.now(), district=actor.district):
        raise ValidationError({"period": "统计期间尚未开始 / the period has not begun"})
    if community_id is not None:
        from core.org.scope import communities_in_reach

        if not communities_in_reach(actor).filter(pk=community_id).exists():
            raise ValidationError({"community_id": "社区不存在或不在您的范围内 / no such community in your reach"})
    elif actor.community_id and actor.scope in ("community", "grid"):
        community_id = actor.community_id  # a community's people report on their community
    run = ReportRun.objects.create(
        kind=kind,
        fmt=fmt,
        params={"first": period.first.isoformat(), "last": period.last.isoformat(), "community_id": community_id},
        title=f"{report_kind.title}（{period.label()}）",
        masked=not actor.can("household.view"),
        created_by_user_id=actor.user.pk,
        created_by_name=actor.user.display_name(),
    )
    audit_record(actor=actor, action="report.generate", obj=run, after={"kind": kind, "fmt": fmt, **run.params})
    _dispatch_on_commit(run)
    return run


def _dispatch_on_commit(run: ReportRun) -> None:
    from reports.tasks import report_run_job

    report_run_job.job.enqueue(run_id=run.pk)


def report_run_execute(*, run_id: int, now: dt.datetime | None = None) -> ReportRun:
    """Generate the file of a queued run, exactly once.

    Called by the durable job (core.jobs), which runs one job in one worker at a time: a run found
    ``running`` was left by a dead worker and is generated again from the start. The row is claimed
    with ``SELECT ... FOR UPDATE SKIP LOCKED`` and the file saved in the same transaction that marks
    the run done, so a run gets exactly one file. Failures raise (the job retries, then gives up and
    marks the run failed); the file is saved under a generated name with its SHA-256 beside it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        run = ReportRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
        if run is None or run.status in (ReportRun.Status.DONE, ReportRun.Status.FAILED):
            return run or ReportRun.objects.get(pk=run_id)
        run.status, run.started_at, run.attempts, run.progress = ReportRun.Status.RUNNING, now, run.attempts + 1, 5
        run.save(update_fields=["status", "started_at", "attempts", "progress"])
    try:
        content, pages, rows = _generate(run, now=now)
    except ReportRefused as exc:  # the requester may no longer see it: final, no retry
        ReportRun.objects.filter(pk=run.pk).update(
            status=ReportRun.Status.FAILED, failure=str(exc)[:500], finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run.pk)
        if run.status == ReportRun.Status.DONE:  # another attempt finished first
            return run
        name = f"{connection.schema_name}/{uuid.uuid4().hex}.{run.fmt}"
        run.file.save(name, ContentFile(content), save=False)
        run.filename = f"{KINDS[run.kind].title}-{run.params['first']}-{run.params['last']}.{run.fmt}"
        run.sha256, run.size, run.pages, run.rows = digest, len(content), pages, rows
        run.status, run.progress, run.finished_at = ReportRun.Status.DONE, 100, timezone.now()
        run.save()
    return run


def _generate(run: ReportRun, *, now: dt.datetime) -> tuple[bytes, int, int]:
    from reports.pdf import render_pdf
    from tenants.models import User

    user = User.objects.filter(pk=run.created_by_user_id).first()
    member = member_for(user, current_street_office()) if user else None
    if member is None or not member.can("report.view"):
        raise ReportRefused("生成人已无权查看报表 / the requester may no longer view reports")
    period = period_parse(run.params["first"], run.params["last"])
    report = KINDS[run.kind].build(member=member, period=period, community_id=run.params.get("community_id"), now=now)
    ReportRun.objects.filter(pk=run.pk).update(progress=20)
    if run.fmt == ReportRun.Format.XLSX:
        from reports.xlsx import report_xlsx

        return report_xlsx(report), 0, len(report.rows)

    def progress(percent: int) -> None:
        ReportRun.objects.filter(pk=run.pk).update(progress=20 + percent * 3 // 4)

    pdf, pages = render_pdf(report.document, progress=progress)
    return pdf, pages, len(report.rows)


def report_run_download(*, actor: Member, run: ReportRun) -> ReportRun:
    """Audit one download (the file itself is served by the caller)."""
    _ensure(actor, "report.view")
    audit_record(actor=actor, action="report.download", obj=run, after={"sha256": run.sha256})
    return run


NARRATIVE_MAX_CHARS = 5000  # a month's 工作开展情况 fits on two printed pages


@transaction.atomic
def monthly_narrative_save(
    *, actor: Member, period: str, narrative: str, community_id: int | None = None, sign_off: bool = False,
    now: dt.datetime | None = None,
) -> MonthlyNarrative:
    """Save the narrative of a reporting month (``"2026-12"`` = 11-21..12-20, plan 七); ``sign_off``
    (report.submit) records who signed it, by their display name.

    Raises ValidationError for a malformed, pre-2020 or not yet begun period and for a narrative over
    ``NARRATIVE_MAX_CHARS`` characters (never truncated silently); PermissionDenied without
    report.compile; refused once the month's submission at that level is accepted (locked).
    """
    from reports.kinds import report_month_check
    from reports.submissions import ensure_unlocked

    _ensure(actor, "report.compile")
    now = now or timezone.now()
    report_month_check(period, now=now, district=actor.district)
    text = (narrative or "").strip()
    if len(text) > NARRATIVE_MAX_CHARS:
        raise ValidationError(
            {"narrative": f"工作情况说明最多 {NARRATIVE_MAX_CHARS} 字（现 {len(text)} 字）"
                          f" / at most {NARRATIVE_MAX_CHARS} characters"}
        )
    if actor.scope in ("community", "grid"):
        community_id = actor.community_id
    ensure_unlocked(kind="monthly_progress", period=period, community_id=community_id)
    item, _ = MonthlyNarrative.objects.select_for_update().get_or_create(period=period, community_id=community_id)
    before = {"narrative": item.narrative}
    item.narrative = text
    if sign_off:
        _ensure(actor, "report.submit")
        item.signed_off_by_user_id = actor.user.pk
        item.signed_off_by_name = actor.user.display_name()
        item.signed_off_at = now
    item.save()
    audit_record(actor=actor, action="report.narrative", obj=item, before=before,
                 after={"narrative": item.narrative, "signed_off": sign_off})
    return item

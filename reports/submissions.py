"""Submissions up the hierarchy (报送): community -> street, street -> district.

Which reports are handed up, and when (the plan's 六 and 七; the district's campaign sets dates):

- ``problem_ledger``, period ``inspection``: each community's problem ledger to the street by the
  inspection phase's last day (phase task "各社区(村)《问题台账》报街道民政科"); the street's to the
  district by the same task's date.
- ``monthly_progress``, period ``YYYY-MM`` (covering the 21st of the previous month to the 20th):
  the street's report to the district by the 20th (phase task "每月20日前报送", moved to the next
  working day when the 20th is not one); each community's to the street three working days earlier.

A street-level submission's deadline is the campaign phase task's clock (submitting meets it — one
obligation, one clock, ADR 0006); a community-level submission has its own ``report_submit`` clock.
Steps follow ``TRANSITIONS``; the row is locked while a step runs, so two reviewers pressing at once
record one decision. Accepted submissions are locked: the narrative and the file cannot change until
the level above approves an unlock request.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.deadlines.durations import ByDate
from core.events.services import publish
from core.workflow import Step, StepConflict, Workflow
from reports.models import ReportRun, Submission, SubmissionEvent
from tenants.members import Member
from tenants.roles import COMMUNITY_DIRECTOR
from tenants.selectors import current_street_office

S = Submission.Status
# Who may take a step besides its role-matrix action: the level handing up, or the level above.
SUBMITTER, REVIEWER = "submitter", "reviewer"
STEPS = [
    (Step("submit", "报送", {S.DRAFT, S.RETURNED}, S.SUBMITTED, "report.submit"), SUBMITTER),
    (Step("return", "退回", {S.SUBMITTED}, S.RETURNED, "report.approve"), REVIEWER),
    (Step("accept", "审核通过", {S.SUBMITTED}, S.ACCEPTED, "report.approve"), REVIEWER),
    (Step("request_unlock", "申请解锁", {S.ACCEPTED}, S.UNLOCK_REQUESTED, "report.submit"), SUBMITTER),
    (Step("approve_unlock", "同意解锁", {S.UNLOCK_REQUESTED}, S.RETURNED, "report.approve"), REVIEWER),
    (Step("refuse_unlock", "不同意解锁", {S.UNLOCK_REQUESTED}, S.ACCEPTED, "report.approve"), REVIEWER),
]
WHO = {step.name: who for step, who in STEPS}
WORKFLOW = Workflow(
    model=Submission,
    status_labels=dict(Submission.Status.choices),
    steps=[step for step, _who in STEPS],
    event_model=SubmissionEvent,
    event_fk="submission",
    audit_prefix="submission",
    url=lambda s: f"/reports/submissions/{s.pk}/",
)
TRANSITIONS = {step.name: step for step, _who in STEPS}
STEP_LABELS = {step.name: step.label for step, _who in STEPS}
NEEDS_REASON = {"return", "request_unlock", "approve_unlock", "refuse_unlock"}
# report kind -> campaign deliverable key whose phase task is the street's deadline
DELIVERABLE_OF = {"monthly_progress": "monthly_progress", "problem_ledger": "problem_ledgers"}
COMMUNITY_LEAD_WORKING_DAYS = 3


SubmissionConflict = StepConflict  # the submission moved on while this step was being taken (HTTP 409)


def period_bounds(kind: str, period: str, district) -> tuple[dt.date, dt.date]:
    """The report period a submission covers. Raises ValidationError for a malformed period."""
    if kind == "monthly_progress":
        from reports.kinds import report_month

        try:
            month = report_month(period)
        except ValueError:
            raise ValidationError({"period": "期次格式应为 YYYY-MM / period must be YYYY-MM"}) from None
        return month.first, month.last
    if kind == "problem_ledger" and period == "inspection":
        from core.campaigns.services import campaign_ensure

        campaign = campaign_ensure(district)
        return campaign.starts_on, campaign_inspection_last(district)
    raise ValidationError({"period": "该报表没有这一期次 / no such period for this report"})


def campaign_inspection_last(district) -> dt.date:
    from core.campaigns.services import campaign_inspection_window

    return campaign_inspection_window(district)[1]


def _street_check(office, kind: str, period: str):
    """The campaign phase task (DeliverableCheck) that is the street's deadline for this submission."""
    from core.campaigns.models import DeliverableCheck
    from core.campaigns.services import deliverable_checks_ensure

    deliverable_checks_ensure(office=office)
    checks = DeliverableCheck.objects.filter(street_office=office, deliverable__key=DELIVERABLE_OF[kind])
    if kind == "monthly_progress":
        year, month = (int(x) for x in period.split("-"))
        checks = checks.filter(period_due_on__year=year, period_due_on__month=month)
    return checks.order_by("period_due_on").first()


def submission_clock(submission: Submission):
    """The clock engine's clock of the submission's deadline (or of its phase task), or None."""
    from core.campaigns.models import DeliverableCheck
    from core.deadlines.services import clock_first

    if submission.level == Submission.Level.STREET:
        check = DeliverableCheck.objects.filter(pk=submission.check_id).first()
        return clock_first(subject=check, kind="deliverable") if check else None
    return clock_first(subject=submission, kind="report_submit")


def submission_due_at(submission: Submission) -> dt.datetime | None:
    """The deadline, from the clock engine's clock of the submission (or of its phase task)."""
    clock = submission_clock(submission)
    return clock.due_at if clock else None


@transaction.atomic
def submission_ensure(*, kind: str, period: str, level: str, community_id: int | None = None,
                      now: dt.datetime | None = None, check=None) -> Submission:
    """The submission slot (created with its deadline on first use). Raises ValidationError."""
    from core.campaigns.services import calendar_for
    from core.deadlines.services import clock_start
    from core.org.models import Community

    office = current_street_office()
    if kind not in DELIVERABLE_OF:
        raise ValidationError({"kind": "该报表无需报送 / this report is not submitted"})
    period_bounds(kind, period, office.district)
    if level == Submission.Level.STREET:
        community_id = None
    elif not Community.objects.filter(pk=community_id).exists():
        raise ValidationError({"community_id": "社区不存在 / no such community"})
    existing = Submission.objects.filter(kind=kind, period=period, level=level, community_id=community_id).first()
    if existing:
        return existing
    check = check or _street_check(office, kind, period)
    if check is None:
        raise ValidationError({"period": "工作方案中没有这一期的报送任务 / the campaign has no such task"})
    community = Community.objects.filter(pk=community_id).first()
    submission = Submission.objects.create(
        kind=kind, period=period, level=level, community_id=community_id,
        community_name=community.name if community else "", check_id=check.pk if not community else None,
    )
    if community:
        # the street's phase-task date, N working days earlier (re-timed with the calendar)
        by_date = ByDate(check.period_due_on, COMMUNITY_LEAD_WORKING_DAYS)
        calendar = calendar_for(office.district)
        due_at = by_date.due_at(calendar)
        now = now or timezone.now()
        from tenants.models import Membership

        director = (
            Membership.objects.filter(street_office=office, community_id=community.pk, is_active=True,
                                      role=COMMUNITY_DIRECTOR).order_by("id").values_list("user_id", flat=True).first()
        )
        clock_start(
            subject=submission, kind="report_submit", by_date=by_date, calendar=calendar,
            started_at=min(now, due_at - dt.timedelta(days=1)),
            now=now, community_id=community.pk, responsible_user_id=director, title=f"{community.name}报送{_kind_title(kind)}（{period}）",
            rule=f"街道报区截止前 {COMMUNITY_LEAD_WORKING_DAYS} 个工作日",
        )
    return submission


def submission_slots_ensure(*, now: dt.datetime | None = None) -> int:
    """The scheduled step (task ``reports.submission_slots``, hourly; idempotent) that gives the current
    street office its submission slots: for every phase task of the active campaign that is handed up
    (``DELIVERABLE_OF``) whose report period has begun by ``now``, the street's slot and one per
    community, each community slot with its ``report_submit`` clock. Pages and list reads never
    create slots. Returns how many slots were created."""
    from core.campaigns.models import DeliverableCheck
    from core.campaigns.services import deliverable_checks_ensure
    from core.org.models import Community

    now = now or timezone.now()
    office = current_street_office()
    deliverable_checks_ensure(office=office, now=now)
    today = timezone.localtime(now).date()
    kind_of = {key: kind for kind, key in DELIVERABLE_OF.items()}
    communities = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    checks = DeliverableCheck.objects.filter(
        street_office=office, deliverable__key__in=kind_of, deliverable__phase__campaign__is_active=True
    ).select_related("deliverable")
    created = 0
    for check in checks.order_by("period_due_on", "pk"):
        kind = kind_of[check.deliverable.key]
        period = f"{check.period_due_on:%Y-%m}" if kind == "monthly_progress" else "inspection"
        if period_bounds(kind, period, office.district)[0] > today:
            continue  # the period has not begun: its slots come with a later run
        have = set(
            Submission.objects.filter(kind=kind, period=period).values_list("level", "community_id")
        )
        wanted = [(Submission.Level.STREET, None)] + [(Submission.Level.COMMUNITY, c) for c in communities]
        for level, community_id in wanted:
            if (level, community_id) not in have:
                submission_ensure(
                    kind=kind, period=period, level=level, community_id=community_id, now=now, check=check
                )
                created += 1
    return created


def _kind_title(kind: str) -> str:
    from reports.kinds import KINDS

    return KINDS[kind].title


def _may_act(member: Member, submission: Submission, role: str) -> bool:
    if submission.level == Submission.Level.COMMUNITY:
        if role == "submitter":
            return member.street_office is not None and (
                member.scope == "street" or member.community_id == submission.community_id
            )
        return member.street_office is not None and member.scope == "street"
    if role == "submitter":
        return member.street_office is not None and member.scope == "street"
    office = current_street_office()
    return member.is_district and member.district is not None and member.district.pk == office.district_id


def steps_for(member: Member, submission: Submission) -> list[str]:
    """The steps this member may take on this submission now (pages and API show only these)."""
    return [step.name for step in WORKFLOW.available(submission, member) if _may_act(member, submission, WHO[step.name])]


@transaction.atomic
def submission_step(*, actor: Member, submission_id: int, step: str, note: str = "", run_id: int | None = None,
                    now: dt.datetime | None = None) -> Submission:
    """Take one step (``TRANSITIONS``) on the workflow kit: the row is locked and the step re-checked.

    Raises PermissionDenied (role, or not this level's turn), ValidationError (a step the status never
    allows, a missing reason, no PDF to submit) or StepConflict (HTTP 409: someone else acted first).
    """
    from core.deadlines.services import clock_meet

    if step not in TRANSITIONS:
        raise ValidationError({"step": "未知的操作 / unknown step"})
    now = now or timezone.now()
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        raise Submission.DoesNotExist
    definition = TRANSITIONS[step]
    if not actor.can(definition.action) or not _may_act(actor, submission, WHO[step]):
        raise PermissionDenied("当前角色无权执行此操作 / your role may not do this")
    WORKFLOW.begin(submission, step)
    note = note.strip()
    if step in NEEDS_REASON and not note:
        raise ValidationError({"note": "请填写理由 / a reason is required"})
    before = submission.status
    name = actor.user.display_name()
    if step == "submit":
        run = _submittable_run(submission, run_id)
        submission.run = run
        submission.submitted_at, submission.submitted_by_name = now, name
        due_at = submission_due_at(submission)
        if submission.on_time is None:  # the first submission decides timeliness
            submission.on_time = due_at is None or now <= due_at
        if submission.level == Submission.Level.STREET:
            _street_task_done(submission, run, actor, now)
        else:
            clock_meet(subject=submission, kind="report_submit", at=now, actor=actor)
    elif step in ("return", "accept", "approve_unlock", "refuse_unlock"):
        submission.decided_at, submission.decided_by_name = now, name
        if step == "return":
            submission.return_reason = note
    if step == "request_unlock":
        submission.unlock_reason = note
    submission.status = definition.target
    submission.locked = definition.target in (S.ACCEPTED, S.UNLOCK_REQUESTED)
    submission.save()
    WORKFLOW.event(submission, step, actor=actor, at=now, note=note[:500])
    audit_record(actor=actor, action=f"submission.{step}", obj=submission, before={"status": before},
                 after={"status": definition.target, "note": note, "run": submission.run_id})
    if step == "submit":
        publish("report.submitted", submission,
                {"kind": submission.kind, "period": submission.period, "level": submission.level,
                 "url": f"/reports/submissions/{submission.pk}/"}
                | ({"community_id": submission.community_id} if submission.community_id else {}),
                actor=actor, at=now)
    return submission


def _submittable_run(submission: Submission, run_id: int | None) -> ReportRun:
    first, last = period_bounds(submission.kind, submission.period, current_street_office().district)
    runs = ReportRun.objects.filter(kind=submission.kind, fmt=ReportRun.Format.PDF, status=ReportRun.Status.DONE,
                                    params__first=first.isoformat(), params__last=last.isoformat(),
                                    params__community_id=submission.community_id)
    run = runs.filter(pk=run_id).first() if run_id else runs.order_by("-finished_at", "-id").first()
    if run is None:
        raise ValidationError({"run_id": f"请先生成本期（{first}至{last}）的PDF报表 / generate this period's PDF first"})
    if submission.kind == "monthly_progress":
        from reports.models import MonthlyNarrative

        narrative = MonthlyNarrative.objects.filter(period=submission.period, community_id=submission.community_id).first()
        if narrative is None or narrative.signed_off_at is None:
            raise ValidationError({"narrative": "月度报告须先审核签发 / sign the narrative off first"})
        if run.finished_at and run.finished_at < narrative.signed_off_at:
            raise ValidationError({"run_id": "签发后请重新生成报表 / regenerate the report after signing off"})
    return run


def _street_task_done(submission: Submission, run: ReportRun, actor: Member, now: dt.datetime) -> None:
    from core.campaigns.models import DeliverableCheck
    from core.campaigns.services import deliverable_check_done

    check = DeliverableCheck.objects.filter(pk=submission.check_id).first()
    if check is not None and check.done_at is None:
        deliverable_check_done(check=check, evidence=f"报送《{run.title}》，SHA-256 {run.sha256}", actor=actor,
                               done_at=now)


def ensure_unlocked(*, kind: str, period: str, community_id: int | None) -> None:
    """Refuse changes to a report whose submission at that level has been accepted (locked)."""
    level = Submission.Level.COMMUNITY if community_id else Submission.Level.STREET
    if Submission.objects.filter(kind=kind, period=period, level=level, community_id=community_id, locked=True).exists():
        raise ValidationError({"period": "本期报表已审核通过并锁定，需上级同意解锁后方可修改 / accepted and locked"})

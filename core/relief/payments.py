"""Payments in full and on time (足额按时发放) for people enrolled in dibao / extreme-poverty support.

Each confirmed enrolment case expects one payment a month, from the month after confirmation
(``ReliefCase.payment_start_month``), of its ``monthly_amount`` (yuan, Decimal), due by the district's
``payment_due_day`` of that month. ``payments_expect`` writes the expected rows, ``payment_record``
the actual payment, ``payments_check`` flags what is late; a late or short payment becomes a problem
in the problem ledger (item ``relief_payment``) with its own clock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit.services import audit_record, model_snapshot
from core.common import current_office, ensure_can
from core.deadlines.durations import DAYS, LOCAL_TZ, Duration
from core.events.services import publish
from core.org.scope import member_reaches
from core.relief.models import ENROLMENT_KINDS, CaseStatus, Payment, ReliefCase
from core.relief.services import parse_amount

PROBLEM_FIX_DAYS = 3  # a late or short payment is put right within 3 days (problem clock)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _policy():
    from core.reliefpolicy.services import relief_policy_for

    return relief_policy_for(current_office().district)


def _name(actor) -> str:
    user = getattr(actor, "user", None)
    return user.display_name() if user else "系统"


@transaction.atomic
def payments_expect(*, month: dt.date, actor=None) -> int:
    """Write the expected payment of ``month`` (its first day is used) for every confirmed enrolment
    case whose payments have started; returns how many rows were new (existing rows are kept)."""
    month = _month(month)
    due_day = _policy().payment_due_day
    cases = ReliefCase.objects.filter(
        kind__in=ENROLMENT_KINDS,
        status=CaseStatus.APPROVED,
        monthly_amount__isnull=False,
        payment_start_month__lte=month,
    ).exclude(payments__month=month)
    rows = [
        Payment(
            case=case,
            household_id=case.household_id,
            month=month,
            expected_amount=case.monthly_amount,
            due_on=month.replace(day=due_day),
        )
        for case in cases
    ]
    created = Payment.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(
            actor=actor,
            action="relief.payments_expect",
            object_type="relief.payment",
            after={"month": month, "cases": [r.case_id for r in rows]},
        )
    return len(created)


@transaction.atomic
def payment_record(*, actor, payment: Payment, amount, paid_on, note: str = "", now: dt.datetime | None = None) -> Payment:
    """Record the actual payment of a month (yuan, exact to the fen; the date it reached the person).
    Full and by the due date: 'paid'. Otherwise it is flagged ('short' / 'paid_late') and a problem is
    opened in the problem ledger. A payment is recorded once; a correction is a new note by the
    street (the audit trail keeps both)."""
    ensure_can(actor, "relief.edit")
    now = now or timezone.now()
    payment = Payment.objects.select_for_update().select_related("case", "household").get(pk=payment.pk)
    if hasattr(actor, "scope") and not member_reaches(
        actor, community_id=payment.household.community_id, grid_id=payment.household.grid_id
    ):
        raise PermissionDenied("不在您的管辖范围 / outside your reach")
    if payment.paid_on is not None:
        raise ValidationError({"payment": ["该月发放已登记 / this month's payment is already recorded"]})
    value = parse_amount(amount, "amount", allow_zero=False)
    if isinstance(paid_on, str):
        try:
            paid_on = dt.date.fromisoformat(paid_on)
        except ValueError:
            raise ValidationError({"paid_on": ["日期格式不正确 / invalid date"]}) from None
    if not isinstance(paid_on, dt.date):
        raise ValidationError({"paid_on": ["请填写发放日期 / paid_on is required"]})
    if paid_on > now.astimezone(LOCAL_TZ).date():
        raise ValidationError({"paid_on": ["发放日期不能晚于今天 / paid_on is in the future"]})
    if paid_on < payment.month - dt.timedelta(days=31):
        raise ValidationError({"paid_on": ["发放日期早于所属月份 / paid_on is before the month"]})
    before = model_snapshot(payment)
    payment.paid_amount, payment.paid_on = value, paid_on
    payment.recorded_by_name = _name(actor)
    payment.note = (note or "").strip()[:300]
    late, short = paid_on > payment.due_on, value < payment.expected_amount
    payment.status = (
        Payment.Status.SHORT if short else Payment.Status.PAID_LATE if late else Payment.Status.PAID
    )
    if (late or short) and payment.problem_id is None:
        payment.problem = _problem(payment, now, actor)
    payment.save()
    audit_record(actor=actor, action="relief.payment_record", obj=payment, before=before, after=model_snapshot(payment))
    publish(
        "payment.made",
        payment,
        {"case_id": payment.case_id, "household_id": payment.household_id, "amount": value, "paid_on": paid_on},
        actor=actor,
        at=now,
    )
    return payment


@transaction.atomic
def payments_check(*, now: dt.datetime | None = None, actor=None) -> int:
    """Flag every unpaid payment whose due date has passed as 'late' and open its problem; returns
    how many were flagged now (run daily by the beat, and safe to run again)."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL_TZ).date()
    flagged = 0
    overdue = Payment.objects.select_for_update(of=("self",)).select_related("case", "household").filter(
        status=Payment.Status.DUE, due_on__lt=today
    )
    for payment in overdue:
        before = model_snapshot(payment)
        payment.status = Payment.Status.LATE
        if payment.problem_id is None:
            payment.problem = _problem(payment, now, actor)
        payment.save(update_fields=["status", "problem", "updated_at"])
        audit_record(actor=actor, action="relief.payment_late", obj=payment, before=before, after=model_snapshot(payment))
        flagged += 1
    return flagged


def _problem(payment: Payment, now: dt.datetime, actor):
    from core.inspections.checklist import RELIEF_PAYMENT_ITEM
    from core.inspections.services import ProblemAssignment, problem_raise

    case = payment.case
    if payment.paid_on is None:
        text = f"{payment.month:%Y年%m月}救助金 {payment.expected_amount} 元逾期未发（应于 {payment.due_on} 前发放）"
    else:
        missing = payment.expected_amount - payment.paid_amount
        text = (
            f"{payment.month:%Y年%m月}救助金应发 {payment.expected_amount} 元，实发 {payment.paid_amount} 元"
            + (f"，少发 {missing} 元" if missing > Decimal("0") else "")
            + (f"，{payment.paid_on} 发放（应于 {payment.due_on} 前）" if payment.paid_on > payment.due_on else "")
        )
    return problem_raise(
        household=payment.household,
        item=RELIEF_PAYMENT_ITEM,
        label="救助金未足额按时发放",
        description=f"{case.number} {text}",
        assignment=ProblemAssignment(case.accepted_by_id, case.accepted_by_name or "街道民政办"),
        fix_within=Duration(PROBLEM_FIX_DAYS, DAYS),
        started_at=now,
        actor=actor,
    )

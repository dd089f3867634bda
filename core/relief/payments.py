"""Payments in full and on time (足额按时发放) for people enrolled in dibao / extreme-poverty support.

Each confirmed enrolment case expects one payment a month, from the month after confirmation
(``ReliefCase.payment_start_month``), of its ``monthly_amount`` (yuan, Decimal), due by the district's
``payment_due_day`` of that month. ``payments_expect`` writes the expected rows, ``payment_record``
the actual payment, ``payments_check`` flags what is late; a late or short payment becomes a problem
in the problem ledger (item ``relief_payment``) with its own clock.

What was paid is a ledger of lines (``PaymentEntry``), never edited: ``payment_record`` adds a
payment line, ``payment_correct`` a reversal (冲正) of the line in force plus, usually, the right
payment line. The payment's ``paid_amount`` / ``paid_on`` / ``status`` are recomputed from its lines
(``_settle``), so ledgers and monthly totals (by payment day) stay right.
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
from core.relief.models import ENROLMENT_KINDS, CaseStatus, Payment, PaymentEntry, ReliefCase
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


def _locked_in_reach(actor, payment: Payment) -> Payment:
    payment = Payment.objects.select_for_update().select_related("case", "household").get(pk=payment.pk)
    if hasattr(actor, "scope") and not member_reaches(
        actor, community_id=payment.household.community_id, grid_id=payment.household.grid_id
    ):
        raise PermissionDenied("不在您的管辖范围 / outside your reach")
    return payment


def _clean_paid(payment: Payment, amount, paid_on, now: dt.datetime) -> tuple[Decimal, dt.date]:
    """(amount in yuan, payment day) checked: exact to the fen, > 0, a date not in the future and not
    before the month. Raises ValidationError."""
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
    return value, paid_on


def _line(payment: Payment, actor, now: dt.datetime, **fields) -> PaymentEntry:
    return PaymentEntry.objects.create(
        payment=payment,
        recorded_by_id=getattr(getattr(actor, "user", None), "pk", None),
        recorded_by_name=_name(actor),
        recorded_at=now,
        **fields,
    )


def payment_line_in_force(payment: Payment) -> PaymentEntry | None:
    """The payment line of ``payment`` that no reversal cancels (at most one), or None."""
    return (
        payment.entries.filter(kind=PaymentEntry.Kind.PAYMENT, reversed_by__isnull=True).order_by("-id").first()
    )


def _settle(payment: Payment, now: dt.datetime, actor) -> None:
    """Recompute paid amount, payment day and status from the ledger lines; a late or short result
    opens the payment's problem (once)."""
    from django.db.models import Sum

    line = payment_line_in_force(payment)
    payment.paid_amount = payment.entries.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    payment.paid_on = line.paid_on if line else None
    payment.recorded_by_name = line.recorded_by_name if line else ""
    payment.note = line.note if line else payment.note
    if line is None:
        today = now.astimezone(LOCAL_TZ).date()
        payment.status = Payment.Status.LATE if payment.due_on < today else Payment.Status.DUE
        late = short = payment.status == Payment.Status.LATE
    else:
        late, short = line.paid_on > payment.due_on, payment.paid_amount < payment.expected_amount
        payment.status = (
            Payment.Status.SHORT if short else Payment.Status.PAID_LATE if late else Payment.Status.PAID
        )
    if (late or short) and payment.problem_id is None:
        payment.problem = _problem(payment, now, actor)
    payment.save()


@transaction.atomic
def payment_record(*, actor, payment: Payment, amount, paid_on, note: str = "", now: dt.datetime | None = None) -> Payment:
    """Record the actual payment of a month (yuan, exact to the fen; the date it reached the person)
    as a payment line of its ledger. Full and by the due date: 'paid'. Otherwise it is flagged
    ('short' / 'paid_late') and a problem is opened in the problem ledger. A month is recorded once;
    a wrong record is corrected with ``payment_correct`` (冲正), never edited."""
    ensure_can(actor, "relief.edit")
    now = now or timezone.now()
    payment = _locked_in_reach(actor, payment)
    if payment_line_in_force(payment) is not None:
        raise ValidationError(
            {"payment": ["该月发放已登记；如登记有误请冲正 / this month's payment is already recorded: correct it"]}
        )
    value, paid_on = _clean_paid(payment, amount, paid_on, now)
    before = model_snapshot(payment)
    _line(payment, actor, now, kind=PaymentEntry.Kind.PAYMENT, amount=value, paid_on=paid_on,
          note=(note or "").strip()[:300])
    _settle(payment, now, actor)
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
def payment_correct(
    *,
    actor,
    payment: Payment,
    reason: str,
    amount=None,
    paid_on=None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Payment:
    """Correct a wrongly recorded payment (冲正): a reversal line cancels the line in force (same day,
    negative amount) and, when ``amount`` and ``paid_on`` are given, a new payment line records what
    was really paid; with neither, the month is back to unpaid (recorded by mistake). Both lines and
    the recomputed payment are audited (``relief.payment_correct``, with ``reason``).

    Raises PermissionDenied (no ``relief.edit``; outside reach) and ValidationError (no reason;
    nothing recorded to correct; a new line equal to the old one; only one of amount and date;
    the same checks as ``payment_record``). Amounts are yuan (Decimal, exact to the fen).
    """
    ensure_can(actor, "relief.edit")
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写冲正原因 / a reason is required"]})
    payment = _locked_in_reach(actor, payment)
    line = payment_line_in_force(payment)
    if line is None:
        raise ValidationError({"payment": ["该月尚未登记发放，无需冲正 / nothing recorded to correct"]})
    given = (amount not in (None, ""), paid_on not in (None, ""))
    if given[0] != given[1]:
        field = "paid_on" if given[0] else "amount"
        raise ValidationError({field: ["更正发放须同时填写金额和日期 / give both amount and paid_on"]})
    new = _clean_paid(payment, amount, paid_on, now) if all(given) else None
    if new is not None and new == (line.amount, line.paid_on):
        raise ValidationError({"amount": ["更正后的金额和日期与原记录相同 / the correction changes nothing"]})
    before = model_snapshot(payment)
    reversal = _line(payment, actor, now, kind=PaymentEntry.Kind.REVERSAL, amount=-line.amount,
                     paid_on=line.paid_on, reverses=line, note=f"冲正：{reason}"[:300])
    replacement = None
    if new is not None:
        replacement = _line(payment, actor, now, kind=PaymentEntry.Kind.PAYMENT, amount=new[0], paid_on=new[1],
                            note=(note or "").strip()[:300] or f"更正：{reason}"[:300])
    _settle(payment, now, actor)
    audit_record(
        actor=actor,
        action="relief.payment_correct",
        obj=payment,
        before=before,
        after=model_snapshot(payment)
        | {"reversed": line.pk, "reversal": reversal.pk, "replacement": replacement.pk if replacement else None},
        reason=reason,
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

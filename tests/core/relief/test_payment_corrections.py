"""A payment recorded wrongly is corrected by a reversal (冲正) plus a new line, never an edit:
audited, the ledger keeps every line, and the payment's status and the monthly totals follow the
corrected record (issue 13, payments in full and on time)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.audit.models import AuditEvent
from core.audit.services import model_snapshot
from core.relief.models import CaseStatus as S
from core.relief.models import Payment, PaymentEntry
from core.relief.payments import payment_correct, payment_record, payments_expect
from reports.kinds import Period
from reports.monthly import _relief_figures

NOW = dt.datetime(2027, 1, 25, 2, tzinfo=dt.UTC)  # Monday 2027-01-25, Beijing morning


@pytest.fixture
def payment(org_a, bring):
    case = bring("dibao", S.APPROVED)  # 812.50 a month from January, due by the 10th
    payments_expect(month=dt.date(2027, 1, 1))
    return Payment.objects.get(case=case)


def _lines(payment) -> list[tuple]:
    return [(e.kind, e.amount, e.paid_on, e.reverses_id) for e in PaymentEntry.objects.filter(payment=payment)]


def _paid_figure(member, first, last) -> str:
    figures = _relief_figures(member=member, period=Period(first, last), community_id=None, now=NOW)
    return next(f.value for f in figures if f.label == "本期发放保障金")


def test_a_wrong_amount_and_day_are_reversed_and_recorded_again_and_the_months_follow(org_a, payment):
    worker, staff = org_a.members["community_worker"], org_a.members["street_staff"]
    payment_record(actor=worker, payment=payment, amount="912.50", paid_on="2027-01-20", now=NOW)  # typed wrong
    payment.refresh_from_db()
    assert (payment.status, payment.paid_amount) == ("paid_late", Decimal("912.50"))
    wrong = PaymentEntry.objects.get(payment=payment)
    wrong_before = model_snapshot(wrong)
    january, february = (dt.date(2026, 12, 21), dt.date(2027, 1, 20)), (dt.date(2027, 1, 21), dt.date(2027, 2, 20))
    assert _paid_figure(staff, *january) == "1 笔，912.50 元"

    payment_correct(actor=staff, payment=payment, reason="金额和日期录错，以银行回单为准", amount="812.50",
                    paid_on="2027-01-21", now=NOW)

    payment.refresh_from_db()
    assert _lines(payment) == [
        ("payment", Decimal("912.50"), dt.date(2027, 1, 20), None),
        ("reversal", Decimal("-912.50"), dt.date(2027, 1, 20), wrong.pk),  # on the reversed line's day
        ("payment", Decimal("812.50"), dt.date(2027, 1, 21), None),
    ]
    wrong.refresh_from_db()
    assert model_snapshot(wrong) == wrong_before  # never edited
    assert (payment.paid_amount, payment.paid_on, payment.status) == (Decimal("812.50"), dt.date(2027, 1, 21), "paid_late")
    event = AuditEvent.objects.get(action="relief.payment_correct", object_id=str(payment.pk))
    assert event.reason == "金额和日期录错，以银行回单为准"
    assert event.before["paid_amount"] == "912.50" and event.after["paid_amount"] == "812.50"
    # the month the money did not leave shows nothing; the month it did shows the right amount
    assert _paid_figure(staff, *january) == "0 笔，0.00 元"
    assert _paid_figure(staff, *february) == "1 笔，812.50 元"


def test_a_correction_that_shows_a_short_payment_opens_its_problem(org_a, payment):
    worker = org_a.members["community_worker"]
    payment_record(actor=worker, payment=payment, amount="812.50", paid_on="2027-01-08", now=NOW)
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.problem_id is None

    payment_correct(actor=worker, payment=payment, reason="实际少发一角", amount="812.40", paid_on="2027-01-08", now=NOW)

    payment.refresh_from_db()
    assert payment.status == "short" and payment.paid_amount == Decimal("812.40")
    assert "少发 0.10 元" in payment.problem.description


def test_reversing_alone_puts_the_month_back_to_unpaid_and_it_can_be_recorded_again(org_a, payment):
    worker = org_a.members["community_worker"]
    payment_record(actor=worker, payment=payment, amount="812.50", paid_on="2027-01-08", now=NOW)

    payment_correct(actor=worker, payment=payment, reason="登记错了户，该户本月尚未发放", now=NOW)

    payment.refresh_from_db()
    assert (payment.paid_amount, payment.paid_on, payment.status) == (Decimal("0"), None, "late")  # past the 10th
    assert payment.problem is not None and "逾期未发" in payment.problem.description
    payment_record(actor=worker, payment=payment, amount="812.50", paid_on="2027-01-25", now=NOW)
    payment.refresh_from_db()
    assert (payment.paid_amount, payment.status) == (Decimal("812.50"), "paid_late")
    assert [k for k, *_ in _lines(payment)] == ["payment", "reversal", "payment"]


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"reason": " ", "amount": "800", "paid_on": "2027-01-08"}, "冲正原因"),
        ({"reason": "改", "amount": "812.50", "paid_on": "2027-01-08"}, "与原记录相同"),
        ({"reason": "改", "amount": "800"}, "同时填写金额和日期"),
        ({"reason": "改", "paid_on": "2027-01-09"}, "同时填写金额和日期"),
        ({"reason": "改", "amount": "-5", "paid_on": "2027-01-09"}, "金额"),
        ({"reason": "改", "amount": "800", "paid_on": "2027-02-09"}, "不能晚于今天"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_changes(org_a, payment, changes, match):
    worker = org_a.members["community_worker"]
    payment_record(actor=worker, payment=payment, amount="812.50", paid_on="2027-01-08", now=NOW)
    payment.refresh_from_db()
    before = (model_snapshot(payment), _lines(payment))

    with pytest.raises(ValidationError, match=match):
        payment_correct(actor=worker, payment=payment, now=NOW, **changes)

    payment.refresh_from_db()
    assert (model_snapshot(payment), _lines(payment)) == before
    assert not AuditEvent.objects.filter(action="relief.payment_correct").exists()


def test_nothing_to_correct_roles_and_lines_that_cannot_be_edited(org_a, payment):
    with pytest.raises(ValidationError, match="尚未登记发放"):
        payment_correct(actor=org_a.members["street_staff"], payment=payment, reason="误点", now=NOW)
    payment_record(actor=org_a.members["community_worker"], payment=payment, amount="812.50", paid_on="2027-01-08",
                   now=NOW)
    with pytest.raises(PermissionDenied):
        payment_correct(actor=org_a.members["volunteer"], payment=payment, reason="改", amount="1", paid_on="2027-01-08")
    line = PaymentEntry.objects.get(payment=payment)
    line.amount = Decimal("1")
    with pytest.raises(ValueError, match="never edited"):
        line.save()
    with pytest.raises(ValueError, match="never deleted"):
        line.delete()
    assert PaymentEntry.objects.get(pk=line.pk).amount == Decimal("812.50")


def test_correction_on_the_web_and_in_the_api(org_a, payment, users, web_client, api_client):
    """Pages and the API run at the real time: this month's payment (built around today, never a
    fixed date) is recorded today and corrected."""
    from django.utils import timezone

    today = timezone.localdate()
    Payment.objects.filter(pk=payment.pk).update(month=today.replace(day=1), due_on=today)
    payment.refresh_from_db()
    worker = org_a.members["community_worker"]
    payment_record(actor=worker, payment=payment, amount="812.50", paid_on=today)
    day = today.isoformat()

    api = api_client(org_a.office, users["street_staff"])
    refused = api.post(f"/api/v1/payments/{payment.pk}/correct/", {"amount": "800", "paid_on": day}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["details"]
    answer = api.post(f"/api/v1/payments/{payment.pk}/correct/",
                      {"reason": "回单为800元", "amount": "800.00", "paid_on": day}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["paid_amount"] == "800.00" and body["status"] == "short"
    assert [(e["kind"], e["amount"]) for e in body["entries"]] == [
        ("payment", "812.50"), ("reversal", "-812.50"), ("payment", "800.00")
    ]

    page = web_client(org_a.office, users["street_staff"])
    listed = page.get("/relief/payments/").content.decode()
    assert "冲正（登记有误）" in listed and "回单为800元" in listed
    response = page.post("/relief/payments/", {"payment": payment.pk, "action": "correct", "reason": "当面核实为812.50元",
                                               "amount": "812.50", "paid_on": day})
    assert response.status_code == 302 and response["Location"].endswith(f"#payment-{payment.pk}")
    payment.refresh_from_db()
    assert payment.paid_amount == Decimal("812.50") and len(_lines(payment)) == 5
    volunteer = web_client(org_a.office, users["volunteer"])
    assert volunteer.post("/relief/payments/", {"payment": payment.pk, "action": "correct", "reason": "x"}).status_code in (
        403, 404)

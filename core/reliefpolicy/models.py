"""The district's relief rules (public schema): procedure time limits and the street's decision limit.

Defaults follow 民政部《最低生活保障审核确认办法》(民发〔2021〕57号) and common local practice; the
district changes them because local rules differ. Street offices read them through
``core.reliefpolicy.services.relief_policy_for``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from tenants.models import District


class ReliefPolicy(models.Model):
    district = models.OneToOneField(District, on_delete=models.CASCADE, related_name="relief_policy")
    # 低保/特困审核确认 (working days unless said otherwise)
    whole_working_days = models.PositiveSmallIntegerField("审核确认总时限（工作日）", default=25)
    extended_working_days = models.PositiveSmallIntegerField("特殊情况延长至（工作日）", default=40)
    notice_min_days = models.PositiveSmallIntegerField("公示期不少于（天）", default=7)
    confirm_working_days = models.PositiveSmallIntegerField("公示结束后确认时限（工作日）", default=10)
    refusal_notice_working_days = models.PositiveSmallIntegerField("不予确认书面告知时限（工作日）", default=3)
    # 临时救助
    temporary_decide_working_days = models.PositiveSmallIntegerField("临时救助（一般）审批时限（工作日）", default=10)
    emergency_help_hours = models.PositiveSmallIntegerField("急难型先行救助时限（小时）", default=24)
    emergency_paperwork_working_days = models.PositiveSmallIntegerField("急难型补办手续时限（工作日）", default=5)
    street_decision_limit = models.DecimalField(
        "街道审批额度上限（元）",
        max_digits=10,
        decimal_places=2,
        default=Decimal("3000.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    # 足额按时发放: the day of the month by which the month's payment is due
    payment_due_day = models.PositiveSmallIntegerField("每月发放截止日", default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="relief_policy_extension_longer",
                condition=Q(extended_working_days__gte=models.F("whole_working_days")),
            ),
            models.CheckConstraint(name="relief_policy_limit_nonneg", condition=Q(street_decision_limit__gte=0)),
            models.CheckConstraint(
                name="relief_policy_due_day", condition=Q(payment_due_day__gte=1, payment_due_day__lte=28)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} 救助规则"

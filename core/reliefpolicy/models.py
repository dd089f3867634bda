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
    # Ceilings of one decision (元): 社会救助暂行办法 第十一条 (低保 by the local standard), 第四十八、
    # 四十九条 (临时救助 by the local standard for the kind of hardship); the district sets them.
    enrolment_monthly_ceiling = models.DecimalField(
        "低保/特困月保障金上限（元）", max_digits=10, decimal_places=2, default=Decimal("3000.00")
    )
    temporary_ceiling = models.DecimalField(
        "临时救助单次上限（元）", max_digits=10, decimal_places=2, default=Decimal("20000.00")
    )
    heating_subsidy_ceiling = models.DecimalField(
        "取暖补贴单次上限（元）", max_digits=10, decimal_places=2, default=Decimal("5000.00")
    )
    material_aid_ceiling = models.DecimalField(
        "实物救助折价单次上限（元）", max_digits=10, decimal_places=2, default=Decimal("10000.00")
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

    CEILING_FIELDS = {
        "dibao": "enrolment_monthly_ceiling",
        "extreme_poverty": "enrolment_monthly_ceiling",
        "temporary": "temporary_ceiling",
        "heating_subsidy": "heating_subsidy_ceiling",
        "material_aid": "material_aid_ceiling",
    }

    def ceiling_for(self, kind: str) -> Decimal | None:
        """The most one decision of ``kind`` may grant (yuan; the monthly amount for 低保/特困), or
        None for a kind without money (转介救助管理站)."""
        name = self.CEILING_FIELDS.get(kind)
        return getattr(self, name) if name else None

"""Relief (救助) of a street office: cases with their procedure, payments, patrols, holiday visits and
the material ledger (御寒物资台账). Amounts are yuan as Decimal(12, 2); times are aware UTC.

Writes go through ``core.relief.services`` (cases, payments) and ``core.relief.ledger`` (stock),
``core.relief.patrols`` and ``core.relief.holidays``; reads through ``core.relief.selectors``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.db import models
from django.db.models import Q

from core.org.models import Community, Grid
from core.workflow.models import StepEvent


def _generated_name(folder: str, filename: str) -> str:
    # The stored name is generated: the uploader's file name never reaches the file system.
    suffix = Path(filename or "").suffix.lower()
    suffix = suffix if suffix in (".jpg", ".jpeg", ".png", ".webp") else ".bin"
    return f"relief/{folder}/{uuid.uuid4().hex}{suffix}"


def upload_case_document(_instance, filename: str) -> str:
    return _generated_name("cases", filename)


def upload_confirmation(_instance, filename: str) -> str:
    return _generated_name("confirmations", filename)


class CaseKind(models.TextChoices):
    DIBAO = "dibao", "城乡低保"
    EXTREME_POVERTY = "extreme_poverty", "特困供养"
    TEMPORARY = "temporary", "临时救助"
    HEATING_SUBSIDY = "heating_subsidy", "取暖补贴"
    MATERIAL_AID = "material_aid", "实物救助"
    STATION_REFERRAL = "station_referral", "转介救助管理站"


ENROLMENT_KINDS = (CaseKind.DIBAO, CaseKind.EXTREME_POVERTY)


class CasePath(models.TextChoices):
    ORDINARY = "ordinary", "一般程序"
    EMERGENCY = "emergency", "急难型（先行救助）"


class CaseStatus(models.TextChoices):
    ACCEPTED = "accepted", "已受理"
    HELPED = "helped", "已先行救助"
    INVESTIGATED = "investigated", "已调查核实"
    REVIEWED = "reviewed", "街道已审核"
    NOTICE = "notice", "公示中"
    OBJECTION = "objection", "异议核查中"
    DISTRICT_REVIEW = "district_review", "报区审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"
    DELIVERED = "delivered", "已发放"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"


class ReliefCase(models.Model):
    number = models.CharField("编号", max_length=24, unique=True, null=True, blank=True)
    kind = models.CharField("救助类型", max_length=20, choices=CaseKind.choices)
    path = models.CharField("程序", max_length=12, choices=CasePath.choices, default=CasePath.ORDINARY)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="relief_cases", verbose_name="户"
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relief_cases",
        verbose_name="救助对象",
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="relief_cases")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="relief_cases")
    status = models.CharField("状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACCEPTED)
    reason = models.TextField("申请事由")
    amount_requested = models.DecimalField("申请金额（元）", max_digits=12, decimal_places=2, default=0)
    amount_approved = models.DecimalField(
        "批准金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    # enrolment: the monthly amount once confirmed (payments start the month after confirmation)
    monthly_amount = models.DecimalField("月保障金（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    payment_start_month = models.DateField("发放起始月", null=True, blank=True)
    applied_by_community = models.BooleanField("社区代为申请", default=False)
    staff_relative = models.BooleanField("工作人员或村（居）干部近亲属", default=False)
    staff_relative_note = models.CharField("近亲属关系说明", max_length=200, blank=True, default="")
    # who registered the application: may not approve it
    accepted_at = models.DateTimeField("受理时间")
    accepted_by_id = models.BigIntegerField(null=True, blank=True)
    accepted_by_name = models.CharField(max_length=150, blank=True, default="")
    helped_at = models.DateTimeField("先行救助时间", null=True, blank=True)
    help_amount = models.DecimalField("先行救助金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    help_note = models.TextField(blank=True, default="")
    investigated_at = models.DateTimeField(null=True, blank=True)
    investigation_note = models.TextField("调查结论", blank=True, default="")
    review_opinion = models.TextField("街道审核意见", blank=True, default="")
    reviewed_by_id = models.BigIntegerField(null=True, blank=True)
    notice_round = models.PositiveSmallIntegerField("公示次数", default=0)
    notice_starts_on = models.DateField("公示开始", null=True, blank=True)
    notice_ends_on = models.DateField("公示结束", null=True, blank=True)
    objection_note = models.TextField("异议及核查情况", blank=True, default="")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_name = models.CharField(max_length=150, blank=True, default="")
    decision_level = models.CharField(
        "审批层级", max_length=10, blank=True, default="", choices=[("street", "街道"), ("district", "区民政局")]
    )
    decision_note = models.TextField("审批意见", blank=True, default="")
    refusal_reason = models.TextField("不予批准理由", blank=True, default="")
    refusal_notified_at = models.DateTimeField("书面告知时间", null=True, blank=True)
    extended = models.BooleanField("已延长时限", default=False)
    extension_reason = models.CharField("延长理由", max_length=300, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_note = models.TextField(blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    needs = models.ManyToManyField("inspections.Need", blank=True, related_name="relief_cases")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-accepted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "kind"], name="relief_case_status_idx"),
            models.Index(fields=["community", "grid", "status"], name="relief_case_place_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="relief_case_requested_nonneg", condition=Q(amount_requested__gte=0)),
            models.CheckConstraint(
                name="relief_case_approved_nonneg",
                condition=Q(amount_approved__isnull=True) | Q(amount_approved__gte=0),
            ),
            models.CheckConstraint(
                name="relief_case_monthly_pos", condition=Q(monthly_amount__isnull=True) | Q(monthly_amount__gt=0)
            ),
            models.CheckConstraint(
                name="relief_case_emergency_temporary",
                condition=Q(path="ordinary") | Q(kind="temporary"),
            ),
        ]

    def __str__(self) -> str:
        who = self.person.name if self.person_id and self.person else str(self.household)
        return f"{self.number or self.pk} {who} {self.get_kind_display()}"

    @property
    def is_enrolment(self) -> bool:
        return self.kind in ENROLMENT_KINDS


class CaseEvent(StepEvent):
    case = models.ForeignKey(ReliefCase, on_delete=models.CASCADE, related_name="events")

    STEP_LABELS = {
        "accepted": "受理",
        "helped": "先行救助",
        "investigated": "调查核实",
        "reviewed": "街道审核",
        "notice": "公示",
        "objection": "异议",
        "district_review": "报区审批",
        "approved": "批准",
        "refused": "不予批准",
        "refusal_notified": "书面告知",
        "delivered": "发放",
        "closed": "办结",
        "withdrawn": "撤回",
        "extended": "延长时限",
        "evidence": "调查取证",
        "need_linked": "关联需求",
    }


class EvidenceKind(models.TextChoices):
    HOME_INVESTIGATION = "home", "入户调查"
    NEIGHBOUR_VISIT = "neighbour", "邻里走访"
    INFORMATION_CHECK = "info_check", "信息核对"
    DEMOCRATIC_APPRAISAL = "appraisal", "民主评议"
    APPLICATION = "application", "申请材料"
    OTHER = "other", "其他"


class CaseEvidence(models.Model):
    """A piece of the household economic investigation (or an application document), with an
    optional picture (stored under a generated name after its bytes decoded as an image)."""

    case = models.ForeignKey(ReliefCase, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField("取证方式", max_length=16, choices=EvidenceKind.choices)
    note = models.TextField("情况记录")
    image = models.FileField(upload_to=upload_case_document, blank=True, default="")
    at = models.DateTimeField()
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_by_name = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


# --- payments (足额按时) -------------------------------------------------------------------------
class Payment(models.Model):
    class Status(models.TextChoices):
        DUE = "due", "待发放"
        PAID = "paid", "已足额发放"
        LATE = "late", "逾期未发"
        SHORT = "short", "未足额"
        PAID_LATE = "paid_late", "逾期发放"

    case = models.ForeignKey(ReliefCase, on_delete=models.PROTECT, related_name="payments")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="relief_payments")
    month = models.DateField("月份")  # first day of the month
    expected_amount = models.DecimalField("应发金额（元）", max_digits=12, decimal_places=2)
    due_on = models.DateField("应发日期")
    paid_amount = models.DecimalField("实发金额（元）", max_digits=12, decimal_places=2, default=0)
    paid_on = models.DateField("发放日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DUE)
    problem = models.ForeignKey(
        "inspections.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="relief_payments"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True, default="")
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "month"], name="payment_one_per_case_month"),
            models.CheckConstraint(name="payment_expected_pos", condition=Q(expected_amount__gt=0)),
            models.CheckConstraint(name="payment_paid_nonneg", condition=Q(paid_amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.month:%Y-%m}"


# --- material ledger (御寒物资) -------------------------------------------------------------------
class MaterialItem(models.Model):
    name = models.CharField("物资名称", max_length=60, unique=True)
    unit = models.CharField("单位", max_length=10, default="件")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PaymentEntry(models.Model):
    """One line of a month's payment ledger (发放台账): a payment (amount > 0, the day it reached the
    person) or a reversal (冲正: the negative of the line it reverses, on that line's day, so a
    month's total by payment day stays true). Lines are never edited or deleted; a wrong payment is
    corrected by a reversal plus a new payment line. ``Payment.paid_amount`` / ``paid_on`` are the
    sum of a payment's lines and the day of its payment line still in force."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "发放"
        REVERSAL = "reversal", "冲正"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    paid_on = models.DateField("发放日期")
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    note = models.CharField("备注/冲正原因", max_length=300, blank=True, default="")
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_by_name = models.CharField(max_length=150, blank=True, default="")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="payentry_sign",
                condition=(Q(kind="payment") & Q(amount__gt=0) & Q(reverses__isnull=True))
                | (Q(kind="reversal") & Q(amount__lt=0) & Q(reverses__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.paid_on}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("payment ledger lines are never edited: add a reversal (冲正)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("payment ledger lines are never deleted: add a reversal (冲正)")


class MovementKind(models.TextChoices):
    IN = "in", "入库"
    OUT = "out", "发放"
    REVERSAL = "reversal", "冲正"


class StockSource(models.TextChoices):
    ALLOCATION = "allocation", "上级调拨"
    PURCHASE = "purchase", "采购"
    DONATION = "donation", "社会捐赠"
    OTHER = "other", "其他"


class StockMovement(models.Model):
    """One line of the ledger. ``delta`` is signed (in > 0, out < 0; a reversal the opposite of the
    line it reverses). Lines are never edited or deleted: a mistake is corrected by a reversal."""

    item = models.ForeignKey(MaterialItem, on_delete=models.PROTECT, related_name="movements")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="stock_movements")
    kind = models.CharField("类型", max_length=10, choices=MovementKind.choices)
    delta = models.IntegerField("数量变动")
    occurred_on = models.DateField("日期")
    source = models.CharField("来源", max_length=12, choices=StockSource.choices, blank=True, default="")
    donor = models.CharField("捐赠方", max_length=100, blank=True, default="")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="stock_outs"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="stock_outs"
    )
    recipient_name = models.CharField("领取人", max_length=50, blank=True, default="")
    confirmation = models.FileField("领取确认（签名或照片）", upload_to=upload_confirmation, blank=True, default="")
    handed_by_id = models.BigIntegerField(null=True, blank=True)
    handed_by_name = models.CharField("发放人", max_length=150, blank=True, default="")
    case = models.ForeignKey(
        ReliefCase, on_delete=models.PROTECT, null=True, blank=True, related_name="stock_outs"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    note = models.CharField("备注", max_length=300, blank=True, default="")
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_by_name = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["item", "community"], name="stock_item_place_idx")]
        constraints = [
            models.CheckConstraint(name="stock_delta_nonzero", condition=~Q(delta=0)),
            models.CheckConstraint(name="stock_in_positive", condition=~Q(kind="in") | Q(delta__gt=0)),
            models.CheckConstraint(
                name="stock_out_has_recipient",
                condition=~Q(kind="out") | (Q(delta__lt=0) & Q(household__isnull=False) & ~Q(recipient_name="")),
            ),
            models.CheckConstraint(
                name="stock_reversal_links", condition=~Q(kind="reversal") | Q(reverses__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item} {self.delta:+d}"

    @property
    def quantity(self) -> int:
        return abs(self.delta)


class StockBalance(models.Model):
    """The running balance of one item in one community: locked (SELECT ... FOR UPDATE) by every
    movement, and never negative (a database constraint backs the service's check)."""

    item = models.ForeignKey(MaterialItem, on_delete=models.PROTECT, related_name="balances")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="stock_balances")
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["community_id", "item__name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "community"], name="stock_balance_unique"),
            models.CheckConstraint(name="stock_never_negative", condition=Q(quantity__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.item} {self.quantity}"


class StockCount(models.Model):
    """A physical count (盘点): what was on the shelf against what the ledger said at that moment."""

    item = models.ForeignKey(MaterialItem, on_delete=models.PROTECT, related_name="counts")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="stock_counts")
    counted_quantity = models.PositiveIntegerField("实盘数量")
    recorded_quantity = models.IntegerField("账面数量")
    counted_at = models.DateTimeField("盘点时间")
    counted_by_name = models.CharField("盘点人", max_length=150)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-counted_at", "-id"]

    def __str__(self) -> str:
        return f"盘点 {self.item} {self.counted_quantity}/{self.recorded_quantity}"

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.recorded_quantity


# --- street patrols (街面巡查) --------------------------------------------------------------------
class PatrolSchedule(models.Model):
    """The street's patrol plan (one row): patrols per week and whether with 综合执法队."""

    per_week = models.PositiveSmallIntegerField("每周巡查次数", default=2)
    with_enforcement = models.BooleanField("联合综合执法队", default=True)
    areas = models.CharField("重点区域", max_length=300, blank=True, default="")
    # the first day patrols are required (weeks before its week are not assessed); set when the
    # schedule is first created, changeable by the street
    starts_on = models.DateField("巡查考核起始日", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(name="patrol_per_week_range", condition=Q(per_week__gte=1, per_week__lte=21))]

    def __str__(self) -> str:
        return f"每周巡查 {self.per_week} 次"


class PatrolWeek(models.Model):
    """One ISO week of the patrol plan: the subject of that week's 'patrol_week' clock."""

    week_start = models.DateField(unique=True)  # a Monday (Beijing time)
    required = models.PositiveSmallIntegerField()
    done = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%Y-%m-%d} 周巡查 {self.done}/{self.required}"


class Patrol(models.Model):
    started_at = models.DateTimeField("巡查时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    area = models.CharField("巡查区域", max_length=200)
    members = models.CharField("巡查人员", max_length=300)
    with_enforcement = models.BooleanField("综合执法队参加", default=False)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, blank=True, related_name="patrols")
    notes = models.TextField("情况记录", blank=True, default="")
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_by_name = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="patrol_end_after_start",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.area}"


class EncounterAction(models.TextChoices):
    TO_STATION = "to_station", "引导至救助管理站"
    TO_HOSPITAL = "to_hospital", "送医"
    REFUSED = "refused", "拒绝救助"
    SENT_HOME = "sent_home", "护送返家"
    OTHER = "other", "其他"


class PatrolEncounter(models.Model):
    """A person met on patrol: a registered person, or an unidentified one (description and place)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="encounters")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField("人员特征", max_length=300)
    place = models.CharField("发现地点", max_length=200)
    action = models.CharField("处置措施", max_length=12, choices=EncounterAction.choices)
    follow_up = models.CharField("后续跟进", max_length=300, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.description} {self.place}"


# --- holiday visits (元旦、春节走访慰问) -----------------------------------------------------------
class HolidayCampaign(models.Model):
    class Holiday(models.TextChoices):
        NEW_YEAR = "new_year", "元旦"
        SPRING_FESTIVAL = "spring_festival", "春节"

    name = models.CharField("活动名称", max_length=100)
    holiday = models.CharField("节日", max_length=16, choices=Holiday.choices)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    categories = models.JSONField("慰问对象类别", default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(name="holiday_dates_order", condition=Q(ends_on__gte=models.F("starts_on")))
        ]

    def __str__(self) -> str:
        return self.name


class HolidayTarget(models.Model):
    campaign = models.ForeignKey(HolidayCampaign, on_delete=models.CASCADE, related_name="targets")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="holiday_targets")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="holiday_targets")
    category = models.CharField("类别", max_length=24)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["community_id", "grid_id", "household_id", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="holiday_target_once")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.person}"

    @property
    def category_label(self) -> str:
        from core.registry.models import CATEGORY_LABELS

        return CATEGORY_LABELS.get(self.category, self.category)


class HolidayVisit(models.Model):
    target = models.ForeignKey(HolidayTarget, on_delete=models.PROTECT, related_name="visits")
    visited_at = models.DateTimeField("慰问时间")
    visitor_id = models.BigIntegerField(null=True, blank=True)
    visitor_name = models.CharField("慰问人", max_length=150)
    gifts = models.CharField("慰问品", max_length=300, blank=True, default="")
    cash_amount = models.DecimalField("慰问金（元）", max_digits=12, decimal_places=2, default=0)
    stock_out = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="holiday_visit"
    )
    recipient_name = models.CharField("签收人", max_length=50)
    confirmation = models.FileField("签收确认（签名或照片）", upload_to=upload_confirmation)
    note = models.CharField("备注", max_length=300, blank=True, default="")
    # A second cash gift to one person recorded before the one-gift rule existed: kept (money was
    # handed out and signed for), flagged for follow-up; the service never sets it (migration 0003).
    cash_repeat = models.BooleanField("重复发放（规则生效前已登记）", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(name="holiday_cash_nonneg", condition=Q(cash_amount__gte=0)),
            # one cash gift per person and campaign (a target is one person in one campaign)
            models.UniqueConstraint(fields=["target"], condition=Q(cash_amount__gt=0, cash_repeat=False),
                                    name="holiday_cash_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.visited_at:%Y-%m-%d}"

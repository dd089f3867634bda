"""Households and persons of a street office (tenant schema).

Resident ID numbers are never stored in clear: ``id_number_encrypted`` (Fernet),
``id_hash`` (HMAC, for look-up and duplicates) and ``id_masked`` (what most roles see).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.org.models import Building, Community, Grid

# The seven target groups of the plan (五(二)1) plus "other".
CATEGORY_CHOICES = [
    ("extreme_poverty", "分散特困供养人员"),
    ("dibao", "城乡低保对象"),
    ("orphan", "散居孤儿"),
    ("unsupported_child", "事实无人抚养儿童"),
    ("left_behind", "农村“三留守”人员"),
    ("vagrant", "流浪乞讨人员"),
    ("sudden_hardship", "突发困难家庭"),
    ("other", "其他"),
]
CATEGORY_LABELS = dict(CATEGORY_CHOICES)


class Household(models.Model):
    number = models.CharField("户编号", max_length=30, blank=True, default="")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="households", verbose_name="社区"
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="households", verbose_name="网格")
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name="楼栋",
    )
    address = models.CharField("住址", max_length=200, blank=True, default="")
    no_fixed_address = models.BooleanField("无固定住所", default=False)
    phone = models.CharField("联系电话", max_length=20, blank=True, default="")
    phone_only = models.BooleanField("仅能电话随访", default=False)
    phone_only_reason = models.CharField("仅电话随访原因", max_length=200, blank=True, default="")
    notes = models.TextField("备注", blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["grid_id", "address", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="household_unique_number"
            ),
            models.CheckConstraint(
                name="household_phone_only_has_reason",
                condition=Q(phone_only=False) | ~Q(phone_only_reason=""),
            ),
        ]
        indexes = [models.Index(fields=["community", "grid"], name="household_place_idx")]

    def __str__(self) -> str:
        """The address; a household without one (a vagrant, 无固定住所) is named by its head — what
        people on the ground know it by — never by an internal id (one query, only for these)."""
        if self.address:
            return self.address
        place = "无固定住所" if self.no_fixed_address else "住址未登记"
        head = None
        if self.pk:
            people = self.persons.filter(is_active=True).order_by("id")
            head = people.filter(relation=Person.Relation.HEAD).first() or people.first()
        if head is not None:
            return f"{head.name}（{place}）"
        return f"{place}（户编号 {self.number}）" if self.number else place


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Relation(models.TextChoices):
        HEAD = "head", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDCHILD = "grandchild", "孙子女"
        SIBLING = "sibling", "兄弟姐妹"
        OTHER = "other", "其他"

    class SupportStatus(models.TextChoices):
        NONE = "none", "未纳入"
        APPLYING = "applying", "申请中"
        ENROLLED = "enrolled", "已纳入"
        STOPPED = "stopped", "已停发"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="persons", verbose_name="户"
    )
    name = models.CharField("姓名", max_length=50)
    id_number_encrypted = models.TextField(blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, default="")
    id_masked = models.CharField("身份证号", max_length=18, blank=True, default="")
    sex = models.CharField("性别", max_length=8, choices=Sex.choices, blank=True, default="")
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True, default="")
    relation = models.CharField("与户主关系", max_length=16, choices=Relation.choices, default=Relation.HEAD)
    categories = models.JSONField("对象类别", default=list, blank=True)
    dibao_status = models.CharField(
        "低保", max_length=16, choices=SupportStatus.choices, default=SupportStatus.NONE
    )
    extreme_poverty_status = models.CharField(
        "特困供养", max_length=16, choices=SupportStatus.choices, default=SupportStatus.NONE
    )
    notes = models.TextField("备注", blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_hash"], condition=~Q(id_hash=""), name="person_unique_id_hash"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int | None:
        """Age in whole years today (shown instead of the birth date to most roles)."""
        from core.registry.privacy import age_now

        return age_now(self.birth_date)

    @property
    def category_labels(self) -> list[str]:
        return [CATEGORY_LABELS.get(c, c) for c in self.categories]


class RosterImport(models.Model):
    """One uploaded roster (.xlsx) and the result of importing it (run by a Celery task)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    filename = models.CharField(max_length=200)
    # The uploaded file, encrypted (core.registry.idnumbers.file_encrypt) and emptied when the import
    # ends or after roster.FILE_RETENTION: only the result below stays.
    content = models.BinaryField(blank=True, default=b"")
    sheet_name = models.CharField(max_length=100, blank=True, default="")  # the sheet that was read
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_households = models.PositiveIntegerField(default=0)
    created_persons = models.PositiveIntegerField(default=0)
    updated_persons = models.PositiveIntegerField(default=0)
    unchanged_persons = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True
    )  # [{"row": 3, "column": "身份证号", "message": "..."}]
    failure = models.CharField(max_length=500, blank=True, default="")
    notices = models.JSONField(default=list, blank=True)  # ["第2行是模板示例行，已跳过", ...]
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_by_name = models.CharField(max_length=50, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return (
            int(100 * self.processed_rows / self.total_rows)
            if self.total_rows
            else (100 if self.is_finished else 0)
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

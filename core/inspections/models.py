"""Visits (入户核查 / 电话随访) with their checklist answers, and the two ledgers they feed:
winter needs (困难群众过冬需求台账) and problems (问题台账)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.inspections.checklist import (
    ITEM_CHOICES,
    NEED_TYPE_CHOICES,
    PROBLEM_ITEM_CHOICES,
    RESULT_CHOICES,
    URGENCY_CHOICES,
)
from core.registry.models import Household, Person


class Visit(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", "入户核查"
        PHONE = "phone", "电话随访"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="visits", verbose_name="户"
    )
    kind = models.CharField("方式", max_length=8, choices=Kind.choices)
    visited_at = models.DateTimeField("走访时间")
    visitor_user_id = models.BigIntegerField(null=True, blank=True)
    visitor_name = models.CharField("走访人", max_length=50)
    notes = models.TextField("情况说明", blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["household", "kind", "visited_at"], name="visit_coverage_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.household} {self.visited_at:%Y-%m-%d}"


class VisitItem(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(max_length=32, choices=ITEM_CHOICES)
    result = models.CharField(max_length=8, choices=RESULT_CHOICES)
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="visititem_once_per_visit")]

    def __str__(self) -> str:
        return f"{self.item}: {self.result}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="visits/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


class Need(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "待解决"
        IN_PROGRESS = "in_progress", "办理中"
        MET = "met", "已解决"
        CANCELLED = "cancelled", "已撤销"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="needs")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="needs")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="needs")
    need_type = models.CharField("需求类型", max_length=32, choices=NEED_TYPE_CHOICES)
    quantity = models.PositiveIntegerField("数量")
    urgency = models.CharField("紧急程度", max_length=16, choices=URGENCY_CHOICES, default="normal")
    description = models.CharField("说明", max_length=500, blank=True, default="")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    # Who sees the need through (the visitor by default); the need's clock is theirs.
    responsible_user_id = models.BigIntegerField(null=True, blank=True)
    responsible_name = models.CharField("责任人", max_length=50, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(name="need_quantity_positive", condition=Q(quantity__gte=1))]

    def __str__(self) -> str:
        return f"{self.get_need_type_display()} x{self.quantity}"


class Problem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        RESOLVED = "resolved", "已整改"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="problems")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="problems")
    item = models.CharField("排查项", max_length=32, choices=PROBLEM_ITEM_CHOICES)
    description = models.CharField("问题描述", max_length=500)
    responsible_user_id = models.BigIntegerField(null=True, blank=True)
    responsible_name = models.CharField("责任人", max_length=50)
    due_at = models.DateTimeField("整改时限")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.description[:40]}"

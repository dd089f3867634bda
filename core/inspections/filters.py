"""Filters of the two ledgers (web pages, Excel export and API share them)."""

from __future__ import annotations

import django_filters

from core.inspections.checklist import ITEM_CHOICES, NEED_TYPE_CHOICES, URGENCY_CHOICES
from core.inspections.models import Need, Problem, Visit


class NeedFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter(field_name="household__community_id", label="社区")
    grid = django_filters.NumberFilter(field_name="household__grid_id", label="网格")
    household = django_filters.NumberFilter(field_name="household_id", label="户")
    need_type = django_filters.ChoiceFilter(
        choices=NEED_TYPE_CHOICES, label="需求类型", empty_label="全部需求类型"
    )
    urgency = django_filters.ChoiceFilter(
        choices=URGENCY_CHOICES, label="紧急程度", empty_label="全部紧急程度"
    )
    status = django_filters.ChoiceFilter(choices=Need.Status.choices, label="状态", empty_label="全部状态")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="登记起")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="登记止")

    class Meta:
        model = Need
        fields = ["community", "grid", "household", "need_type", "urgency", "status"]


class ProblemFilter(django_filters.FilterSet):
    id = django_filters.NumberFilter(field_name="pk", label="问题编号")
    community = django_filters.NumberFilter(field_name="household__community_id", label="社区")
    grid = django_filters.NumberFilter(field_name="household__grid_id", label="网格")
    household = django_filters.NumberFilter(field_name="household_id", label="户")
    item = django_filters.ChoiceFilter(choices=ITEM_CHOICES, label="排查项", empty_label="全部排查项")
    status = django_filters.ChoiceFilter(choices=Problem.Status.choices, label="状态", empty_label="全部状态")
    responsible_user = django_filters.NumberFilter(field_name="responsible_user_id", label="责任人")
    due_before = django_filters.DateFilter(field_name="due_at", lookup_expr="date__lte", label="时限早于")

    class Meta:
        model = Problem
        fields = ["community", "grid", "household", "item", "status"]


class VisitFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter(field_name="household__community_id")
    grid = django_filters.NumberFilter(field_name="household__grid_id")
    household = django_filters.NumberFilter(field_name="household_id")
    kind = django_filters.ChoiceFilter(choices=Visit.Kind.choices)
    visited_from = django_filters.DateFilter(field_name="visited_at", lookup_expr="date__gte")
    visited_to = django_filters.DateFilter(field_name="visited_at", lookup_expr="date__lte")

    class Meta:
        model = Visit
        fields = ["community", "grid", "household", "kind"]

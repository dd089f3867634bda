"""The street's organisation (tenant schema): communities / villages, grids, buildings.

People are assigned through ``tenants.Membership.community_id`` / ``grid_id`` (public schema),
so "the grid workers of grid X" are the memberships of this street with grid_id = X.
"""

from __future__ import annotations

from django.db import models


class Community(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "community", "社区"
        VILLAGE = "village", "村"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.COMMUNITY)
    code = models.CharField("编码", max_length=20, blank=True, default="")
    address = models.CharField("地址", max_length=200, blank=True, default="")
    director_name = models.CharField("社区(村)主任", max_length=50, blank=True, default="")
    director_phone = models.CharField("主任电话", max_length=20, blank=True, default="")
    hotline = models.CharField("民政服务热线", max_length=40, blank=True, default="")
    hotline_hours = models.CharField("热线服务时间", max_length=100, blank=True, default="")
    sort_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="community_unique_name")]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name="社区"
    )
    name = models.CharField("名称", max_length=100)
    code = models.CharField("编码", max_length=20, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["community__sort_order", "community__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name_in_community")
        ]

    def __str__(self) -> str:
        return f"{self.community.name} {self.name}"


class Building(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name="网格")
    name = models.CharField("楼栋", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True, default="")
    head_user_id = models.BigIntegerField("楼栋长账号", null=True, blank=True)
    head_name = models.CharField("楼栋长", max_length=50, blank=True, default="")
    head_phone = models.CharField("楼栋长电话", max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["grid_id", "name"]
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="building_unique_name_in_grid")]

    def __str__(self) -> str:
        return self.name

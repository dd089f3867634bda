"""The district rollup (区级汇总): one row per street office, community, day and metric, in the public
schema. Written only by ``core.rollup.services``; read by ``core.rollup.selectors``.

``community_id`` 0 holds figures that belong to the street as a whole (phase tasks, patrols, the
street's reports); every other row is one community's share, so a street's figure is the sum of its
rows. ``day`` is the local (Asia/Shanghai) date of the snapshot: refreshing overwrites that day's
rows, earlier days stay as the history the charts draw. ``value`` is a count, or yuan for ``*_yuan``
metrics (Decimal, 2 places). Plain ids, no foreign keys into tenant schemas (Citus, docs/scaling.md).
"""

from __future__ import annotations

from django.db import models

STREET_WIDE = 0  # community_id of the rows that belong to the street as a whole


class RollupFigure(models.Model):
    district_id = models.BigIntegerField()
    street_office_id = models.BigIntegerField()
    community_id = models.BigIntegerField(default=STREET_WIDE)
    community_name = models.CharField(max_length=100, blank=True, default="")
    day = models.DateField()
    metric = models.CharField(max_length=48)
    value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street_office_id", "day", "metric", "community_id"], name="rollup_figure_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["district_id", "day", "metric"], name="rollup_district_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.street_office_id}/{self.community_id} {self.day} {self.metric}={self.value}"

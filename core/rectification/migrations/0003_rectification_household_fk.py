"""``household_id`` was a plain integer; it becomes a real foreign key to the registry's household.

Same column, same data: ids that point at no household are cleared first, then the constraint and
index are added. The state sees a ForeignKey named ``household``.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_rosterimport"),
        ("rectification", "0002_rectification_problem"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="rectification", name="household_id"),
                migrations.AddField(
                    model_name="rectification",
                    name="household",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rectifications",
                        to="registry.household",
                        verbose_name="关联户",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "UPDATE rectification_rectification r SET household_id = NULL WHERE household_id IS NOT NULL"
                        " AND NOT EXISTS (SELECT 1 FROM registry_household h WHERE h.id = r.household_id)",
                        "ALTER TABLE rectification_rectification ADD CONSTRAINT"
                        " rectification_rectification_household_id_fk_registry_household_id"
                        " FOREIGN KEY (household_id) REFERENCES registry_household (id)"
                        " DEFERRABLE INITIALLY DEFERRED",
                        "CREATE INDEX rectification_rectification_household_id_idx"
                        " ON rectification_rectification (household_id)",
                    ],
                    reverse_sql=[
                        "DROP INDEX rectification_rectification_household_id_idx",
                        "ALTER TABLE rectification_rectification DROP CONSTRAINT"
                        " rectification_rectification_household_id_fk_registry_household_id",
                    ],
                ),
            ],
        ),
    ]

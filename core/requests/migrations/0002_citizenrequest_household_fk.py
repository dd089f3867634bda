"""``household_id`` was a plain integer; it becomes a real foreign key to the registry's household.

Same column, same data: ids that point at no household (there should be none) are cleared first,
then the constraint and index are added. The state sees a ForeignKey named ``household``.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_rosterimport"),
        ("requests", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="citizenrequest", name="household_id"),
                migrations.AddField(
                    model_name="citizenrequest",
                    name="household",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="registry.household",
                        verbose_name="关联户",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=[
                        "UPDATE requests_citizenrequest r SET household_id = NULL WHERE household_id IS NOT NULL"
                        " AND NOT EXISTS (SELECT 1 FROM registry_household h WHERE h.id = r.household_id)",
                        "ALTER TABLE requests_citizenrequest ADD CONSTRAINT"
                        " requests_citizenrequest_household_id_fk_registry_household_id"
                        " FOREIGN KEY (household_id) REFERENCES registry_household (id)"
                        " DEFERRABLE INITIALLY DEFERRED",
                        "CREATE INDEX requests_citizenrequest_household_id_idx"
                        " ON requests_citizenrequest (household_id)",
                    ],
                    reverse_sql=[
                        "DROP INDEX requests_citizenrequest_household_id_idx",
                        "ALTER TABLE requests_citizenrequest DROP CONSTRAINT"
                        " requests_citizenrequest_household_id_fk_registry_household_id",
                    ],
                ),
            ],
        ),
    ]

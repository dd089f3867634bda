"""Masks keep the region code and the last two characters (issue 10 §2): rewrite stored masks."""

from django.db import migrations

SQL = """
UPDATE registry_person
   SET id_masked = substr(id_masked, 1, 6) || '**********' || substr(id_masked, 17, 2)
 WHERE length(id_masked) = 18 AND id_masked NOT LIKE '______**********__'
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_roster_files_not_kept")]

    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]

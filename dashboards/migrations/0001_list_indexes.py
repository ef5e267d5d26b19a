"""Index the establishment lists' default order (name, then FINESS).

The dashboards page through up to 45,000 establishments sorted by name: with this index the
database reads the first page directly instead of sorting every row. Created with SQL from this
app so the registry's own migrations stay with their owner; the statement is the same on
SQLite and PostgreSQL.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("establishments", "0002_seed_regions_and_departments")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS dashboards_establishment_name_finess "
            "ON establishments_establishment (name, finess);",
            reverse_sql="DROP INDEX IF EXISTS dashboards_establishment_name_finess;",
        )
    ]

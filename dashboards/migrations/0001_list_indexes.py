"""Formerly created the establishment lists' (name, finess) index by raw SQL.

That index is now declared in `Establishment.Meta.indexes` and managed by
establishments/migrations/0004_establishment_name_finess_index.py, which renames the index this
migration created on databases where it ran. Kept, empty, so that those databases' migration
history stays consistent.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("establishments", "0002_seed_regions_and_departments")]

    operations = []

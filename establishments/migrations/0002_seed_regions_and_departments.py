"""Seed the 18 regions (one ARS each) and the departments they cover, as FINESS codes them."""

from django.db import migrations

from establishments.geography import REGIONS, departments_with_ars


def seed(apps, schema_editor):
    Region = apps.get_model("establishments", "Region")
    Department = apps.get_model("establishments", "Department")
    for region in REGIONS:
        Region.objects.update_or_create(code=region.code, defaults={"name": region.name})
    for department in departments_with_ars():
        Department.objects.update_or_create(
            code=department.code,
            defaults={"name": department.name, "region_id": department.region_code},
        )


class Migration(migrations.Migration):
    dependencies = [("establishments", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

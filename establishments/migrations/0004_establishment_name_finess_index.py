"""The lists' (name, finess) index, declared in Establishment.Meta.indexes.

It was first created by raw SQL in dashboards/migrations/0001_list_indexes.py under the name
"dashboards_establishment_name_finess", longer than the 30 characters a model index may have.
Where that index exists it is renamed (ALTER INDEX on PostgreSQL; SQLite, which cannot rename
an index, drops and recreates it); on a fresh database the index is created.
"""

from django.db import migrations, models

OLD_NAME = "dashboards_establishment_name_finess"
INDEX = models.Index(fields=["name", "finess"], name="establishment_name_finess")


def index_names(schema_editor, table: str) -> set[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def forwards(apps, schema_editor):
    model = apps.get_model("establishments", "Establishment")
    names = index_names(schema_editor, model._meta.db_table)
    if INDEX.name in names:
        return
    if OLD_NAME in names:
        old = models.Index(fields=INDEX.fields, name=OLD_NAME)
        schema_editor.rename_index(model, old, INDEX)
    else:
        schema_editor.add_index(model, INDEX)


def backwards(apps, schema_editor):
    model = apps.get_model("establishments", "Establishment")
    if INDEX.name in index_names(schema_editor, model._meta.db_table):
        schema_editor.remove_index(model, INDEX)


class Migration(migrations.Migration):
    dependencies = [("establishments", "0003_normalize_user_addresses")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="establishment", index=INDEX)],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]

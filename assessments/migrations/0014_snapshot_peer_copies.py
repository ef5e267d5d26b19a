from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf


def backfill(apps, schema_editor):
    """Every stored snapshot takes its assessment's status and its establishment's category
    group (the FINESS aggregated category, else the category)."""
    Assessment = apps.get_model("assessments", "Assessment")
    ScoreSnapshot = apps.get_model("assessments", "ScoreSnapshot")
    of = Assessment.objects.filter(pk=OuterRef("assessment_id"))
    group = Coalesce(
        NullIf("establishment__aggregated_category_code", Value("")),
        "establishment__category_code",
    )
    ScoreSnapshot.objects.update(
        assessment_status=Subquery(of.values("status")[:1]),
        category_group=Subquery(of.annotate(group=group).values("group")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0013_snapshot_peers_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoresnapshot",
            name="assessment_status",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        migrations.AddField(
            model_name="scoresnapshot",
            name="category_group",
            field=models.CharField(blank=True, default="", max_length=4),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="scoresnapshot",
            name="snapshot_peers",
        ),
        migrations.AddIndex(
            model_name="scoresnapshot",
            index=models.Index(
                fields=["campaign", "kind", "region_code"],
                include=("assessment_status", "score_global", "score_care", "assessment"),
                name="snapshot_peers",
            ),
        ),
        migrations.AddIndex(
            model_name="scoresnapshot",
            index=models.Index(
                fields=["campaign", "kind", "category_group"],
                include=("assessment_status", "score_global", "score_care", "assessment"),
                name="snapshot_peers_category",
            ),
        ),
    ]

from django.db import migrations, models
from django.db.models import F


def answered_from_counts(apps, schema_editor):
    """Existing snapshots: the answers met, partial or not met (what "started" read so far).

    Explicit "not applicable" answers are added by the next recompute (`recompute_scores`).
    """
    ScoreSnapshot = apps.get_model("assessments", "ScoreSnapshot")
    ScoreSnapshot.objects.update(
        count_answered=F("count_met") + F("count_partial") + F("count_not_met")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_workflow_exercises_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoresnapshot",
            name="count_answered",
            field=models.PositiveIntegerField(default=0, verbose_name="réponses données"),
        ),
        migrations.RunPython(answered_from_counts, migrations.RunPython.noop),
    ]

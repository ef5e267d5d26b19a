from django.db import migrations, models


def care_from_detail(apps, schema_editor):
    """Existing snapshots of version 2: the CaRE-targets score they already hold in `detail`."""
    ScoreSnapshot = apps.get_model("assessments", "ScoreSnapshot")
    for snapshot in ScoreSnapshot.objects.filter(detail__scores__has_key="care").iterator():
        snapshot.score_care = (snapshot.detail.get("scores") or {}).get("care")
        snapshot.save(update_fields=["score_care"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_carry_over"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoresnapshot",
            name="score_care",
            field=models.FloatField(
                blank=True, db_index=True, null=True, verbose_name="score cibles CaRE"
            ),
        ),
        migrations.RunPython(care_from_detail, migrations.RunPython.noop),
    ]

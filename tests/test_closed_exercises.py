"""What a submitted or validated assessment shows never changes afterwards, exercises included.

The exercise log belongs to the establishment and feeds only editable assessments. A closed
assessment shows the log as it stood at its submission; the exercises it shows cannot be
deleted (from this year's draft or anywhere), and exercises logged later do not appear on it.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import workflow
from assessments.exercises import ExerciseKept, delete_exercise, record_exercise
from assessments.models import Answer, CrisisExercise, ScoreSnapshot
from assessments.scoring.compiled import forget_referential
from referential.models import Requirement
from reports.content import build_report
from tests.answers import fill
from tests.campaigns import build_campaign

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def two_years(world):
    """2024 validated with an exercise logged from it; 2025 a draft of the same hospital."""
    last = build_campaign(world, year=2024)
    current = build_campaign(world, year=2025)
    Requirement.objects.filter(code="EXERCICE").update(headline="exercise")
    forget_referential()
    fill(last.hospital, world.rssi)
    record_exercise(
        assessment=last.hospital,
        user=world.rssi,
        held_on=days_ago(100),
        kind="tabletop",
        scenario="Rançongiciel",
    )
    workflow.submit(assessment=last.hospital, user=world.rssi)
    workflow.validate(assessment=last.hospital, user=world.director)
    return last.hospital, current.hospital


def record_of(client, assessment) -> dict:
    """Everything the validated assessment shows: answers, snapshot, report, exercise page."""
    page = client.get(f"/assessments/{assessment.pk}/exercises/").content.decode()
    snapshot = ScoreSnapshot.objects.get(assessment=assessment)
    report = build_report(assessment)
    return {
        "answers": dict(
            Answer.objects.filter(assessment=assessment).values_list("requirement__code", "value")
        ),
        "snapshot": (snapshot.score_global, snapshot.detail),
        "report": (report.result.scores, report.result.statuses, report.reference_date),
        "exercises": re.findall(r"<td>(\d\d/\d\d/\d{4})</td>", page),
    }


def test_exercises_logged_or_deleted_this_year_leave_last_years_record_unchanged(
    client, world, two_years
):
    last, current = two_years
    client.force_login(world.rssi)
    before = record_of(client, last)
    assert before["exercises"] == [days_ago(100).strftime("%d/%m/%Y")]

    # A new exercise logged from this year's draft feeds the draft only.
    change = record_exercise(
        assessment=current,
        user=world.rssi,
        held_on=days_ago(5),
        kind="full_scale",
        scenario="Panne du DPI",
    )
    assert change.answers == {"EXERCICE": days_ago(5).isoformat()}
    assert record_of(client, last) == before
    page = client.get(f"/assessments/{current.pk}/exercises/").content.decode()
    assert days_ago(5).strftime("%d/%m/%Y") in page and days_ago(100).strftime("%d/%m/%Y") in page

    # The exercise last year's record shows cannot be deleted, from this year's draft either.
    old = CrisisExercise.objects.get(held_on=days_ago(100))
    response = client.post(f"/assessments/{current.pk}/exercises/{old.pk}/delete/", follow=True)
    assert "figure dans l&#x27;auto-évaluation 2024, transmise" in response.content.decode()
    assert CrisisExercise.objects.filter(pk=old.pk).exists()
    with pytest.raises(ExerciseKept):
        delete_exercise(assessment=current, exercise=old, user=world.rssi)

    # This year's own exercise can be deleted; last year's record is still the same.
    delete_exercise(assessment=current, exercise=change.exercise, user=world.rssi)
    assert record_of(client, last) == before


def test_reopened_assessment_shows_the_live_log_again(client, world, two_years):
    last, current = two_years
    record_exercise(
        assessment=current, user=world.rssi, held_on=days_ago(5), kind="tabletop", scenario="S"
    )
    workflow.reopen(assessment=last, user=world.ars, comment="Corriger le budget")
    client.force_login(world.rssi)
    page = client.get(f"/assessments/{last.pk}/exercises/").content.decode()
    assert days_ago(5).strftime("%d/%m/%Y") in page
    # Nothing closed shows the 2024 exercise any more: it may be deleted again.
    old = CrisisExercise.objects.get(held_on=days_ago(100))
    delete_exercise(assessment=current, exercise=old, user=world.rssi)
    assert not CrisisExercise.objects.filter(pk=old.pk).exists()

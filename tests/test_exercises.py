"""The crisis exercise log and how it feeds the exercise requirement."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import workflow
from assessments.answers import AnswersRejected, save_answers
from assessments.exercises import delete_exercise, record_exercise
from assessments.models import Answer, CrisisExercise
from assessments.scoring.compiled import forget_referential
from referential.models import Requirement
from tests.answers import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise_headline(campaign):
    """In the test referential, EXERCICE (ES, within_days) is the exercise headline item."""
    Requirement.objects.filter(code="EXERCICE").update(headline="exercise")
    forget_referential()
    return campaign


def answer(assessment, code="EXERCICE"):
    row = Answer.objects.filter(assessment=assessment, requirement__code=code).first()
    return row.value if row else None


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def post_exercise(client, assessment, held_on, **fields):
    return client.post(
        f"/assessments/{assessment.pk}/exercises/",
        {
            "held_on": held_on.isoformat(),
            "kind": "tabletop",
            "scenario": "Rançongiciel sur le dossier patient informatisé",
            "lessons_learned": "on",
            "actions": "Revoir la procédure de mode dégradé des urgences",
            **fields,
        },
    )


def test_logging_an_exercise_answers_the_exercise_requirement(client, world, exercise_headline):
    assessment = exercise_headline.hospital
    client.force_login(world.rssi)
    response = post_exercise(client, assessment, days_ago(40))
    assert response.status_code == 302
    exercise = CrisisExercise.objects.get()
    assert (exercise.establishment, exercise.kind, exercise.lessons_learned) == (
        world.hospital,
        "tabletop",
        True,
    )
    assert answer(assessment) == days_ago(40).isoformat()
    assessment.refresh_from_db()
    assert assessment.version == 1
    assert assessment.snapshot.detail["statuses"]["EXERCICE"] == "met"
    # Kept in the answer's history, by the RSSI.
    assert Answer.history.filter(requirement__code="EXERCICE").get().history_user == world.rssi
    page = client.get(response["Location"]).content.decode()
    assert "Rançongiciel sur le dossier patient informatisé" in page
    assert "Exercice sur table" in page
    assert "Réponse EXERCICE mise à jour : dernier exercice le" in page


def test_the_register_is_the_only_source_of_the_exercise_answer(world, exercise_headline):
    """A date typed for the exercise requirement is refused: the register gives it."""
    assessment = exercise_headline.hospital
    with pytest.raises(AnswersRejected) as refused:
        save_answers(
            assessment=assessment,
            answers={"EXERCICE": days_ago(10).isoformat()},
            expected_version=0,
            user=world.rssi,
        )
    assert "registre des exercices" in refused.value.errors["EXERCICE"]
    assert "aucun exercice enregistré" in refused.value.errors["EXERCICE"]
    assert answer(assessment) is None
    record_exercise(
        assessment=assessment,
        user=world.rssi,
        held_on=days_ago(200),
        kind="full_scale",
        scenario="Panne de la messagerie",
    )
    assert answer(assessment) == days_ago(200).isoformat()
    assessment.refresh_from_db()
    # Sent back as the register reads (an export read back), it is accepted and changes nothing.
    save_answers(
        assessment=assessment,
        answers={"EXERCICE": days_ago(200).isoformat()},
        expected_version=assessment.version,
        user=world.rssi,
    )
    assert answer(assessment) == days_ago(200).isoformat()


def test_deleting_the_latest_exercise_falls_back_to_the_previous_one(world, exercise_headline):
    assessment = exercise_headline.hospital
    common = {"assessment": assessment, "user": world.rssi, "kind": "tabletop", "scenario": "S"}
    record_exercise(held_on=days_ago(500), **common)
    latest = record_exercise(held_on=days_ago(20), **common).exercise
    assert answer(assessment) == days_ago(20).isoformat()
    delete_exercise(assessment=assessment, exercise=latest, user=world.rssi)
    assert answer(assessment) == days_ago(500).isoformat()
    only = CrisisExercise.objects.get()
    delete_exercise(assessment=assessment, exercise=only, user=world.rssi)
    # An empty register reads « jamais »: the date requirement is answered, not met.
    assert answer(assessment) is False


def test_bad_input_is_explained(client, world, exercise_headline):
    client.force_login(world.rssi)
    assessment = exercise_headline.hospital
    future = post_exercise(client, assessment, timezone.localdate() + timedelta(days=3))
    assert future.status_code == 400
    assert "dans le futur" in future.content.decode()
    empty = post_exercise(client, assessment, days_ago(3), scenario=" ", kind="")
    assert empty.status_code == 400
    assert not CrisisExercise.objects.exists()
    assert answer(assessment) is None


def test_an_essms_log_feeds_nothing_it_is_not_asked(client, world, exercise_headline):
    """The nursing home's exercise item is a yes/no, not a date: the log is kept, no answer set."""
    rssi = world.rssi.__class__.objects.get(pk=world.rssi.pk)
    rssi.role_assignments.create(role="rssi", establishment=world.nursing_home)
    rssi = rssi.__class__.objects.get(pk=rssi.pk)
    change = record_exercise(
        assessment=exercise_headline.nursing_home,
        user=rssi,
        held_on=days_ago(5),
        kind="tabletop",
        scenario="Perte d'accès au logiciel de soins",
    )
    assert change.answers == {}
    assert not Answer.objects.filter(assessment=exercise_headline.nursing_home).exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rssi", 302),
        ("director", 403),
        ("ght_lead", 403),
        ("ars", 403),
        ("national", 403),
        ("other_ars", 404),
        ("other_rssi", 404),
    ],
)
def test_who_may_log_exercises(client, world, exercise_headline, role, expected):
    client.force_login(getattr(world, role))
    response = post_exercise(client, exercise_headline.hospital, days_ago(3))
    assert response.status_code == expected
    if expected != 404:
        page = client.get(f"/assessments/{exercise_headline.hospital.pk}/exercises/")
        assert page.status_code == 200


def test_read_only_once_submitted(client, world, exercise_headline):
    assessment = exercise_headline.hospital
    fill(assessment, world.rssi)
    exercise = record_exercise(
        assessment=assessment, user=world.rssi, held_on=days_ago(9), kind="tabletop", scenario="S"
    ).exercise
    workflow.submit(assessment=assessment, user=world.rssi)
    client.force_login(world.rssi)
    assert post_exercise(client, assessment, days_ago(2)).status_code == 403
    delete = f"/assessments/{assessment.pk}/exercises/{exercise.pk}/delete/"
    assert client.post(delete).status_code == 403
    page = client.get(f"/assessments/{assessment.pk}/exercises/").content.decode()
    assert "le registre est en lecture seule" in page
    assert CrisisExercise.objects.count() == 1

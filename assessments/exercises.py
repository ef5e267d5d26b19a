"""The crisis exercise log of an establishment, the one source of the exercise requirements.

The referential's exercise requirements are read from the log (``assessments.exercise_register``
says how); logging or deleting an exercise re-saves the establishment's editable assessments
through ``save_answers`` so that their answers, scores and history follow: validated, versioned,
kept in history. No form, API or import can give them another value.

A submitted or validated assessment shows the log as it was when it was submitted
(``CrisisExercise.objects.shown_for``) and keeps the answers it was submitted with, and an
exercise it shows cannot be deleted: what a closed assessment shows never changes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.answers import save_answers
from assessments.exercise_register import register_answers, register_codes
from assessments.models import Answer, Assessment, CrisisExercise
from assessments.scoring.compiled import compiled_referential
from establishments.models import User
from referential.rules import EARLIEST_DATE

SCENARIO_MAX_LENGTH = 2000


class ExerciseKept(Exception):
    """The exercise is part of a submitted or validated assessment; the message says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ExerciseChange:
    exercise: CrisisExercise
    # Requirement code -> the answer written (an ISO date, or None when cleared).
    answers: dict[str, str | None]


def exercise_requirement_codes(assessment: Assessment) -> list[str]:
    """The exercise requirements this establishment answers from its log."""
    return register_codes(
        compiled_referential(assessment.campaign.referential_id), assessment.establishment
    )


def _check(user: User, assessment: Assessment) -> None:
    if not user.has_perm("assessments.edit_answers", assessment):
        raise PermissionDenied(
            _("Seul le RSSI de l'établissement tient le registre des exercices.")
            if assessment.is_editable
            else _(
                "L'auto-évaluation est transmise : le registre des exercices est en lecture seule."
            )
        )


def _current_answers(assessment: Assessment, codes: list[str]) -> dict[str, object]:
    compiled = compiled_referential(assessment.campaign.referential_id)
    rows = Answer.objects.filter(
        assessment=assessment, requirement_id__in=[compiled.id_by_code[c] for c in codes]
    ).values_list("requirement_id", "value")
    return {compiled.code_by_id[rid]: value for rid, value in rows}


def _follow_register(assessment: Assessment, user: User) -> dict[str, str | None]:
    """Re-save the establishment's editable assessments whose exercise answers no longer read
    the log; returns the dates that changed on ``assessment`` {code: ISO date, or None}."""
    before = _current_answers(assessment, exercise_requirement_codes(assessment))
    editable = Assessment.objects.filter(
        establishment_id=assessment.establishment_id
    ).select_related("campaign", "establishment")
    for other in editable:
        if not other.is_editable or not user.has_perm("assessments.edit_answers", other):
            continue
        _derived, writes = register_answers(
            compiled_referential(other.campaign.referential_id), other
        )
        if writes:
            save_answers(assessment=other, answers={}, expected_version=other.version, user=user)
    compiled = compiled_referential(assessment.campaign.referential_id)
    after = _current_answers(assessment, exercise_requirement_codes(assessment))
    return {
        code: value if isinstance(value := after.get(code), str) else None
        for code in exercise_requirement_codes(assessment)
        if compiled.model.by_code[code].rule.get("type") == "within_days"
        and before.get(code) != after.get(code)
    }


def follow_register(assessment: Assessment, user: User) -> None:
    """Before a submission: the exercise answers read the log as it is at that moment."""
    _follow_register(assessment, user)


def _clean(*, held_on: date, kind: str, scenario: str, actions: str) -> None:
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("La date de l'exercice est dans le futur : notez-le une fois tenu.")
    elif held_on < EARLIEST_DATE:
        errors["held_on"] = _("La date de l'exercice est invraisemblable (avant 2000).")
    if kind not in CrisisExercise.Kind.values:
        errors["kind"] = _("Choisissez le type d'exercice.")
    if not scenario.strip():
        errors["scenario"] = _("Décrivez le scénario joué en quelques mots.")
    elif len(scenario) > SCENARIO_MAX_LENGTH:
        errors["scenario"] = _("Le scénario dépasse %(max)d caractères.") % {
            "max": SCENARIO_MAX_LENGTH
        }
    if len(actions) > SCENARIO_MAX_LENGTH:
        errors["actions"] = _("Les actions dépassent %(max)d caractères.") % {
            "max": SCENARIO_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_exercise(
    *,
    assessment: Assessment,
    user: User,
    held_on: date,
    kind: str,
    scenario: str,
    lessons_learned: bool = False,
    actions: str = "",
) -> ExerciseChange:
    """Log an exercise of the assessment's establishment and feed the exercise requirements."""
    _check(user, assessment)
    _clean(held_on=held_on, kind=kind, scenario=scenario, actions=actions)
    exercise = CrisisExercise.objects.create(
        establishment=assessment.establishment,
        held_on=held_on,
        kind=kind,
        scenario=scenario.strip(),
        lessons_learned=lessons_learned,
        actions=actions.strip(),
        created_by=user,
    )
    updates = _follow_register(assessment, user)
    return ExerciseChange(exercise=exercise, answers=updates)


@transaction.atomic
def delete_exercise(
    *, assessment: Assessment, exercise: CrisisExercise, user: User
) -> ExerciseChange:
    """Remove an exercise from the log; answers that came from it fall back to the latest left."""
    _check(user, assessment)
    if exercise.establishment_id != assessment.establishment_id:
        raise PermissionDenied
    closed = (
        exercise.closed_assessments().select_related("campaign").order_by("campaign__year").first()
    )
    if closed is not None:
        raise ExerciseKept(
            _(
                "Cet exercice figure dans l'auto-évaluation %(year)s, transmise : il ne peut plus "
                "être supprimé. Pour la corriger, demandez sa réouverture à l'ARS."
            )
            % {"year": closed.campaign.year}
        )
    exercise.delete()
    updates = _follow_register(assessment, user)
    return ExerciseChange(exercise=exercise, answers=updates)

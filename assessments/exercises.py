"""The crisis exercise log of an establishment, and how it feeds the exercise requirements.

The date of the most recent exercise becomes the answer of the referential's exercise
requirements (``headline == "exercise"``, rule ``within_days``) on the assessment the exercise was
logged from, through ``save_answers`` like any answer: validated, versioned, kept in history.
A later date typed directly in the form is never replaced by an older logged one; deleting the
exercise an answer came from puts back the latest remaining date (or no answer).

Only an editable assessment is fed. A submitted or validated assessment shows the log as it was
when it was submitted (``CrisisExercise.objects.shown_for``), and an exercise it shows cannot be
deleted: what a closed assessment shows never changes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.answers import save_answers
from assessments.models import Answer, Assessment, CrisisExercise
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import kinds_of
from establishments.models import User
from referential.headlines import Headline
from referential.rules import EARLIEST_DATE

EXERCISE_HEADLINE = Headline.EXERCISE
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
    """The exercise requirements of the assessment's referential that this establishment answers."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    establishment = assessment.establishment
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    # Conditions aside, and not the GHT-level ones (the support's assessment holds those).
    return [
        spec.code
        for spec in compiled.model.asked(None, kinds=kinds, ght_support=False)
        if spec.headline == EXERCISE_HEADLINE and spec.rule.get("type") == "within_days"
    ]


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


def _latest(assessment: Assessment) -> date | None:
    return CrisisExercise.objects.filter(
        establishment_id=assessment.establishment_id,
        held_on__lte=assessment.effective_reference_date(),
    ).aggregate(latest=Max("held_on"))["latest"]


def _save(assessment: Assessment, answers: dict[str, str | None], user: User) -> None:
    if not answers:
        return
    version = Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)
    save_answers(assessment=assessment, answers=answers, expected_version=version, user=user)


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
    latest = _latest(assessment)
    codes = exercise_requirement_codes(assessment)
    current = _current_answers(assessment, codes)
    updates: dict[str, str | None] = {}
    if latest is not None:
        for code in codes:
            value = current.get(code)
            # Never replace a later date typed in the form by an older logged one.
            if isinstance(value, str) and value >= latest.isoformat():
                continue
            updates[code] = latest.isoformat()
    _save(assessment, updates, user)
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
    removed = exercise.held_on.isoformat()
    exercise.delete()
    latest = _latest(assessment)
    codes = exercise_requirement_codes(assessment)
    current = _current_answers(assessment, codes)
    updates = {
        code: latest.isoformat() if latest else None
        for code in codes
        if current.get(code) == removed and (latest is None or latest.isoformat() != removed)
    }
    _save(assessment, updates, user)
    return ExerciseChange(exercise=exercise, answers=updates)

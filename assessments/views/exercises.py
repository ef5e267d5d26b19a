"""The crisis exercise log of the assessment's establishment."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments.answers import AssessmentLocked, StaleVersion
from assessments.exercises import (
    ExerciseKept,
    delete_exercise,
    exercise_requirement_codes,
    record_exercise,
)
from assessments.models import Assessment, CrisisExercise
from assessments.views.scoped import assessment_for
from assessments.workflow_forms import CrisisExerciseForm
from care_portal.formats import format_date


def _stale_message() -> str:
    return _(
        "Quelqu'un a enregistré cette auto-évaluation au même moment : rien n'a été enregistré, "
        "recommencez."
    )


def _fed_message(answers: dict[str, str | None]) -> str | None:
    """What the log changed in the answers, said plainly."""
    if not answers:
        return None
    codes = ", ".join(answers)
    value = next(iter(answers.values()))
    if value is None:
        return _("Réponse %(codes)s vidée : plus aucun exercice n'est enregistré.") % {
            "codes": codes
        }
    shown = format_date(date.fromisoformat(value))
    return _("Réponse %(codes)s mise à jour : dernier exercice le %(date)s.") % {
        "codes": codes,
        "date": shown,
    }


def _render(request: HttpRequest, assessment: Assessment, form, status: int = 200):
    return render(
        request,
        "assessments/exercises.html",
        {
            "page_title": _("Exercices de crise — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "exercises": CrisisExercise.objects.shown_for(assessment).select_related("created_by"),
            "form": form,
            "may_edit": request.user.has_perm("assessments.edit_answers", assessment),
            "fed_codes": exercise_requirement_codes(assessment),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def exercises(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    if request.method == "GET":
        return _render(request, assessment, CrisisExerciseForm())
    form = CrisisExerciseForm(request.POST)
    if form.is_valid():
        try:
            change = record_exercise(assessment=assessment, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field, message)
        except (StaleVersion, AssessmentLocked):
            messages.error(request, _stale_message())
        else:
            messages.success(request, _("Exercice enregistré."))
            fed = _fed_message(change.answers)
            if fed:
                messages.info(request, fed)
            return redirect("assessments:exercises", pk=assessment.pk)
    return _render(request, assessment, form, status=400)


@require_POST
def exercise_delete(request: HttpRequest, pk: int, exercise_id: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    exercise = get_object_or_404(
        CrisisExercise, pk=exercise_id, establishment_id=assessment.establishment_id
    )
    try:
        change = delete_exercise(assessment=assessment, exercise=exercise, user=request.user)
    except (StaleVersion, AssessmentLocked):
        messages.error(request, _stale_message())
    except ExerciseKept as kept:
        messages.error(request, kept.message)
    else:
        messages.success(request, _("Exercice supprimé."))
        fed = _fed_message(change.answers)
        if fed:
            messages.info(request, fed)
    return redirect("assessments:exercises", pk=assessment.pk)

"""The assessment form: one step per axis, each saved as a draft.

Saving a step never loses what was typed:

- the answers that are valid are saved; the others are shown again as typed, each with its
  message, and nothing else of the step is lost;
- when someone else saved the assessment since the page was shown, and changed an answer of
  this step, nothing is saved: their values are shown next to the ones typed, and saving again
  keeps the typed ones. When their changes were on other steps only, the step is saved on top of
  them (nothing of theirs is overwritten).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from assessments.answers import AnswersRejected, AssessmentLocked, StaleVersion, save_answers
from assessments.carry_over import with_carry_over_state
from assessments.form_page import FormPage, Step
from assessments.forms import SAVE_AND_CONTINUE, SAVE_AND_REVIEW, StepForm
from assessments.models import Assessment
from assessments.views.carry_over import carry_over_context
from assessments.views.scoped import assessment_for
from assessments.workflow import pending_comment, with_last_transition


def _step_url(assessment: Assessment, step: Step | None) -> str:
    url = reverse("assessments:form", args=[assessment.pk])
    return f"{url}?step={step.code}" if step else url


@require_http_methods(["GET", "POST"])
def assessment_form(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(
        request, pk, annotate=lambda q: with_carry_over_state(with_last_transition(q))
    )
    page = FormPage(assessment, request.user)
    step = page.step(request.GET.get("step"))
    if request.method == "GET" or step is None:
        form = StepForm(page=page, step=step) if step else None
        return _render(request, page, step, form)
    if not page.may_edit_any:
        if not assessment.is_editable:
            return _show_locked(request, assessment, step)
        raise PermissionDenied
    return _save_step(request, page, step)


def _save_step(request: HttpRequest, page: FormPage, step: Step) -> HttpResponse:
    assessment = page.assessment
    form = StepForm(request.POST, page=page, step=step)
    form.is_valid()
    changed = form.changed_answers()
    expected = form.posted_version()
    if expected != assessment.version:
        conflicts = form.changed_elsewhere()
        if conflicts:
            return _show_conflicts(request, page, step, form, conflicts)
        # Someone saved other steps in between: this step can go on top of their changes.
        expected = assessment.version
    saved = 0
    if changed:
        try:
            save_answers(
                assessment=assessment,
                answers=changed,
                expected_version=expected,
                user=request.user,
                na_reasons=form.changed_reasons(),
            )
            saved = len(changed)
        except StaleVersion:
            page = FormPage(assessment_for(request, assessment.pk), request.user)
            step = page.step(step.code)
            form = StepForm(request.POST, page=page, step=step)
            form.is_valid()
            return _show_conflicts(request, page, step, form, form.changed_elsewhere())
        except AssessmentLocked:
            return _show_locked(request, assessment_for(request, assessment.pk), step)
        except AnswersRejected as rejected:
            form.add_rejections(rejected.errors)
            return _render(request, page, step, form, nothing_saved=True)
    if form.errors:
        if saved:
            messages.success(request, _saved_message(saved))
        return _show_again(request, page, step)
    told = bool(saved) or "save" in request.POST
    if saved:
        messages.success(request, _saved_message(saved))
    elif told:
        messages.info(request, _("Aucune modification à enregistrer."))
    if SAVE_AND_REVIEW in request.POST:
        return redirect("assessments:review", pk=assessment.pk)
    next_step = page.next_step(step) if SAVE_AND_CONTINUE in request.POST else None
    # The confirmation is where the eye goes: the page opens on the message, else on the step.
    anchor = "messages" if told else f"step-{(next_step or step).code}"
    return redirect(_step_url(assessment, next_step or step) + f"#{anchor}")


def _saved_message(count: int) -> str:
    return ngettext("%(count)d réponse enregistrée.", "%(count)d réponses enregistrées.", count) % {
        "count": count
    }


def _rebound(request: HttpRequest, page: FormPage, step: Step) -> StepForm:
    """The typed values again, against the answers and version now stored."""
    data = request.POST.copy()
    fresh = StepForm(page=page, step=step)
    data["version"] = str(page.assessment.version)
    data["baseline"] = fresh.baseline_json()
    form = StepForm(data, page=page, step=step)
    form.is_valid()
    return form


def _show_again(request: HttpRequest, page: FormPage, step: Step) -> HttpResponse:
    page = FormPage(assessment_for(request, page.assessment.pk), request.user)
    step = page.step(step.code)
    return _render(request, page, step, _rebound(request, page, step))


def _show_locked(request: HttpRequest, assessment: Assessment, step: Step) -> HttpResponse:
    """Submitted in the meantime: nothing is saved, and what was typed is listed, not lost."""
    as_draft = FormPage(assessment, request.user, as_draft=True)
    typed_step = as_draft.step(step.code)
    if typed_step is None or not typed_step.editable_items:
        raise PermissionDenied
    typed = StepForm(request.POST, page=as_draft, step=typed_step)
    typed.is_valid()
    unsaved = [
        (as_draft.items[code].requirement, as_draft.items[code].input.display(value))
        for code, value in typed.changed_answers().items()
    ]
    page = FormPage(assessment, request.user)
    step = page.step(step.code)
    form = StepForm(page=page, step=step)
    return _render(request, page, step, form, unsaved=unsaved, status=409)


def _show_conflicts(
    request: HttpRequest, page: FormPage, step: Step, form: StepForm, conflicts: list[str]
) -> HttpResponse:
    form = _rebound(request, page, step)
    form.add_conflicts(conflicts)
    return _render(request, page, step, form, stale=True, status=409)


def _render(
    request: HttpRequest,
    page: FormPage,
    step: Step | None,
    form: StepForm | None,
    *,
    stale: bool = False,
    nothing_saved: bool = False,
    unsaved: list | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is not None and form.is_bound and (form.errors or stale):
        form.helper.attrs["data-care-unsaved"] = ""
    context = {
        "page": page,
        "assessment": page.assessment,
        "step": step,
        "next_step": page.next_step(step) if step else None,
        "previous_step": page.steps[step.number - 2] if step and step.number > 1 else None,
        "form": form,
        "stale": stale,
        "nothing_saved": nothing_saved or stale,
        "unsaved": unsaved,
        "returned": pending_comment(page.assessment),
        **carry_over_context(request, page.assessment, page=page),
        "page_title": _("Auto-évaluation %(year)s — %(name)s")
        % {
            "year": page.assessment.campaign.year,
            "name": page.assessment.establishment.display_name,
        },
    }
    return render(request, "assessments/form.html", context, status=status)

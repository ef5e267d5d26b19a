"""The ARS's page of an assessment: the items it records for the establishment (the CPOM, 2-2).

Only the ARS of the establishment's region opens it (403 for every other person in scope, 404
outside the scope); each write is in the audit log, and the establishment's form shows the value
read-only with who recorded it and when.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.answers import AnswersRejected, AssessmentLocked, StaleVersion, save_answers
from assessments.form_page import FormPage
from assessments.forms import ArsAnswersForm
from assessments.views.scoped import assessment_for


@require_http_methods(["GET", "POST"])
def ars_answers(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    if not request.user.has_perm("assessments.record_ars_answers", assessment):
        raise PermissionDenied
    page = FormPage(assessment, request.user, ars=True)
    step = page.ars_step()
    if request.method == "GET" or step is None:
        form = ArsAnswersForm(page=page, step=step) if step else None
        return _render(request, page, form)
    form = ArsAnswersForm(request.POST, page=page, step=step)
    if not form.is_valid():
        return _render(request, page, form, status=400)
    changed = form.changed_answers()
    if not changed:
        messages.info(request, _("Aucune modification à enregistrer."))
        return redirect(reverse("assessments:ars_answers", args=[assessment.pk]))
    try:
        save_answers(
            assessment=assessment,
            answers=changed,
            expected_version=form.posted_version(),
            user=request.user,
        )
    except StaleVersion:
        page = FormPage(assessment_for(request, pk), request.user, ars=True)
        form = ArsAnswersForm(request.POST, page=page, step=page.ars_step())
        form.is_valid()
        form.add_error(
            None,
            _(
                "Quelqu'un a enregistré cette auto-évaluation entre-temps : rien n'a été "
                "enregistré. Vérifiez puis enregistrez à nouveau."
            ),
        )
        form.data = form.data.copy()
        form.data["version"] = str(page.assessment.version)
        return _render(request, page, form, status=409)
    except (AnswersRejected, AssessmentLocked) as refused:
        errors = refused.errors if isinstance(refused, AnswersRejected) else {}
        form.add_rejections(errors)
        return _render(request, page, form, status=400)
    messages.success(request, _("Renseigné pour l'établissement. L'opération est journalisée."))
    return redirect(reverse("assessments:ars_answers", args=[assessment.pk]))


def _render(request, page: FormPage, form, *, status: int = 200) -> HttpResponse:
    assessment = page.assessment
    return render(
        request,
        "assessments/ars_answers.html",
        {
            "page": page,
            "assessment": assessment,
            "form": form,
            "page_title": _("Renseigné par l'ARS — %(name)s")
            % {"name": assessment.establishment.display_name},
        },
        status=status,
    )

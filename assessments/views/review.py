"""« Vérifier et transmettre »: the review of an assessment, then the confirmed submission."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.review import Review, review
from assessments.views.mine import progress_of
from assessments.views.scoped import assessment_for, form_url
from assessments.workflow import SubmissionIncomplete, submit

CONFIRM = "confirm"


def answer_checks(assessment, checked: Review) -> dict:
    """The N/A answers with their reason and the contradictions, with links to the form."""
    return {
        "not_applicable": [
            {"item": item, "url": form_url(assessment, item.step, item.code)}
            for item in checked.not_applicable
        ],
        "contradictions": [
            {
                "line": line,
                "links": [
                    (code, label, form_url(assessment, step, code))
                    for code, label, step in line.requirements
                ],
            }
            for line in checked.contradictions
        ],
        "has_consistency_rules": bool(assessment.campaign.referential.consistency_rules),
    }


@require_http_methods(["GET", "POST"])
def assessment_review(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    may_submit = request.user.has_perm("assessments.submit", assessment)
    error = ""
    status = 200
    if request.method == "POST":
        if not may_submit:
            raise PermissionDenied(_("Seul le RSSI de l'établissement transmet l'auto-évaluation."))
        if request.POST.get(CONFIRM) != "1":
            error = _("Cochez la case pour confirmer la transmission : rien n’a été transmis.")
            status = 400
        else:
            try:
                submit(assessment=assessment, user=request.user, request=request)
            except SubmissionIncomplete as refused:
                error, status = refused.message, 400
            else:
                messages.success(
                    request,
                    _("L'auto-évaluation a été transmise à la direction."),
                )
                return redirect("assessments:status", pk=assessment.pk)
    checked = review(assessment)
    return render(
        request,
        "assessments/review.html",
        {
            "page_title": _("Vérifier et transmettre — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "review": checked,
            "missing": [
                {"item": item, "url": form_url(assessment, item.step, item.code)}
                for item in checked.missing
            ],
            **answer_checks(assessment, checked),
            "progress": progress_of(assessment),
            "may_submit": may_submit and assessment.is_editable,
            "error": error,
        },
        status=status,
    )

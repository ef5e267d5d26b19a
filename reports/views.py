"""The PDF gap report of an assessment, for anyone who may see the assessment."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.models import Assessment
from audit.models import Action
from audit.services import record_event
from reports.content import build_report
from reports.pdf import REPORT_RELATED, report_filename
from reports.stored import report_pdf_bytes


@login_required
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF download; 404 for an assessment outside the person's scope.

    A transmitted assessment's report comes from the storage while still current."""
    assessment = get_object_or_404(
        Assessment.objects.for_user(request.user).select_related(*REPORT_RELATED), pk=pk
    )
    response = HttpResponse(report_pdf_bytes(assessment), content_type="application/pdf")
    record_event(
        actor=request.user,
        action=Action.EXPORT,
        establishment=assessment.establishment,
        request=request,
        detail={"format": "pdf", "report": "gaps", "year": assessment.campaign.year},
    )
    response["Content-Disposition"] = f'attachment; filename="{report_filename(assessment)}"'
    # The report holds an establishment's weaknesses: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the PDF says, on screen: the summary, the gaps and their actions, the contradictions;
    built from the same content as the PDF, for the director to read before validating."""
    assessment = get_object_or_404(
        Assessment.objects.for_user(request.user).select_related(*REPORT_RELATED), pk=pk
    )
    report = build_report(assessment)
    return render(
        request,
        "reports/preview.html",
        {
            "page_title": _("Rapport à l'écran — %(name)s")
            % {"name": assessment.establishment.name},
            "assessment": assessment,
            "report": report,
        },
    )

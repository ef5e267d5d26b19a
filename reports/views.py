"""The PDF gap report of an assessment and the declaration pack of a candidacy, in scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.models import Assessment
from audit.models import Action
from audit.services import record_event
from funding.models import Candidacy
from reports.content import build_report
from reports.declaration import PackError, build_pack, pack_filename
from reports.pdf import REPORT_RELATED, report_filename
from reports.stored import report_pdf_bytes


@login_required
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF download; 404 for an assessment outside the person's scope.

    A transmitted assessment's report comes from the storage while still current."""
    # The stored file is found from the assessment and its campaign; what else the report
    # shows is read only if it must be rendered.
    assessment = get_object_or_404(
        Assessment.objects.for_user(request.user).select_related("establishment", "campaign"),
        pk=pk,
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
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "report": report,
        },
    )


@login_required
@require_GET
def declaration_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidacy's declaration pack (ZIP); 404 outside the person's scope."""
    candidacy = get_object_or_404(
        Candidacy.objects.for_user(request.user).select_related(
            "call__referential", "establishment", "ght", "region"
        ),
        pk=pk,
    )
    try:
        pack = build_pack(candidacy)
    except PackError as error:
        messages.error(request, error.message)
        return redirect("funding:candidacy", pk=candidacy.pk)
    record_event(
        actor=request.user,
        action=Action.EXPORT,
        establishment=candidacy.establishment,
        request=request,
        detail={"format": "zip", "report": "declaration", "call": candidacy.call.code},
    )
    response = FileResponse(
        pack, as_attachment=True, filename=pack_filename(candidacy), content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response

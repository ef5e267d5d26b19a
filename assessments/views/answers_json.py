"""Export and import of one assessment's answers as a JSON file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from assessments.answers_json import (
    ImportRejected,
    export_filename,
    export_json,
    import_answers,
)
from assessments.views.scoped import assessment_for, form_url
from assessments.workflow_forms import ImportForm
from audit.models import Action as AuditAction
from audit.services import record_event


@require_GET
def export(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    response = HttpResponse(export_json(assessment), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(assessment)}"'
    response["X-Content-Type-Options"] = "nosniff"
    record_event(
        actor=request.user,
        action=AuditAction.EXPORT,
        establishment=assessment.establishment,
        request=request,
        detail={"assessment": assessment.pk, "format": "json"},
    )
    return response


def _may_import(user, assessment) -> bool:
    return user.has_perm("assessments.edit_answers", assessment) or user.has_perm(
        "assessments.edit_ght_answers", assessment
    )


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    may_import = _may_import(request.user, assessment)
    errors: list[str] = []
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = import_answers(
                    assessment=assessment,
                    raw=form.cleaned_data["file"],
                    user=request.user,
                    expected_version=form.cleaned_data["version"],
                    request=request,
                )
            except ImportRejected as rejected:
                errors = rejected.messages
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d réponse importée.",
                        "%(count)d réponses importées.",
                        result.imported,
                    )
                    % {"count": result.imported},
                )
                return redirect(form_url(assessment))
    else:
        form = ImportForm(initial={"version": assessment.version})
    return render(
        request,
        "assessments/answers_json.html",
        {
            "page_title": _("Export et import des réponses — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "form": form,
            "may_import": may_import,
            "import_errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )

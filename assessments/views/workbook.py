"""The assessment as an XLSX workbook: download, upload with a preview, then confirm."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.views.scoped import assessment_for, form_url
from assessments.workbook import (
    MAX_UPLOAD_BYTES,
    WorkbookRejected,
    build_workbook,
    confirm_workbook,
    preview_workbook,
    workbook_filename,
)
from assessments.workflow_forms import PortalForm, _upload_widget
from audit.models import Action as AuditAction
from audit.services import record_event

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WorkbookForm(PortalForm):
    file = forms.FileField(
        label=gettext_lazy("Classeur de réponses (.xlsx)"),
        help_text=gettext_lazy(
            "Le classeur téléchargé depuis cette page, rempli (format XLSX, 2 Mo au plus)."
        ),
        widget=_upload_widget(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = f".xlsx,{XLSX_TYPE}"


def _may_upload(user, assessment) -> bool:
    return user.has_perm("assessments.edit_answers", assessment) or user.has_perm(
        "assessments.edit_ght_answers", assessment
    )


def _page(request, assessment, *, form=None, errors=(), preview=None, status=200):
    return render(
        request,
        "assessments/workbook.html",
        {
            "page_title": _("Classeur Excel — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "form": form or WorkbookForm(),
            "may_upload": _may_upload(request.user, assessment),
            "errors": list(errors),
            "preview": preview,
            "max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=status,
    )


@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    response = HttpResponse(build_workbook(assessment, request.user), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{workbook_filename(assessment)}"'
    response["X-Content-Type-Options"] = "nosniff"
    record_event(
        actor=request.user,
        action=AuditAction.EXPORT,
        establishment=assessment.establishment,
        request=request,
        detail={"assessment": assessment.pk, "format": "xlsx"},
    )
    return response


@require_http_methods(["GET", "POST"])
def workbook(request: HttpRequest, pk: int) -> HttpResponse:
    """The page; a workbook sent here is checked and previewed, nothing is saved yet."""
    assessment = assessment_for(request, pk)
    if request.method == "GET":
        return _page(request, assessment)
    if not _may_upload(request.user, assessment):
        raise PermissionDenied
    form = WorkbookForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, assessment, form=form, status=400)
    try:
        preview = preview_workbook(
            assessment=assessment, upload=form.cleaned_data["file"], user=request.user
        )
    except WorkbookRejected as rejected:
        return _page(request, assessment, form=form, errors=rejected.messages, status=400)
    return _page(request, assessment, preview=preview)


@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    if not _may_upload(request.user, assessment):
        raise PermissionDenied
    try:
        count = confirm_workbook(
            assessment=assessment,
            token=request.POST.get("preview", ""),
            user=request.user,
            request=request,
        )
    except WorkbookRejected as rejected:
        return _page(request, assessment, errors=rejected.messages, status=400)
    messages.success(
        request,
        ngettext(
            "%(count)d réponse importée depuis le classeur.",
            "%(count)d réponses importées depuis le classeur.",
            count,
        )
        % {"count": count},
    )
    return redirect(form_url(assessment))

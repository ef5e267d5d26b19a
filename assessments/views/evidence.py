"""Evidence pages: the assessment's evidence, one requirement's evidence, download, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import evidence as services
from assessments.models import Assessment, Evidence
from assessments.scoring.service import kinds_of
from assessments.views.scoped import assessment_for, form_url
from assessments.workflow_forms import EvidenceFileForm, EvidenceLinkForm, EvidenceNoteForm
from care_portal.stored_files import DamagedFile, damaged_file_response, open_verified
from referential.models import Requirement

FORMS = {
    "file": EvidenceFileForm,
    "link": EvidenceLinkForm,
    "note": EvidenceNoteForm,
}


def _requirement_for(assessment: Assessment, code: str) -> Requirement:
    """A requirement of the assessment's referential that this establishment is asked."""
    requirement = get_object_or_404(
        Requirement.objects.select_related("objective__axis"),
        referential_id=assessment.campaign.referential_id,
        code=code,
    )
    establishment = assessment.establishment
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    if not set(requirement.applies_to) & kinds:
        raise Http404
    return requirement


@require_http_methods(["GET"])
def evidence_list(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    code = request.GET.get("code")
    if code:
        requirement = _requirement_for(assessment, code)
        return redirect("assessments:requirement_evidence", pk=assessment.pk, code=requirement.code)
    items = (
        Evidence.objects.filter(assessment=assessment)
        .select_related("requirement__objective__axis", "created_by")
        .order_by("requirement__order", "created_at", "pk")
    )
    groups: list[dict] = []
    for item in items:
        if not groups or groups[-1]["requirement"].pk != item.requirement_id:
            requirement = item.requirement
            groups.append(
                {
                    "requirement": requirement,
                    "items": [],
                    "form_url": form_url(
                        assessment, requirement.objective.axis.code, requirement.code
                    ),
                }
            )
        groups[-1]["items"].append(item)
    establishment = assessment.establishment
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    requirements = [
        r
        for r in Requirement.objects.filter(
            referential_id=assessment.campaign.referential_id
        ).order_by("order", "pk")
        if set(r.applies_to) & kinds
    ]
    return render(
        request,
        "assessments/evidence_list.html",
        {
            "page_title": _("Preuves — %(name)s") % {"name": establishment.display_name},
            "assessment": assessment,
            "groups": groups,
            "requirements": requirements,
            "count": len(items),
        },
    )


def _render_requirement(request, assessment, requirement, forms=None, status=200):
    formats_text = services.accepted_formats_text()
    forms = forms or {}
    return render(
        request,
        "assessments/evidence_requirement.html",
        {
            "page_title": _("Preuves de l'exigence %(code)s") % {"code": requirement.code},
            "assessment": assessment,
            "requirement": requirement,
            "items": Evidence.objects.filter(assessment=assessment, requirement=requirement)
            .select_related("created_by")
            .order_by("created_at", "pk"),
            "may_manage": services.may_manage(
                user=request.user, assessment=assessment, requirement=requirement
            ),
            "file_form": forms.get("file") or EvidenceFileForm(formats_text=formats_text),
            "link_form": forms.get("link") or EvidenceLinkForm(),
            "note_form": forms.get("note") or EvidenceNoteForm(),
            "form_url": form_url(assessment, requirement.objective.axis.code, requirement.code),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def requirement_evidence(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = assessment_for(request, pk)
    requirement = _requirement_for(assessment, code)
    if request.method == "GET":
        return _render_requirement(request, assessment, requirement)
    kind = request.POST.get("kind")
    if kind not in FORMS:
        raise Http404
    form_class = FORMS[kind]
    extra = {"formats_text": services.accepted_formats_text()} if kind == "file" else {}
    form = form_class(request.POST, request.FILES, **extra)
    if form.is_valid():
        data = form.cleaned_data
        common = {"assessment": assessment, "requirement": requirement, "user": request.user}
        try:
            if kind == "file":
                item = services.add_file(
                    upload=data["file"], title=data["title"], request=request, **common
                )
                done = _("Fichier « %(name)s » ajouté.") % {"name": item.display_title}
            elif kind == "link":
                services.add_link(url=data["url"], note=data["note"], **common)
                done = _("Lien ajouté.")
            else:
                services.add_note(note=data["note"], **common)
                done = _("Note ajoutée.")
        except ValidationError as error:
            form.add_error(next(iter(form.fields)), error)
        else:
            messages.success(request, done)
            return redirect("assessments:requirement_evidence", pk=assessment.pk, code=code)
    return _render_requirement(request, assessment, requirement, forms={kind: form}, status=400)


def _evidence_for(request: HttpRequest, pk: int, evidence_id: int) -> Evidence:
    """A piece of evidence of an assessment in the person's scope; 404 otherwise."""
    return get_object_or_404(
        Evidence.objects.for_user(request.user).select_related(
            "assessment__establishment__ght", "assessment__campaign", "requirement"
        ),
        pk=evidence_id,
        assessment_id=pk,
    )


@require_http_methods(["GET"])
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    evidence = _evidence_for(request, pk, evidence_id)
    if evidence.kind != Evidence.Kind.FILE or not evidence.file:
        raise Http404
    try:
        handle = open_verified(evidence.file, evidence.sha256)
    except FileNotFoundError:
        raise Http404 from None
    except DamagedFile:
        return damaged_file_response(request)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=services.download_name(evidence),
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def evidence_delete(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    evidence = _evidence_for(request, pk, evidence_id)
    code = evidence.requirement.code
    services.delete_evidence(evidence=evidence, user=request.user, request=request)
    messages.success(request, _("Preuve supprimée."))
    return redirect("assessments:requirement_evidence", pk=pk, code=code)

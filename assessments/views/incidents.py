"""The incidents the establishment reported, and the reopening each proposes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.incidents import (
    Reopening,
    affectable_requirements,
    decide_reopening,
    record_incident,
    reopen_for_incident,
)
from assessments.models import Answer, ReportedIncident
from assessments.views.scoped import assessment_for, form_url
from assessments.workflow_forms import ReportedIncidentForm


@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    may_record = request.user.has_perm("assessments.record_incident", assessment)
    requirements = list(affectable_requirements(assessment))
    form = ReportedIncidentForm(
        request.POST if request.method == "POST" else None, requirements=requirements
    )
    status = 200
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied(_("Seul le RSSI de l'établissement enregistre un incident."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = record_incident(
                    assessment=assessment,
                    user=request.user,
                    reported_on=data["reported_on"],
                    reference=data["reference"],
                    degraded_care=data["degraded_care"],
                    description=data["description"],
                    affected_codes=data["affected"],
                    request=request,
                )
            except ValidationError as error:
                for field, field_errors in error.message_dict.items():
                    for message in field_errors:
                        form.add_error(field, message)
            else:
                messages.success(request, _("Incident enregistré."))
                if incident.reopening == Reopening.PROPOSED:
                    return redirect(
                        "assessments:incident", pk=assessment.pk, incident_id=incident.pk
                    )
                return redirect("assessments:incidents", pk=assessment.pk)
        status = 400
    return render(
        request,
        "assessments/incidents.html",
        {
            "page_title": _("Incidents signalés — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "incidents": ReportedIncident.objects.filter(
                establishment_id=assessment.establishment_id
            ).select_related("created_by"),
            "form": form,
            "may_record": may_record,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def incident(request: HttpRequest, pk: int, incident_id: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    found = get_object_or_404(
        ReportedIncident.objects.for_user(request.user).select_related(
            "created_by", "reopening_by"
        ),
        pk=incident_id,
        assessment=assessment,
    )
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision in ("confirm", "decline"):
                decide_reopening(
                    incident=found,
                    user=request.user,
                    confirm=decision == "confirm",
                    request=request,
                )
            elif decision == "reopen":
                reopen_for_incident(incident=found, user=request.user, request=request)
            else:
                messages.error(request, _("Décision inconnue : rien n'a été enregistré."))
                return redirect("assessments:incident", pk=pk, incident_id=found.pk)
        except PermissionDenied as refused:
            messages.error(request, str(refused))
            return redirect("assessments:incident", pk=pk, incident_id=found.pk)
        messages.success(request, _("Décision enregistrée."))
        return redirect("assessments:incident", pk=pk, incident_id=found.pk)
    affected = list(found.affected.select_related("objective__axis").order_by("code"))
    answers = {
        a.requirement_id: a
        for a in Answer.objects.filter(assessment=assessment, requirement__in=affected)
    }
    rows = [
        {
            "requirement": requirement,
            "answer": answers.get(requirement.pk),
            "url": form_url(assessment, requirement.objective.axis.code, requirement.code),
        }
        for requirement in affected
    ]
    return render(
        request,
        "assessments/incident.html",
        {
            "page_title": _("Incident %(ref)s") % {"ref": found.reference},
            "assessment": assessment,
            "incident": found,
            "rows": rows,
            "may_decide": found.reopening == Reopening.PROPOSED
            and request.user.has_perm("assessments.record_incident", assessment),
            "may_reopen": found.reopening == Reopening.REQUESTED
            and request.user.has_perm("assessments.reopen", assessment),
        },
    )

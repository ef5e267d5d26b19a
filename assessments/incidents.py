"""Incidents reported to the national portal, and the reopening of the answers they affect.

The RSSI records an incident the establishment reported (date, reference, whether care ran in
degraded mode, what happened, the requirements it puts in question). When it names requirements,
it proposes reopening their answers; the RSSI confirms or sets the proposal aside:

- on an assessment still editable (draft, reopened), confirming is all it takes: the answers are
  open, the incident page lists them to revisit;
- on a submitted or validated assessment, the RSSI may not reopen (``assessments.workflow``):
  confirming asks the ARS, which reopens through the workflow's own ``reopen`` (its rules, its
  comment, its transition and audit event), from the incident page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, ReportedIncident
from assessments.workflow import reopen
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import User
from referential.models import Requirement

Reopening = ReportedIncident.Reopening
REFERENCE_MAX_LENGTH = 40
DESCRIPTION_MAX_LENGTH = 1000


def affectable_requirements(assessment: Assessment):
    """The requirements an incident may name: those of the assessment's referential version."""
    return Requirement.objects.filter(referential_id=assessment.campaign.referential_id).order_by(
        "code"
    )


@transaction.atomic
def record_incident(
    *,
    assessment: Assessment,
    user: User,
    reported_on: date,
    reference: str,
    degraded_care: bool,
    description: str,
    affected_codes: Iterable[str] = (),
    request=None,
) -> ReportedIncident:
    """Record one reported incident of the assessment's establishment (its RSSI only).

    Raises PermissionDenied, or ValidationError with French messages per field (nothing written).
    """
    if not user.has_perm("assessments.record_incident", assessment):
        raise PermissionDenied(_("Seul le RSSI de l'établissement enregistre un incident."))
    errors: dict[str, list[str]] = {}
    reference = (reference or "").strip()
    description = (description or "").strip()
    if not reference:
        errors.setdefault("reference", []).append(
            _("Indiquez la référence donnée par le portail de signalement.")
        )
    elif len(reference) > REFERENCE_MAX_LENGTH:
        errors.setdefault("reference", []).append(
            _("La référence dépasse %(max)d caractères.") % {"max": REFERENCE_MAX_LENGTH}
        )
    elif ReportedIncident.objects.filter(
        establishment_id=assessment.establishment_id, reference__iexact=reference
    ).exists():
        errors.setdefault("reference", []).append(
            _("Un incident de référence « %(ref)s » est déjà enregistré pour cet établissement.")
            % {"ref": reference}
        )
    if reported_on > timezone.localdate():
        errors.setdefault("reported_on", []).append(
            _("La date du signalement ne peut pas être dans le futur.")
        )
    if not description:
        errors.setdefault("description", []).append(_("Décrivez brièvement l'incident."))
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors.setdefault("description", []).append(
            _("La description dépasse %(max)d caractères.") % {"max": DESCRIPTION_MAX_LENGTH}
        )
    codes = sorted({code.strip() for code in affected_codes if code.strip()})
    requirements = list(affectable_requirements(assessment).filter(code__in=codes))
    unknown = sorted(set(codes) - {r.code for r in requirements})
    if unknown:
        errors.setdefault("affected", []).append(
            _("Exigences inconnues de ce référentiel : %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    if errors:
        raise ValidationError(errors)
    incident = ReportedIncident.objects.create(
        establishment_id=assessment.establishment_id,
        assessment=assessment,
        reported_on=reported_on,
        reference=reference,
        degraded_care=degraded_care,
        description=description,
        reopening=Reopening.PROPOSED if requirements else Reopening.NONE,
        created_by=user,
    )
    incident.affected.set(requirements)
    record_event(
        actor=user,
        action=AuditAction.INCIDENT_REPORT,
        establishment=assessment.establishment,
        request=request,
        target=reference,
        detail={
            "assessment": assessment.pk,
            "reported_on": reported_on.isoformat(),
            "degraded_care": degraded_care,
            "affected": [r.code for r in requirements],
        },
    )
    return incident


def _locked(incident: ReportedIncident) -> ReportedIncident:
    return (
        ReportedIncident.objects.select_for_update(of=("self",))
        .select_related("assessment__establishment", "assessment__campaign")
        .get(pk=incident.pk)
    )


def _decided(incident: ReportedIncident, state: str, user: User, request) -> ReportedIncident:
    incident.reopening = state
    incident.reopening_by = user
    incident.reopening_at = timezone.now()
    incident.save(update_fields=["reopening", "reopening_by", "reopening_at"])
    record_event(
        actor=user,
        action=AuditAction.INCIDENT_REOPEN,
        establishment=incident.assessment.establishment,
        request=request,
        target=incident.reference,
        detail={"assessment": incident.assessment_id, "reopening": state},
    )
    return incident


@transaction.atomic
def decide_reopening(
    *, incident: ReportedIncident, user: User, confirm: bool, request=None
) -> ReportedIncident:
    """The RSSI confirms the proposal (or sets it aside); see the module's docstring."""
    locked = _locked(incident)
    if locked.assessment is None or not user.has_perm(
        "assessments.record_incident", locked.assessment
    ):
        raise PermissionDenied(_("Seul le RSSI de l'établissement confirme la réouverture."))
    if locked.reopening != Reopening.PROPOSED:
        raise PermissionDenied(
            _("Cette proposition a déjà été traitée (« %(state)s »).")
            % {"state": locked.get_reopening_display()}
        )
    if not confirm:
        state = Reopening.DECLINED
    elif locked.assessment.is_editable:
        state = Reopening.CONFIRMED
    else:
        state = Reopening.REQUESTED
    return _decided(locked, state, user, request)


def reopening_comment(incident: ReportedIncident) -> str:
    codes = ", ".join(incident.affected.order_by("code").values_list("code", flat=True))
    return _("Incident signalé %(ref)s du %(date)s : réponses à revoir (%(codes)s).") % {
        "ref": incident.reference,
        "date": incident.reported_on.strftime("%d/%m/%Y"),
        "codes": codes,
    }


@transaction.atomic
def reopen_for_incident(
    *, incident: ReportedIncident, user: User, request=None
) -> ReportedIncident:
    """The ARS grants the RSSI's request: the workflow reopens the assessment, by its rules."""
    locked = _locked(incident)
    if locked.reopening != Reopening.REQUESTED or locked.assessment is None:
        raise PermissionDenied(
            _("Aucune demande de réouverture n'est en attente pour cet incident.")
        )
    reopen(
        assessment=locked.assessment,
        user=user,
        comment=reopening_comment(locked),
        request=request,
    )
    return _decided(locked, Reopening.REOPENED, user, request)

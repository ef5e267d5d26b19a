"""Writing and sending the reminder e-mails that a run claimed (see `followup.reminders`).

The situation is checked again at sending time: a reminder whose reason has gone (the
assessment was submitted or validated, the gaps were closed) is not sent.
"""

from __future__ import annotations

from datetime import date

from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.model import RequirementStatus
from care_portal.formats import format_date
from followup.emails import assessment_url, build_email, greeting_name
from followup.models import ReminderKind, ReminderLog
from followup.reminders import NOT_SUBMITTED, own_gaps, submission_period
from referential.models import Requirement


def _greeting_name(person) -> str:
    return greeting_name(person)


def _campaign_closing(log: ReminderLog, today: date) -> EmailMultiAlternatives | None:
    assessment = log.assessment
    if assessment.status not in NOT_SUBMITTED:
        return None
    campaign = assessment.campaign
    establishment = assessment.establishment
    days_left = (campaign.closes_on - today).days
    subject = ngettext(
        "Campagne CaRE %(year)s : clôture dans %(days)s jour — %(name)s",
        "Campagne CaRE %(year)s : clôture dans %(days)s jours — %(name)s",
        days_left,
    ) % {"year": campaign.year, "days": days_left, "name": establishment.display_name}
    return build_email(
        to=[log.email],
        subject=subject,
        template="campaign_closing",
        context={
            "person_name": _greeting_name(log.person),
            "establishment": establishment,
            "campaign": campaign,
            "closes_on": format_date(campaign.closes_on, long=True),
            "days_left": days_left,
            "status": assessment.get_status_display(),
            "link": assessment_url(assessment.pk),
        },
    )


def _deadline(log: ReminderLog, today: date) -> EmailMultiAlternatives | None:
    assessment = log.assessment
    deadline = date.fromisoformat(log.period)
    establishment = assessment.establishment
    gap_status = own_gaps(
        assessment.snapshot_view,
        ght_level=compiled_referential(assessment.campaign.referential_id).ght_level_codes,
        is_support=establishment.is_ght_support,
    )
    requirements = Requirement.objects.filter(
        referential_id=assessment.campaign.referential_id,
        deadline=deadline,
        code__in=list(gap_status),
    ).order_by("order", "code")
    gaps = [
        {
            "code": requirement.code,
            "label": requirement.label,
            "status": str(RequirementStatus(gap_status[requirement.code]).label).lower(),
            "care_action": requirement.care_action,
            "recommendation": requirement.recommendation,
            "deadline_label": requirement.deadline_label,
        }
        for requirement in requirements
    ]
    if not gaps:
        return None
    subject = ngettext(
        "Échéance CaRE du %(date)s : %(count)s exigence à traiter — %(name)s",
        "Échéance CaRE du %(date)s : %(count)s exigences à traiter — %(name)s",
        len(gaps),
    ) % {"date": format_date(deadline), "count": len(gaps), "name": establishment.display_name}
    return build_email(
        to=[log.email],
        subject=subject,
        template="requirement_deadline",
        context={
            "person_name": _greeting_name(log.person),
            "establishment": establishment,
            "campaign": assessment.campaign,
            "deadline": format_date(deadline, long=True),
            "days_left": (deadline - today).days,
            "gaps": gaps,
            "link": assessment_url(assessment.pk),
        },
    )


def _awaiting_validation(log: ReminderLog, today: date) -> EmailMultiAlternatives | None:
    assessment = log.assessment
    if (
        assessment.status != Assessment.Status.SUBMITTED
        or submission_period(assessment) != log.period
    ):
        return None
    establishment = assessment.establishment
    submitted_at = timezone.localtime(assessment.submitted_at) if assessment.submitted_at else None
    return build_email(
        to=[log.email],
        subject=_("Auto-évaluation CaRE %(year)s de %(name)s : votre validation est attendue")
        % {"year": assessment.campaign.year, "name": establishment.display_name},
        template="awaiting_validation",
        context={
            "person_name": _greeting_name(log.person),
            "establishment": establishment,
            "campaign": assessment.campaign,
            "submitted_on": format_date(submitted_at, long=True) if submitted_at else "",
            "submitted_by": str(assessment.submitted_by) if assessment.submitted_by else "",
            "link": assessment_url(assessment.pk),
        },
    )


COMPOSERS = {
    ReminderKind.CAMPAIGN_CLOSING: _campaign_closing,
    ReminderKind.REQUIREMENT_DEADLINE: _deadline,
    ReminderKind.AWAITING_VALIDATION: _awaiting_validation,
}


def send_reminder_logs(log_ids: list[int], *, today: date | None = None) -> int:
    """Write and send the e-mails of these claimed reminders; returns how many were sent."""
    today = today or timezone.localdate()
    logs = ReminderLog.objects.filter(pk__in=log_ids, sent_at__isnull=True).select_related(
        "person",
        "assessment__campaign",
        "assessment__establishment__ght",
        "assessment__snapshot",
        "assessment__submitted_by",
    )
    outgoing: list[tuple[ReminderLog, EmailMultiAlternatives]] = []
    for log in logs:
        message = COMPOSERS[log.kind](log, today)
        if message is not None:
            outgoing.append((log, message))
    if not outgoing:
        return 0
    sent = 0
    with get_connection() as connection:
        for log, message in outgoing:
            # Marked one by one: if the mail server fails midway, a retry skips who got it.
            if connection.send_messages([message]):
                ReminderLog.objects.filter(pk=log.pk).update(sent_at=timezone.now())
                sent += 1
    return sent

"""Relaunches: who receives an ARS message, and sending it."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.mail import get_connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment
from care_portal.formats import format_date
from establishments.models import Establishment, Role, RoleAssignment
from followup.emails import absolute_url, assessment_url, build_email, greeting_name
from followup.models import Relaunch, RelaunchRecipient
from followup.notifications import relaunch_emails_off
from followup.selection import about_criteria


def rssi_recipients(establishments: QuerySet[Establishment]) -> Iterator[tuple[int, dict]]:
    """(establishment id, recipient fields) for each active RSSI of each establishment.

    An establishment with no RSSI yields one row without a person, so the relaunch history
    shows that nobody could be reached there.
    """
    people: dict[int, list[dict]] = {}
    rows = (
        RoleAssignment.objects.filter(
            role=Role.RSSI, establishment__in=establishments, user__is_active=True
        )
        .values_list("establishment_id", "user_id", "user__email")
        .order_by("establishment_id", "user__email")
        .distinct()
    )
    for establishment_id, user_id, email in rows:
        people.setdefault(establishment_id, []).append({"person_id": user_id, "email": email})
    for establishment_id in establishments.order_by("name").values_list("pk", flat=True):
        yield from (
            (establishment_id, person)
            for person in people.get(establishment_id, [{"person_id": None, "email": ""}])
        )


def latest_assessment_ids(establishment_ids: set[int]) -> dict[int, int]:
    """Establishment id -> the id of its assessment in the latest campaign it takes part in."""
    latest: dict[int, int] = {}
    rows = Assessment.objects.filter(establishment_id__in=establishment_ids).order_by(
        "establishment_id", "-campaign__year"
    )
    for establishment_id, assessment_id in rows.values_list("establishment_id", "pk"):
        latest.setdefault(establishment_id, assessment_id)
    return latest


def relaunch_signature(relaunch: Relaunch) -> list[str]:
    """The lines that sign a relaunch e-mail: the sender's name (when the account has one) and
    their ARS; none when the message already ends with them (the prefilled message does)."""
    lines = [
        line
        for line in (
            greeting_name(relaunch.sender),
            _("ARS %(region)s") % {"region": relaunch.region.name},
        )
        if line
    ]
    if relaunch.message.rstrip().endswith("\n".join(lines)):
        return []
    return lines


def deliver_relaunch(*, relaunch_id: int) -> int:
    """Send the relaunch to the recipients not written to yet; returns how many were sent."""
    relaunch = Relaunch.objects.select_related("region", "sender").get(pk=relaunch_id)
    pending = list(
        RelaunchRecipient.objects.filter(
            relaunch=relaunch, sent_at__isnull=True, person__isnull=False
        ).select_related("establishment", "person")
    )
    # Those who turned relaunch e-mails off still see the relaunch in the portal.
    off = relaunch_emails_off({recipient.person_id for recipient in pending})
    pending = [recipient for recipient in pending if recipient.person_id not in off]
    if not pending:
        return 0
    assessments = latest_assessment_ids({r.establishment_id for r in pending})
    # Said in every e-mail: which list it was sent from, and who at the ARS signs it.
    about = about_criteria(relaunch.region, relaunch.criteria)
    signature = relaunch_signature(relaunch)
    sent = 0
    with get_connection() as connection:
        for recipient in pending:
            establishment = recipient.establishment
            assessment_id = assessments.get(establishment.pk)
            link = (
                assessment_url(assessment_id)
                if assessment_id
                else absolute_url(reverse("establishments:detail", args=[establishment.finess]))
            )
            message = build_email(
                to=[recipient.email],
                subject=relaunch.subject,
                template="relaunch",
                context={
                    "person_name": greeting_name(recipient.person),
                    "establishment": establishment,
                    "relaunch": relaunch,
                    "sent_on": format_date(relaunch.created_at, long=True),
                    "about": about,
                    "signature": signature,
                    "link": link,
                },
            )
            # Marked one by one: if the mail server fails midway, a retry skips who got it.
            if connection.send_messages([message]):
                RelaunchRecipient.objects.filter(pk=recipient.pk).update(sent_at=timezone.now())
                sent += 1
    return sent

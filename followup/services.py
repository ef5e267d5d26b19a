"""Writes of the follow-up: running the reminders, sending a relaunch, asking for bulk reports.

The e-mails and the PDF rendering happen in background tasks (`followup.tasks`), enqueued in
the same transaction as the rows they read, so a worker never sees a task without its data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Campaign
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import Establishment, Region, User
from followup import reminders
from followup.bulk_reports import delete_file
from followup.models import BulkReport, Relaunch, RelaunchRecipient
from followup.notifications import notify_relaunch
from followup.relaunches import latest_assessment_ids, rssi_recipients
from followup.selection import about_criteria
from followup.tasks import build_bulk_report, send_relaunch, send_reminders

REMINDER_BATCH = 200
STALLED_AFTER = timedelta(hours=1)


@dataclass
class ReminderRun:
    """What a run of the reminders found: per kind, how many were due and how many were new."""

    due: Counter = field(default_factory=Counter)
    new: Counter = field(default_factory=Counter)
    retried: int = 0
    batches: int = 0


def run_reminders(*, today: date, dry_run: bool = False) -> ReminderRun:
    """Claim the reminders due on `today` that were never given, and enqueue their e-mails.

    Reminders claimed by an earlier run whose e-mail never went out (the mail server failed)
    are enqueued again, once they are an hour old.
    """
    due = reminders.due_reminders(today)
    given = reminders.already_given(due)
    run = ReminderRun()
    for reminder in due:
        run.due[reminder.kind] += 1
        if reminder.key not in given:
            run.new[reminder.kind] += 1
    if dry_run:
        return run
    with transaction.atomic():
        retried = reminders.stalled(given, before=timezone.now() - STALLED_AFTER)
        run.retried = len(retried)
        claimed = reminders.claim(due, given=given) + retried
        for start in range(0, len(claimed), REMINDER_BATCH):
            send_reminders.enqueue(claimed[start : start + REMINDER_BATCH], today.isoformat())
            run.batches += 1
    return run


def _selection_detail(region: Region, criteria: dict | None) -> dict:
    """How the establishments were chosen, for the audit log: the mode, the dashboard's filters as
    stored and, in words, the list they make (``about``)."""
    criteria = criteria or {}
    detail: dict = {"selection": criteria["mode"]} if criteria.get("mode") else {}
    if criteria.get("filters"):
        detail["filters"] = criteria["filters"]
    about = about_criteria(region, criteria)
    if about:
        detail["about"] = about
    return detail


@transaction.atomic
def create_relaunch(
    *,
    sender: User,
    region: Region,
    establishments: Iterable[Establishment],
    subject: str,
    message: str,
    criteria: dict | None = None,
) -> Relaunch:
    """Record a relaunch of these establishments' RSSIs and enqueue its e-mails.

    The caller passes establishments already limited to the sender's scope and to `region`;
    anything else is ignored here too.
    """
    chosen = Establishment.objects.for_user(sender).filter(
        region=region, pk__in=[e.pk for e in establishments]
    )
    relaunch = Relaunch.objects.create(
        region=region,
        sender=sender,
        sender_label=sender.email,
        subject=subject.strip(),
        message=message.strip(),
        criteria=criteria or {},
    )
    RelaunchRecipient.objects.bulk_create(
        RelaunchRecipient(relaunch=relaunch, establishment_id=establishment_id, **person)
        for establishment_id, person in rssi_recipients(chosen)
    )
    record_event(
        actor=sender,
        action=AuditAction.RELAUNCH,
        region=region,
        target=relaunch.subject,
        detail={
            "relaunch": relaunch.pk,
            "count": chosen.count(),
            **_selection_detail(region, criteria),
        },
    )
    notify_relaunch(
        relaunch=relaunch,
        assessment_ids=latest_assessment_ids(set(chosen.values_list("pk", flat=True))),
    )
    send_relaunch.enqueue(relaunch.pk)
    return relaunch


@transaction.atomic
def request_bulk_report(
    *,
    requester: User,
    region: Region,
    campaign: Campaign,
    establishments: Iterable[Establishment],
    criteria: dict | None = None,
) -> BulkReport:
    """Record a request for the PDF reports of a selection and enqueue their rendering."""
    chosen = Establishment.objects.for_user(requester).filter(
        region=region, pk__in=[e.pk for e in establishments]
    )
    now = timezone.now()
    bulk = BulkReport.objects.create(
        requester=requester,
        region=region,
        campaign=campaign,
        criteria=criteria or {},
        created_at=now,
        expires_at=now + timedelta(days=settings.CARE_BULK_REPORT_DAYS),
    )
    bulk.establishments.set(chosen)
    record_event(
        actor=requester,
        action=AuditAction.EXPORT,
        region=region,
        target=_("Rapports PDF groupés — %(region)s") % {"region": region.name},
        detail={
            "format": "zip",
            "report": "gaps",
            "year": campaign.year,
            "count": chosen.count(),
            **_selection_detail(region, criteria),
        },
    )
    build_bulk_report.enqueue(bulk.pk)
    return bulk


def purge_expired_bulk_reports(*, now: datetime | None = None) -> int:
    """Delete the files of expired bulk reports (the requests stay listed); returns how many."""
    now = now or timezone.now()
    expired = BulkReport.objects.filter(expires_at__lte=now).exclude(
        status=BulkReport.Status.EXPIRED
    )
    count = 0
    for bulk in expired:
        delete_file(bulk)
        bulk.status = BulkReport.Status.EXPIRED
        bulk.save(update_fields=["status", "file"])
        count += 1
    return count

"""Which periodic reminders are due on a given day, and claiming them so none is sent twice.

Three reminders, each given to a person at most once per period:

- campaign closing: the RSSIs of an establishment whose assessment is not submitted, when the
  campaign closes in 30 days, then again in 7 days (period "J-30", "J-7");
- requirement deadline: the RSSIs of an establishment whose assessment still shows gaps on
  requirements whose CaRE deadline falls within the next 30 days (period: that deadline; one
  e-mail lists every gap sharing it);
- awaiting validation: the directors of an establishment whose assessment was submitted and is
  not yet validated (period: the submission).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet

from assessments.models import Assessment, Campaign, ScoreSnapshot
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.snapshot import SnapshotView
from establishments.models import Role, RoleAssignment
from followup.models import ReminderKind, ReminderLog
from referential.models import Requirement

CAMPAIGN_THRESHOLDS = (30, 7)  # days before the campaign closes
DEADLINE_WINDOW_DAYS = 30  # days before a requirement's deadline
NOT_SUBMITTED = (Assessment.Status.DRAFT, Assessment.Status.REOPENED)


@dataclass(frozen=True)
class DueReminder:
    kind: str
    person_id: int
    email: str
    assessment_id: int
    period: str

    @property
    def key(self) -> tuple[int, str, int, str]:
        return (self.person_id, self.kind, self.assessment_id, self.period)


def open_campaigns(today: date) -> QuerySet[Campaign]:
    """Campaigns open on that day (no opening date means open; no closing date means open)."""
    return Campaign.objects.filter(
        Q(opens_on__isnull=True) | Q(opens_on__lte=today),
        Q(closes_on__isnull=True) | Q(closes_on__gte=today),
    ).select_related("referential")


def closing_period(closes_on: date, today: date) -> str | None:
    """The campaign-closing period `today` falls in ("J-30", "J-7"), or None outside them."""
    days_left = (closes_on - today).days
    if days_left < 0:
        return None
    crossed = [threshold for threshold in CAMPAIGN_THRESHOLDS if days_left <= threshold]
    return f"J-{min(crossed)}" if crossed else None


def _people(role: str, establishment_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Establishment id -> (user id, e-mail) of the active people holding `role` there."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.filter(
            role=role, establishment_id__in=list(establishment_ids), user__is_active=True
        )
        .values_list("establishment_id", "user_id", "user__email")
        .order_by("establishment_id", "user_id")
        .distinct()
    )
    for establishment_id, user_id, email in rows:
        found[establishment_id].append((user_id, email))
    return found


def _to_people(
    kind: str, role: str, periods: dict[int, list[str]], establishment_of: dict[int, int]
) -> list[DueReminder]:
    """One reminder per person holding `role` on each assessment's establishment, per period."""
    people = _people(role, set(establishment_of.values()))
    return [
        DueReminder(kind, user_id, email, assessment_id, period)
        for assessment_id, assessment_periods in periods.items()
        for period in assessment_periods
        for user_id, email in people.get(establishment_of[assessment_id], [])
    ]


def campaign_closing_reminders(today: date) -> list[DueReminder]:
    """RSSIs of establishments that have not submitted, as their campaign's closing nears."""
    periods: dict[int, list[str]] = {}
    establishment_of: dict[int, int] = {}
    for campaign in open_campaigns(today).filter(closes_on__isnull=False):
        period = closing_period(campaign.closes_on, today)
        if period is None:
            continue
        rows = Assessment.objects.filter(
            campaign=campaign, status__in=NOT_SUBMITTED, establishment__is_active=True
        ).values_list("pk", "establishment_id")
        for assessment_id, establishment_id in rows:
            periods[assessment_id] = [period]
            establishment_of[assessment_id] = establishment_id
    return _to_people(ReminderKind.CAMPAIGN_CLOSING, Role.RSSI, periods, establishment_of)


def own_gaps(stored: SnapshotView, *, ght_level: frozenset[str], is_support: bool) -> dict:
    """Requirement code -> status of the gaps in a snapshot that the establishment itself
    answers (GHT-level requirements belong to the GHT's support establishment)."""
    return {
        gap.requirement: gap.status
        for gap in stored.gaps
        if is_support or gap.requirement not in ght_level
    }


def deadline_reminders(today: date) -> list[DueReminder]:
    """RSSIs of establishments whose assessment shows gaps on requirements due within 30 days.

    Gaps are read from the score snapshot. GHT-level requirements are only the concern of the
    GHT's support establishment, which answers them.
    """
    until = today + timedelta(days=DEADLINE_WINDOW_DAYS)
    periods: dict[int, list[str]] = {}
    establishment_of: dict[int, int] = {}
    for campaign in open_campaigns(today):
        due = dict(
            Requirement.objects.filter(
                referential_id=campaign.referential_id, deadline__gte=today, deadline__lte=until
            ).values_list("code", "deadline")
        )
        if not due:
            continue
        ght_level = compiled_referential(campaign.referential_id).ght_level_codes
        rows = ScoreSnapshot.objects.filter(
            assessment__campaign=campaign, assessment__establishment__is_active=True
        ).values_list(
            "assessment_id",
            "assessment__establishment_id",
            "assessment__establishment__ght__support_establishment_id",
            "detail",
        )
        for assessment_id, establishment_id, support_id, detail in rows.iterator(chunk_size=500):
            gaps = own_gaps(
                SnapshotView.from_detail(detail),
                ght_level=ght_level,
                is_support=support_id == establishment_id,
            )
            deadlines = sorted({due[code].isoformat() for code in gaps if code in due})
            if deadlines:
                periods[assessment_id] = deadlines
                establishment_of[assessment_id] = establishment_id
    return _to_people(ReminderKind.REQUIREMENT_DEADLINE, Role.RSSI, periods, establishment_of)


def submission_period(assessment: Assessment) -> str:
    """One awaiting-validation reminder per submission: a new submission is a new period."""
    if assessment.submitted_at is None:
        return "submitted"
    return assessment.submitted_at.astimezone(UTC).isoformat()


def awaiting_validation_reminders(today: date) -> list[DueReminder]:
    """Directors of establishments whose submitted assessment waits for their validation."""
    periods: dict[int, list[str]] = {}
    establishment_of: dict[int, int] = {}
    submitted = Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, establishment__is_active=True
    ).only("pk", "establishment_id", "submitted_at")
    for assessment in submitted:
        periods[assessment.pk] = [submission_period(assessment)]
        establishment_of[assessment.pk] = assessment.establishment_id
    return _to_people(ReminderKind.AWAITING_VALIDATION, Role.DIRECTOR, periods, establishment_of)


def due_reminders(today: date) -> list[DueReminder]:
    """Every reminder the rules give for that day, sent before or not."""
    return [
        *campaign_closing_reminders(today),
        *deadline_reminders(today),
        *awaiting_validation_reminders(today),
    ]


def already_given(reminders: list[DueReminder]) -> dict[tuple[int, str, int, str], ReminderLog]:
    """The rows of those reminders that a previous run already claimed, by key."""
    keys = {r.key for r in reminders}
    found = {}
    kinds = {r.kind for r in reminders}
    assessment_ids = sorted({r.assessment_id for r in reminders})
    for start in range(0, len(assessment_ids), 500):
        rows = ReminderLog.objects.filter(
            kind__in=kinds, assessment_id__in=assessment_ids[start : start + 500]
        ).only("pk", "person_id", "kind", "assessment_id", "period", "created_at", "sent_at")
        for log in rows:
            key = (log.person_id, log.kind, log.assessment_id, log.period)
            if key in keys:
                found[key] = log
    return found


def stalled(given: dict[tuple, ReminderLog], *, before: datetime) -> list[int]:
    """Reminders claimed before `before`, still due, whose e-mail never went (a failed send)."""
    return sorted(
        log.pk for log in given.values() if log.sent_at is None and log.created_at < before
    )


def claim(reminders: list[DueReminder], *, given: dict | None = None) -> list[int]:
    """Record the reminders not given yet; returns the ids of the rows this run claimed.

    The unique key on (person, kind, assessment, period) decides: two runs at once cannot both
    claim the same reminder, and a re-run claims nothing already given.
    """
    done = already_given(reminders) if given is None else given
    run = uuid.uuid4()
    rows = [
        ReminderLog(
            person_id=r.person_id,
            kind=r.kind,
            assessment_id=r.assessment_id,
            period=r.period,
            email=r.email,
            run=run,
        )
        for r in reminders
        if r.key not in done
    ]
    with transaction.atomic():
        ReminderLog.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return list(ReminderLog.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))

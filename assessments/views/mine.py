"""« Mes auto-évaluations »: the assessments of the establishments a person is RSSI or director of."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Answer, Assessment
from assessments.specs import compiled_referential
from assessments.views.scoped import form_url, report_url
from referential.rules import NOT_APPLICABLE, NOT_APPLICABLE_VALUE, UNANSWERED


@dataclass(frozen=True)
class Progress:
    """Requirements answered among those asked ("not applicable" counts as an answer)."""

    answered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


def progress_from(statuses: dict[str, str], explicit_not_applicable: set[str]) -> Progress:
    """Progress from the scored statuses: a requirement "not applicable" because its condition
    does not hold is not asked; one answered "not applicable" is asked and answered."""
    answered = total = 0
    for code, status in statuses.items():
        if status == NOT_APPLICABLE and code not in explicit_not_applicable:
            continue
        total += 1
        if status != UNANSWERED:
            answered += 1
    return Progress(answered=answered, total=total)


def _explicit_not_applicable(assessments: list[Assessment]) -> dict[int, set[str]]:
    """Assessment id -> codes answered "not applicable", in one query."""
    found: dict[int, set[str]] = defaultdict(set)
    referential_of = {a.pk: a.campaign.referential_id for a in assessments}
    rows = Answer.objects.filter(
        assessment_id__in=list(referential_of), value=NOT_APPLICABLE_VALUE
    ).values_list("assessment_id", "requirement_id")
    for assessment_id, requirement_id in rows:
        code = compiled_referential(referential_of[assessment_id]).code_by_id.get(requirement_id)
        if code:
            found[assessment_id].add(code)
    return found


def _statuses(assessment: Assessment) -> dict[str, str]:
    snapshot = getattr(assessment, "snapshot", None)
    return (snapshot.detail or {}).get("statuses", {}) if snapshot else {}


def progress_of(assessment: Assessment) -> Progress:
    """The progress of one assessment, from its score snapshot."""
    explicit = _explicit_not_applicable([assessment]).get(assessment.pk, set())
    return progress_from(_statuses(assessment), explicit)


@dataclass(frozen=True)
class Deadlines:
    next: date | None
    overdue: int


def gap_deadlines(assessment: Assessment, today: date) -> Deadlines:
    """The nearest deadline still ahead among the gaps, and how many gaps are past theirs."""
    snapshot = getattr(assessment, "snapshot", None)
    gaps = (snapshot.detail or {}).get("gaps", []) if snapshot else []
    deadlines = [date.fromisoformat(gap["deadline"]) for gap in gaps if gap.get("deadline")]
    ahead = [deadline for deadline in deadlines if deadline >= today]
    return Deadlines(
        next=min(ahead) if ahead else None,
        overdue=sum(1 for deadline in deadlines if deadline < today),
    )


def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    establishment_ids = user.scope.establishment_ids
    assessments = list(
        Assessment.objects.for_user(user)
        .filter(establishment_id__in=establishment_ids)
        .select_related("establishment", "campaign", "snapshot")
        .order_by("-campaign__year", "establishment__name")
    )
    explicit = _explicit_not_applicable(assessments)
    today = timezone.localdate()
    rows = []
    for assessment in assessments:
        snapshot = getattr(assessment, "snapshot", None)
        rows.append(
            {
                "assessment": assessment,
                "progress": progress_from(
                    _statuses(assessment), explicit.get(assessment.pk, set())
                ),
                "score": snapshot.score_global if snapshot else None,
                "deadlines": gap_deadlines(assessment, today),
                "form_url": form_url(assessment),
                "report_url": report_url(assessment),
                "roles": sorted(
                    {
                        a.get_role_display()
                        for a in user.assignments
                        if a.establishment_id == assessment.establishment_id
                    }
                ),
            }
        )
    return render(
        request,
        "assessments/mine.html",
        {
            "page_title": _("Mes auto-évaluations"),
            "rows": rows,
            "has_role": bool(establishment_ids),
        },
    )

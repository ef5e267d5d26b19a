"""« Mes auto-évaluations »: the assessments of the establishments a person is RSSI or director of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment
from assessments.scoring.model import Progress
from assessments.views.scoped import form_url, report_url


def progress_of(assessment: Assessment) -> Progress:
    """The progress of one assessment, from its score snapshot."""
    return assessment.snapshot_view.progress


@dataclass(frozen=True)
class Deadlines:
    next: date | None
    overdue: int


def gap_deadlines(assessment: Assessment, today: date) -> Deadlines:
    """The nearest deadline still ahead among the gaps, and how many gaps are past theirs."""
    deadlines = [gap.deadline for gap in assessment.snapshot_view.gaps if gap.deadline]
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
    today = timezone.localdate()
    rows = []
    for assessment in assessments:
        stored = assessment.snapshot_view
        rows.append(
            {
                "assessment": assessment,
                "progress": stored.progress,
                "score": stored.score_global,
                # Version 2 on: the CaRE-targets score leads, the maturity score beside it.
                "two_scores": stored.two_scores,
                "score_care": stored.score_care,
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

"""How an assessment compares with the same establishment's previous campaign, for the PDF
report (its position among comparable establishments is decided in assessments.scoring.peers)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessments.models import Assessment
from assessments.scoring.model import AssessmentResult
from assessments.scoring.peers import COMPARED_STATUSES
from assessments.scoring.service import compute_result

Group = tuple[str, str, float | None]


@dataclass(frozen=True)
class TrendLine:
    label: str
    previous: float | None
    current: float | None

    @property
    def delta(self) -> float | None:
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous


@dataclass(frozen=True)
class Trend:
    year: int
    status_label: str
    lines: list[TrendLine]

    @property
    def basis(self) -> str:
        """The baseline is a submitted or validated assessment, never a draft."""
        return _("Comparé aux auto-évaluations transmises ou validées.")


def _previous(assessment: Assessment) -> Assessment | None:
    """The same establishment's latest assessment of an earlier campaign that was submitted or
    validated: a draft is never a baseline (its score only reflects what is still unanswered)."""
    earlier = Assessment.objects.filter(
        establishment_id=assessment.establishment_id,
        campaign__year__lt=assessment.campaign.year,
        status__in=COMPARED_STATUSES,
    )
    return earlier.select_related("campaign", "establishment").order_by("-campaign__year").first()


def previous_campaign_trend(
    assessment: Assessment,
    result: AssessmentResult,
    *,
    axes: list[Group],
    domains: list[Group],
) -> Trend | None:
    """The global, axis and domain scores against the previous campaign's (None without one).

    The previous assessment is scored afresh, against its own referential version; groups are
    matched by code. ``axes`` and ``domains`` are (code, label, current score).
    """
    previous = _previous(assessment)
    if previous is None:
        return None
    before = compute_result(previous)
    lines = []
    if result.sourced:
        lines.append(TrendLine(_("Score cibles CaRE"), before.score_care, result.score_care))
        lines.append(TrendLine(_("Score de maturité"), before.score_global, result.score_global))
    else:
        lines.append(TrendLine(_("Score global"), before.score_global, result.score_global))
    lines += [TrendLine(label, before.axes.get(code), score) for code, label, score in axes]
    lines += [TrendLine(label, before.domains.get(code), score) for code, label, score in domains]
    return Trend(
        year=previous.campaign.year,
        status_label=previous.get_status_display(),
        lines=lines,
    )

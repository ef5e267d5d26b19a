"""What the RSSI checks before submitting: what is missing, and what was declared not applicable.

Contradictory answers (a value typed and "not applicable" ticked) are refused when the step is
saved, so a stored assessment holds none; the review lists the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessments.models import Answer, Assessment
from assessments.scoring.compiled import compiled_referential
from assessments.workflow import MissingAnswer, missing_required_answers
from referential.rules import NOT_APPLICABLE


@dataclass(frozen=True)
class NotApplicable:
    code: str
    label: str
    step: str
    reason: str


@dataclass(frozen=True)
class Review:
    missing: list[MissingAnswer]
    not_applicable: list[NotApplicable]

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def unexplained(self) -> int:
        """ "Not applicable" answers given without a reason."""
        return sum(1 for item in self.not_applicable if not item.reason)


def review(assessment: Assessment) -> Review:
    compiled = compiled_referential(assessment.campaign.referential_id)
    statuses = assessment.snapshot_view.statuses
    na_codes = [code for code, status in statuses.items() if status == NOT_APPLICABLE]
    reasons = dict(
        Answer.objects.filter(assessment=assessment, requirement__code__in=na_codes).values_list(
            "requirement__code", "comment"
        )
    )
    return Review(
        missing=missing_required_answers(assessment),
        not_applicable=[
            NotApplicable(
                code=spec.code,
                label=spec.label,
                step=spec.axis,
                reason=(reasons.get(spec.code) or "").strip(),
            )
            for spec in compiled.specs
            if spec.code in reasons or statuses.get(spec.code) == NOT_APPLICABLE
        ],
    )

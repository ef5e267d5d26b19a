"""What the RSSI checks before submitting, and the director before validating: what is missing,
what was declared not applicable (with its reason), and which answers contradict each other.

A value typed with "not applicable" ticked is refused when the step is saved, so a stored
assessment holds none. Answers that contradict a consistency rule of the referential
(``assessments.consistency``) are listed here as warnings: they never block.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessments.consistency import Contradiction, assessment_contradictions
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
class ContradictionLine:
    """A contradiction as pages list it: the rule's message and the requirements concerned."""

    contradiction: Contradiction
    # (code, label, step) of each requirement concerned.
    requirements: list[tuple[str, str, str]]

    @property
    def code(self) -> str:
        return self.contradiction.code

    @property
    def message(self) -> str:
        return self.contradiction.message


@dataclass(frozen=True)
class Review:
    missing: list[MissingAnswer]
    not_applicable: list[NotApplicable]
    contradictions: list[ContradictionLine]

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
    reasons = {
        answer.requirement.code: answer.justification
        for answer in Answer.objects.filter(
            assessment=assessment, requirement__code__in=na_codes
        ).select_related("requirement")
    }
    return Review(
        contradictions=contradiction_lines(assessment, compiled),
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


def contradiction_lines(assessment: Assessment, compiled=None) -> list[ContradictionLine]:
    """The contradictions of the assessment's answers, with their requirements' labels."""
    if compiled is None:
        compiled = compiled_referential(assessment.campaign.referential_id)
    by_code = compiled.model.by_code
    return [
        ContradictionLine(
            contradiction=contradiction,
            requirements=[
                (code, by_code[code].label, by_code[code].axis)
                for code in contradiction.codes
                if code in by_code
            ],
        )
        for contradiction in assessment_contradictions(assessment)
    ]

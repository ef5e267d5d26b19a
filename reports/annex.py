"""The report's annex of answer checks: "not applicable" answers with their reason, and the
answers that contradict each other (the referential's consistency rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assessments.consistency import assessment_contradictions
from assessments.models import Answer, Assessment
from assessments.scoring.compiled import compiled_referential
from referential.rules import NOT_APPLICABLE_VALUE


@dataclass(frozen=True)
class AnnexLine:
    code: str
    label: str
    text: str  # the N/A reason, or the contradiction's message


@dataclass
class AnswerChecks:
    not_applicable: list[AnnexLine] = field(default_factory=list)
    # (message, [(code, label)]) of each contradiction.
    contradictions: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    has_rules: bool = False


def answer_checks(assessment: Assessment, answers: Mapping[str, Any]) -> AnswerChecks:
    """What the annex lists, from the answers the report is scored on."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    by_code = compiled.model.by_code
    na_codes = [code for code, value in answers.items() if value == NOT_APPLICABLE_VALUE]
    reasons = {
        answer.requirement.code: answer.justification
        for answer in Answer.objects.filter(
            assessment=assessment, requirement__code__in=na_codes
        ).select_related("requirement")
    }
    return AnswerChecks(
        not_applicable=[
            AnnexLine(spec.code, spec.label, reasons.get(spec.code, ""))
            for spec in compiled.specs
            if spec.code in na_codes
        ],
        contradictions=[
            (
                contradiction.message,
                [(code, by_code[code].label) for code in contradiction.codes if code in by_code],
            )
            for contradiction in assessment_contradictions(assessment, answers=answers)
        ],
        has_rules=bool(assessment.campaign.referential.consistency_rules),
    )

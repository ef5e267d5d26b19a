"""Contradictions between answers, as the referential's consistency rules define them.

A version may list pairs of answers that cannot both be true (its ``consistency`` section, e.g.
"bastion: yes" with "vendor-access inventory: no"). An assessment's answers contradict a rule
when both requirements are asked and each is answered one of the values the rule lists (typed:
``true`` is not ``1``). Contradictions warn the RSSI, the director and the ARS (the form, the
status, review and validation pages, the PDF annex); they never block a save or a submission.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from assessments.models import Assessment
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import answers_for_scoring, kinds_of
from referential.models import ReferentialVersion


@dataclass(frozen=True)
class Contradiction:
    """One consistency rule the answers break: its code, message and the two requirements."""

    code: str
    message: str
    codes: tuple[str, ...]

    def other_than(self, code: str) -> list[str]:
        return [other for other in self.codes if other != code]


def _matches(value: Any, values: Collection[Any]) -> bool:
    return any(value == listed and type(value) is type(listed) for listed in values)


def contradictions(
    referential: ReferentialVersion,
    answers: Mapping[str, Any],
    *,
    asked: Collection[str] | None = None,
) -> list[Contradiction]:
    """The version's consistency rules that ``answers`` {code: value} break, in the file's order.

    ``asked``: the codes asked of the establishment (a follow-up left hidden contradicts nothing);
    None: every code answered.
    """
    found = []
    for rule in referential.consistency_rules or ():
        conditions = rule.get("answers") or ()
        if conditions and all(
            condition["requirement"] in answers
            and (asked is None or condition["requirement"] in asked)
            and _matches(answers[condition["requirement"]], condition["in"])
            for condition in conditions
        ):
            found.append(
                Contradiction(
                    code=rule["code"],
                    message=rule["message"],
                    codes=tuple(condition["requirement"] for condition in conditions),
                )
            )
    return found


def assessment_contradictions(
    assessment: Assessment, *, answers: Mapping[str, Any] | None = None
) -> list[Contradiction]:
    """The contradictions of an assessment's answers (its own, its GHT's and its EJ's)."""
    referential = assessment.campaign.referential
    if not referential.consistency_rules:
        return []
    if answers is None:
        answers = answers_for_scoring(assessment)
    establishment = assessment.establishment
    model = compiled_referential(referential.pk).model
    asked = {
        spec.code
        for spec in model.asked(answers, kinds=kinds_of(establishment.kind, establishment.ght_id))
    }
    return contradictions(referential, answers, asked=asked)

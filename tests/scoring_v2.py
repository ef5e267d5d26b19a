"""Version-2 assessments for scoring tests: the real 2026 referential, answered by a rule."""

from __future__ import annotations

from typing import Any

from assessments.answers import save_answers
from assessments.models import Assessment
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.model import RequirementSpec
from assessments.scoring.service import kinds_of
from establishments.models import Role
from referential.loader import load_referential_file
from referential.models import ReferentialVersion
from tests.factories import AssessmentFactory, CampaignFactory, user_with_role

V2_FILE = "fixtures/referential/care-2026.yaml"


def v2_referential() -> ReferentialVersion:
    load_referential_file(V2_FILE)
    return ReferentialVersion.objects.get(code="CARE", version=2)


def v2_campaign(year: int = 2026):
    return CampaignFactory(year=year, referential=v2_referential())


def worst_answer(spec: RequirementSpec) -> Any:
    """The answer that scores 0 under the requirement's rule ("no", never, nobody, 0 %)."""
    rule = spec.rule
    kind = rule["type"]
    if kind == "level":
        return min(rule["choices"], key=lambda level: rule["choices"][level])
    return {
        "boolean": False,
        "tristate": "no",
        "ratio_at_least": {"numerator": 0, "denominator": 100},
        "percent_at_least": 0,
        "within_days": False,
        "date": False,  # not set yet
        "person_named": False,
    }[kind]


def answer_all(assessment: Assessment, answer=worst_answer, user=None) -> dict[str, Any]:
    """Answer every question asked of the assessment's establishment, through the real saving."""
    establishment = assessment.establishment
    compiled = compiled_referential(assessment.campaign.referential_id)
    answers = compiled.model.answer_asked(
        answer,
        kinds=kinds_of(establishment.kind, establishment.ght_id),
        ght_support=False,
    )
    user = user or user_with_role(Role.RSSI, establishment)
    save_answers(
        assessment=assessment,
        answers=answers,
        expected_version=assessment.version,
        user=user,
    )
    assessment.refresh_from_db()
    return answers


def v2_assessment(establishment, campaign=None) -> Assessment:
    return AssessmentFactory(establishment=establishment, campaign=campaign or v2_campaign())

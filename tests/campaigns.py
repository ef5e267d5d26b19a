"""A small referential and a campaign over the `world` fixture, for scoring and API tests."""

from dataclasses import dataclass
from datetime import date

from assessments.models import Assessment, Campaign
from referential.models import Requirement
from tests.factories import (
    AssessmentFactory,
    AxisFactory,
    CampaignFactory,
    ObjectiveFactory,
    ReferentialVersionFactory,
    RequirementFactory,
)

BUDGET_RULE = {"type": "ratio_at_least", "met": 0.02, "partial": 0.01}
EXERCISE_RULE = {"type": "within_days", "met": 365, "partial": 730}

# (axis, objective, code, fields)
REQUIREMENTS = [
    ("1", "2", "GOV-RSSI", {"rule": {"type": "person_named"}, "weight": 3, "headline": "rssi"}),
    ("1", "2", "GOV-COMITE", {"rule": {"type": "tristate"}, "weight": 2, "headline": "governance"}),
    ("1", "3", "EXERCICE", {"rule": EXERCISE_RULE, "weight": 3, "applies_to": ["ES"]}),
    ("2", "7", "BUDGET", {"rule": BUDGET_RULE, "weight": 3, "applies_to": ["ES"]}),
    ("2", "5", "GHT-CONVERGENCE", {"applies_to": ["GHT"], "weight": 2, "domain": "D1"}),
    ("4", "15", "D3-BASTION", {"not_applicable_allowed": True, "domain": "D3"}),
    ("4", "15", "OG-EXERCICE", {"applies_to": ["ESSMS"]}),
]


@dataclass
class CampaignWorld:
    campaign: Campaign
    requirements: dict[str, Requirement]
    hospital: Assessment  # the support establishment of world.ght
    clinic: Assessment  # a member of world.ght
    nursing_home: Assessment  # ESSMS, no GHT
    other_hospital: Assessment  # another region


def build_campaign(world, *, year: int = 2025) -> CampaignWorld:
    referential = ReferentialVersionFactory()
    axes, objectives, requirements = {}, {}, {}
    for order, (axis, objective, code, fields) in enumerate(REQUIREMENTS):
        if axis not in axes:
            axes[axis] = AxisFactory(referential=referential, number=int(axis))
        if objective not in objectives:
            objectives[objective] = ObjectiveFactory(axis=axes[axis], number=int(objective))
        requirements[code] = RequirementFactory(
            objective=objectives[objective],
            code=code,
            order=order,
            deadline=date(2025, 6, 30),
            **fields,
        )
    campaign = CampaignFactory(year=year, referential=referential)
    assessments = {
        name: AssessmentFactory(establishment=getattr(world, name), campaign=campaign)
        for name in ("hospital", "clinic", "nursing_home", "other_hospital")
    }
    return CampaignWorld(campaign=campaign, requirements=requirements, **assessments)

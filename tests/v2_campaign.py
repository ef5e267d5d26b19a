"""A 2026 campaign on version 2 of the referential (care-2026.yaml), over the `world` fixture."""

from dataclasses import dataclass

from assessments.models import Assessment, Campaign
from referential.loader import load_referential_file
from referential.models import ReferentialVersion
from tests.factories import AssessmentFactory, CampaignFactory

V1_FILE = "fixtures/referential/care-2025.yaml"
V2_FILE = "fixtures/referential/care-2026.yaml"


@dataclass
class V2Campaign:
    referential: ReferentialVersion
    campaign: Campaign
    hospital: Assessment
    clinic: Assessment
    nursing_home: Assessment
    other_hospital: Assessment

    def assessment_of(self, establishment) -> Assessment:
        return AssessmentFactory(establishment=establishment, campaign=self.campaign)


def build_v2_campaign(world, *, year: int = 2026) -> V2Campaign:
    load_referential_file(V1_FILE)  # the code map of version 2 names version 1
    referential = load_referential_file(V2_FILE).referential
    campaign = CampaignFactory(year=year, referential=referential)
    assessments = {
        name: AssessmentFactory(establishment=getattr(world, name), campaign=campaign)
        for name in ("hospital", "clinic", "nursing_home", "other_hospital")
    }
    return V2Campaign(referential=referential, campaign=campaign, **assessments)

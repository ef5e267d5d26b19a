"""The "not applicable" answers of a region, with the reasons the RSSIs gave, for its ARS.

Counted over the answers the person may see (``Answer.objects.for_user``) in the region's
establishments, for one campaign; filterable by requirement.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from assessments.models import Answer, Campaign
from establishments.models import Region, User


@dataclass(frozen=True)
class RequirementCount:
    code: str
    label: str
    count: int


def region_not_applicable(user: User, region: Region, campaign: Campaign) -> QuerySet[Answer]:
    """The region's N/A answers of the campaign within the person's scope, by requirement."""
    return (
        Answer.objects.for_user(user)
        .not_applicable()
        .filter(assessment__campaign=campaign, assessment__establishment__region=region)
        .select_related("requirement", "assessment__establishment")
        .order_by("requirement__order", "assessment__establishment__name", "pk")
    )


def counts_by_requirement(answers: QuerySet[Answer]) -> list[RequirementCount]:
    """How many N/A answers each requirement has, in the referential's order."""
    rows = (
        answers.order_by()
        .values("requirement__code", "requirement__label", "requirement__order")
        .annotate(count=Count("pk"))
        .order_by("requirement__order")
    )
    return [
        RequirementCount(row["requirement__code"], row["requirement__label"], row["count"])
        for row in rows
    ]

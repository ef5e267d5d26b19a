"""The order of an action plan: the referential's priority rule, or the establishment's own.

Each gap gets the rule's key (``referential.priorities``) from its requirement's source, its
severity in the assessment's gaps and whether it is a ransomware-critical measure; an action
ranks as its most urgent gap. Once the RSSI has moved actions by hand, the stored ranks come
first, and actions added since follow in the rule's order.
"""

from __future__ import annotations

from collections.abc import Sequence

from actions.gaps import assessment_gaps, requirements_by_code
from actions.models import Action, PlanOrder
from assessments.models import Assessment
from assessments.scoring.snapshot import SnapshotGap
from referential.models import Requirement
from referential.priorities import PriorityRule

LAST = (float("inf"),)


def priority_rule(assessment: Assessment) -> PriorityRule:
    return PriorityRule.of(assessment.campaign.referential.priority_rule)


def gap_keys(assessment: Assessment) -> dict[str, tuple]:
    """Requirement code -> the rule's sort key, for each gap of the assessment."""
    rule = priority_rule(assessment)
    by_code = requirements_by_code(assessment)
    keys = {}
    for position, gap in enumerate(assessment_gaps(assessment)):
        requirement = by_code.get(gap.requirement)
        keys[gap.requirement] = rule.key(
            code=gap.requirement,
            source=requirement.source if requirement else "",
            severity=gap.severity,
            position=position,
        )
    return keys


def action_key(codes: Sequence[str], keys: dict[str, tuple]) -> tuple:
    """An action ranks as the most urgent of its gaps still open (last when none is)."""
    found = [keys[code] for code in codes if code in keys]
    return min(found) if found else LAST


def ordered_actions(assessment: Assessment) -> list[Action]:
    """The plan's actions in priority order (manual ranks first when the plan was reordered)."""
    actions = list(
        Action.objects.filter(assessment=assessment)
        .prefetch_related("gaps", "notes", "target_plans")
        .select_related("carried_from", "owner_account")
    )
    keys = gap_keys(assessment)
    for action in actions:
        action.gap_codes = [r.code for r in action.gaps.all()]
        action.priority_key = action_key(action.gap_codes, keys)
    return sorted(
        actions,
        key=lambda a: (
            a.rank is None,
            a.rank or 0,
            a.priority_key,
            a.pk,
        ),
    )


def reordered(assessment: Assessment) -> PlanOrder | None:
    """When (and by whom) the establishment last reordered its plan, or None."""
    return PlanOrder.objects.filter(assessment=assessment).select_related("reordered_by").first()


def gaps_without_action(assessment: Assessment) -> list[tuple[SnapshotGap, Requirement]]:
    """The gaps no action (abandoned ones aside) closes, in the rule's order."""
    covered = set(
        Action.objects.filter(assessment=assessment)
        .exclude(status=Action.Status.ABANDONED)
        .values_list("gaps__code", flat=True)
    )
    keys = gap_keys(assessment)
    by_code = requirements_by_code(assessment)
    gaps = [
        (gap, by_code[gap.requirement])
        for gap in assessment_gaps(assessment)
        if gap.requirement not in covered and gap.requirement in by_code
    ]
    return sorted(gaps, key=lambda pair: keys[pair[0].requirement])

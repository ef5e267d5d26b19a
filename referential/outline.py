"""A referential version arranged for reading: axes, objectives and the requirements kept by filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from referential.describe import describe_unit, has_partial_step
from referential.models import Axis, Objective, ReferentialVersion, Requirement


@dataclass
class ObjectiveOutline:
    objective: Objective
    requirements: list[Requirement] = field(default_factory=list)


@dataclass
class AxisOutline:
    axis: Axis
    objectives: list[ObjectiveOutline] = field(default_factory=list)


def referential_outline(
    referential: ReferentialVersion, *, kind: str = "", domain: str = ""
) -> list[AxisOutline]:
    """The version's axes and objectives with the requirements that match the filters.

    Without a filter every objective is kept (national ones included, for completeness); with a
    filter, objectives and axes left without any requirement are dropped. Expects a version
    fetched with ``with_content()``.
    """
    filtered = bool(kind or domain)
    domains = {item["code"]: item for item in referential.domains}
    outline = []
    for axis in referential.axes.all():
        axis_outline = AxisOutline(axis)
        for objective in axis.objectives.all():
            requirements = [
                requirement
                for requirement in objective.requirements.all()
                if (not kind or kind in requirement.applies_to)
                and (not domain or requirement.domain == domain)
            ]
            for requirement in requirements:
                _annotate(requirement, referential, domains)
            if requirements or not filtered:
                axis_outline.objectives.append(ObjectiveOutline(objective, requirements))
        if axis_outline.objectives:
            outline.append(axis_outline)
    return outline


def _annotate(requirement: Requirement, referential: ReferentialVersion, domains: dict) -> None:
    """What the page shows beside a requirement: its domain in the plan, the targets it feeds."""
    requirement.domain_plan = domains.get(requirement.domain, {}).get("plan", "")
    requirement.fed_targets = [
        reading_target(target) for target in referential.targets_fed_by(requirement.code)
    ]
    requirement.partial_is_portal = bool(requirement.source) and has_partial_step(requirement.rule)


def reading_target(target: dict) -> dict:
    """A headline target with what a reader needs: its share in percent, its unit in words."""
    share = target["national_share"]
    return {
        **target,
        "share_percent": None if share is None else round(share * 100, 1),
        "unit_label": describe_unit(target["unit"]),
    }

"""A referential version arranged for reading: axes, objectives and the requirements kept by filters."""

from __future__ import annotations

from dataclasses import dataclass, field

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
            if requirements or not filtered:
                axis_outline.objectives.append(ObjectiveOutline(objective, requirements))
        if axis_outline.objectives:
            outline.append(axis_outline)
    return outline

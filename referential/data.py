"""A referential version as plain data: checked from YAML, compared with what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from referential.models import Requirement


class ReferentialFileError(ValueError):
    """A referential file that cannot be loaded; ``errors`` lists every problem, in French."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


# --- data ready to store ----------------------------------------------------------------------


@dataclass
class RequirementData:
    """One requirement with its model field values (``line`` is not compared)."""

    code: str
    label: str
    help_text: str
    care_action: str
    applies_to: list[str]
    answer_type: str
    rule: dict[str, Any]
    weight: float
    deadline: date | None
    deadline_label: str
    national_target_share: float | None
    national_target_population: str
    domain: str
    funding_call: str
    not_applicable_allowed: bool
    required: bool
    headline: str
    prerequisite: bool
    condition: dict[str, Any] | None
    recommendation: str
    order: int
    # Where the item comes from (version 2 on; blank in version 1, which does not say).
    source: str = ""
    source_ref: str = ""
    also_feeds: list[str] = field(default_factory=list)
    threshold_source: str = ""
    answered_by: str = "establishment"
    reason_required_for_na: bool = False
    answered_at: str = ""
    due_date_from: str = ""
    domain_title: str = ""
    # The public resources that help, as the version's ``resources`` section gives them.
    resources: list[dict[str, Any]] = field(default_factory=list)
    line: int | None = field(default=None, compare=False)

    def model_fields(self) -> dict[str, Any]:
        fields = dict(self.__dict__)
        fields.pop("line")
        return fields

    @classmethod
    def from_model(cls, requirement: Requirement) -> RequirementData:
        names = [name for name in cls.__dataclass_fields__ if name != "line"]
        return cls(**{name: getattr(requirement, name) for name in names})


@dataclass
class ObjectiveData:
    number: int
    code: str
    title: str
    national_only: bool
    requirements: list[RequirementData]
    line: int | None = field(default=None, compare=False)


@dataclass
class AxisData:
    number: int
    code: str
    title: str
    objectives: list[ObjectiveData]
    line: int | None = field(default=None, compare=False)


@dataclass
class ReferentialData:
    """A whole checked referential version; two equal values mean the same content.

    ``sections`` holds the version's other data (technical domains, headline targets, national
    milestones, the code map from the previous version, consistency rules) as stored: plain JSON
    values, dates as ``YYYY-MM-DD``. A version 1 file has none of them.
    """

    code: str
    version: int
    title: str
    published_on: date | None
    source: str
    status: str
    axes: list[AxisData]
    sections: dict[str, Any] = field(default_factory=dict)

    def iter_objectives(self) -> Iterator[ObjectiveData]:
        for axis in self.axes:
            yield from axis.objectives

    def iter_requirements(self) -> Iterator[RequirementData]:
        for objective in self.iter_objectives():
            yield from objective.requirements

    @property
    def label(self) -> str:
        return f"{self.code}:{self.version}"

"""A referential version as the scoring model sees it, built once per version and kept in memory.

A version that a campaign uses never changes, so its compiled form is cached per process. Edits
to a version's requirements, objectives or axes (loading a draft again, the admin) drop its
entry, see ``forget_referential``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from assessments.scoring.model import RequirementSpec, ScoringModel

if TYPE_CHECKING:
    from referential.models import Requirement


@dataclass(frozen=True)
class CompiledReferential:
    """The scoring model of one referential version and the lookups that go with it."""

    referential_id: int
    model: ScoringModel
    code_by_id: dict[int, str]
    id_by_code: dict[str, int]
    # Requirements answered once per GHT, on the support establishment's assessment.
    ght_level_codes: frozenset[str]

    @property
    def specs(self) -> tuple[RequirementSpec, ...]:
        return self.model.specs

    @property
    def ght_level_ids(self) -> list[int]:
        return [self.id_by_code[code] for code in self.ght_level_codes]


def spec_of(requirement: Requirement) -> RequirementSpec:
    objective = requirement.objective
    return RequirementSpec(
        code=requirement.code,
        axis=objective.axis.code,
        objective=objective.code,
        weight=float(requirement.weight),
        rule=requirement.rule,
        applies_to=frozenset(requirement.applies_to),
        label=requirement.label,
        domain=requirement.domain or None,
        deadline=requirement.deadline,
        not_applicable_allowed=requirement.not_applicable_allowed,
        headline=requirement.headline or None,
        care_action=requirement.care_action,
        recommendation=requirement.recommendation,
        order=requirement.order,
        required=requirement.required,
        condition=requirement.condition or None,
    )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def specs_from_data(data: Mapping[str, Any]) -> list[RequirementSpec]:
    """The specs of a referential as read from its YAML file (axes -> objectives -> requirements)."""
    specs = []
    for axis in data.get("axes") or []:
        for objective in axis.get("objectives") or []:
            for item in objective.get("requirements") or []:
                specs.append(
                    RequirementSpec(
                        code=item["code"],
                        axis=str(axis["code"]),
                        objective=str(objective["code"]),
                        weight=float(item["weight"]),
                        rule=item["rule"],
                        applies_to=frozenset(item["applies_to"]),
                        label=item.get("label", ""),
                        domain=item.get("domain") or None,
                        deadline=_as_date(item.get("deadline")),
                        not_applicable_allowed=bool(item.get("not_applicable_allowed")),
                        headline=item.get("headline") or None,
                        care_action=str(item.get("care_action") or ""),
                        recommendation=item.get("recommendation", ""),
                        order=len(specs),
                        required=bool(item.get("required", True)),
                        condition=item.get("condition") or None,
                    )
                )
    return specs


def build_specs(referential_id: int) -> tuple[tuple[RequirementSpec, ...], dict[int, str]]:
    """The specs of a referential version in its order, and requirement id -> code."""
    # Imported here so that reading a YAML file (specs_from_data) needs no configured database.
    from referential.models import Requirement

    requirements = (
        Requirement.objects.filter(referential_id=referential_id)
        .select_related("objective__axis")
        .order_by("order", "pk")
    )
    specs, code_by_id = [], {}
    for requirement in requirements:
        specs.append(spec_of(requirement))
        code_by_id[requirement.pk] = requirement.code
    return tuple(specs), code_by_id


_cache: dict[int, CompiledReferential] = {}
_lock = threading.Lock()


def compiled_referential(referential_id: int) -> CompiledReferential:
    """The compiled referential version (one query the first time, none after)."""
    compiled = _cache.get(referential_id)
    if compiled is not None:
        return compiled
    specs, code_by_id = build_specs(referential_id)
    model = ScoringModel(specs)
    compiled = CompiledReferential(
        referential_id=referential_id,
        model=model,
        code_by_id=code_by_id,
        id_by_code={code: pk for pk, code in code_by_id.items()},
        ght_level_codes=model.ght_level_codes,
    )
    with _lock:
        _cache[referential_id] = compiled
    return compiled


def forget_referential(referential_id: int | None = None) -> None:
    """Drop the compiled form of one referential version (or of all)."""
    with _lock:
        if referential_id is None:
            _cache.clear()
        else:
            _cache.pop(referential_id, None)

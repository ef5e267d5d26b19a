"""The priority rule of the action plan, read from a referential version's ``priorities`` section.

The rule is data (docs/referential.md): an ordered list of ``criteria``, each sorting the gaps an
action closes, the first criterion first:

- ``source``: the requirement's source, in the order of ``sources`` (plan targets before funding
  call objectives before portal recommendations);
- ``severity``: the gap's severity, in the order of ``severities`` (overdue before due soon
  before planned);
- ``ransomware``: the ransomware-critical measures (``ransomware_critical``, each a measure and
  the requirements that carry it) before the rest.

Ties keep the gaps' documented order. A version without the section (version 1) orders by that
documented order alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from referential.fields import Fields
from referential.models import Source

CRITERIA = ("source", "severity", "ransomware")
SEVERITIES = ("overdue", "due_soon", "planned")
PRIORITY_KEYS = {"criteria", "sources", "severities", "ransomware_critical", "note"}
MEASURE_KEYS = {"measure", "label", "requirements"}


def _line(data: Any) -> int | None:
    return getattr(data, "line", None)


def _where(ident: Any, line: int | None) -> str:
    where = _("Priorités « %(ident)s »") % {"ident": ident}
    return f"{where} ({_('ligne')} {line})" if line else where


def _permutation(fields: Fields, name: str, allowed: Sequence[str]) -> list[str]:
    """A list naming each of ``allowed`` exactly once (the order is the point)."""
    values = fields.items(name, allow_empty=False)
    if not values:
        return []
    if sorted(map(str, values)) != sorted(allowed):
        fields.error(
            _("« %(name)s » range chacune de ces valeurs une fois : %(allowed)s (reçu : %(got)s).")
            % {
                "name": name,
                "allowed": ", ".join(allowed),
                "got": ", ".join(map(str, values)),
            }
        )
        return []
    return [str(value) for value in values]


def parse_priorities(raw: Any, *, requirements: Mapping[str, Any], errors: list[str]) -> dict:
    """The checked ``priorities`` section, as stored on the version (errors give the line)."""
    where = _where("priorities", _line(raw))
    if not isinstance(raw, Mapping):
        errors.append(_("%(where)s : doit être un objet.") % {"where": where})
        return {}
    fields = Fields(raw, where, errors)
    fields.unknown_keys(PRIORITY_KEYS)
    measures = []
    seen: set[str] = set()
    for index, item in enumerate(fields.items("ransomware_critical", allow_empty=False), 1):
        item_where = _where(
            item.get("measure", index) if isinstance(item, Mapping) else index, _line(item)
        )
        if not isinstance(item, Mapping):
            errors.append(_("%(where)s : doit être un objet.") % {"where": item_where})
            continue
        measure = Fields(item, item_where, errors)
        measure.unknown_keys(MEASURE_KEYS)
        codes = [str(code) for code in measure.items("requirements", allow_empty=False)]
        for code in codes:
            if code not in requirements:
                measure.error(_("exigence inconnue « %(code)s ».") % {"code": code})
            elif code in seen:
                measure.error(_("« %(code)s » est déjà dans une autre mesure.") % {"code": code})
            seen.add(code)
        measures.append(
            {
                "measure": measure.text("measure", max_length=40),
                "label": measure.text("label", max_length=120),
                "requirements": codes,
            }
        )
    return {
        "criteria": _permutation(fields, "criteria", CRITERIA),
        "sources": _permutation(fields, "sources", tuple(Source.values)),
        "severities": _permutation(fields, "severities", SEVERITIES),
        "ransomware_critical": measures,
        "note": fields.text("note", required=False),
    }


@dataclass(frozen=True)
class PriorityRule:
    """The rule of one version; ``key`` sorts one gap (smaller first)."""

    criteria: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    critical: Mapping[str, str] = field(default_factory=dict)  # requirement code -> measure label
    note: str = ""

    @classmethod
    def of(cls, section: Mapping[str, Any] | None) -> PriorityRule:
        """The rule of a stored section; the empty rule (documented order only) without one."""
        if not section:
            return cls()
        return cls(
            criteria=tuple(section.get("criteria") or ()),
            sources=tuple(section.get("sources") or ()),
            severities=tuple(section.get("severities") or ()),
            critical={
                code: measure["label"]
                for measure in section.get("ransomware_critical") or ()
                for code in measure["requirements"]
            },
            note=section.get("note", ""),
        )

    @property
    def is_documented_order(self) -> bool:
        """No criterion: the gaps' documented order alone."""
        return not self.criteria

    def key(self, *, code: str, source: str, severity: str, position: int) -> tuple:
        """The sort key of one gap: each criterion in turn, then its documented position."""
        parts = []
        for criterion in self.criteria:
            if criterion == "source":
                parts.append(_rank(self.sources, source))
            elif criterion == "severity":
                parts.append(_rank(self.severities, severity))
            elif criterion == "ransomware":
                parts.append(0 if code in self.critical else 1)
        return (*parts, position)


def _rank(order: Sequence[str], value: str) -> int:
    return order.index(value) if value in order else len(order)

"""How the answers of one referential version read in another: the ``code_map`` of a version.

A version from 2 on says, for each requirement of the version it follows, which of its own
requirements continues it (``codes``, with a ``note`` when the meaning moved) or why it does not
carry over (``not_carried``). Between two versions without such a map (the same version, or a
version that does not name the other), a requirement continues the one of the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from referential.models import ReferentialVersion

# A note of the map with these words asks for the carried answer to be read again: the question's
# meaning narrowed ("Sens restreint : … Une réponse de 2025 est à relire.").
REREAD_MARK = "à relire"


@dataclass(frozen=True)
class Route:
    """Where one answer of the earlier version goes: a code of this version, or nowhere and why."""

    code: str | None
    note: str = ""
    reason: str = ""

    @property
    def to_reread(self) -> bool:
        return REREAD_MARK in self.note.lower()


@dataclass(frozen=True)
class CodeMap:
    """The routes from the requirements of ``source`` to those of ``target``."""

    source: str  # label of the earlier version, e.g. "CARE:1"
    target: str
    through_map: bool
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # old -> (new, note)
    not_carried: dict[str, str] = field(default_factory=dict)  # old -> reason

    def route(self, code: str) -> Route:
        if not self.through_map:
            return Route(code=code)
        if code in self.codes:
            new, note = self.codes[code]
            return Route(code=new, note=note)
        if code in self.not_carried:
            return Route(code=None, reason=self.not_carried[code])
        return Route(
            code=None,
            reason=_("absente de la table de correspondance de %(label)s") % {"label": self.target},
        )


def maps_from(target: ReferentialVersion, source: ReferentialVersion) -> bool:
    """Whether ``target``'s code map names ``source`` as the version it follows."""
    origin = (target.code_map or {}).get("from") or {}
    return origin.get("code") == source.code and origin.get("version") == source.version


def code_map_between(source: ReferentialVersion, target: ReferentialVersion) -> CodeMap:
    """The routes of answers given under ``source`` into ``target``."""
    if source.pk == target.pk or not maps_from(target, source):
        return CodeMap(source=source.label, target=target.label, through_map=False)
    data = target.code_map
    return CodeMap(
        source=source.label,
        target=target.label,
        through_map=True,
        codes={entry["from"]: (entry["code"], entry.get("note") or "") for entry in data["codes"]},
        not_carried={entry["from"]: entry["reason"] for entry in data.get("not_carried") or []},
    )


def successor_of(source: ReferentialVersion) -> ReferentialVersion | None:
    """The latest published version whose code map follows ``source``, if any."""
    candidates = (
        ReferentialVersion.objects.published().filter(code=source.code).exclude(pk=source.pk)
    )
    found = [version for version in candidates.order_by("-version") if maps_from(version, source)]
    return found[0] if found else None

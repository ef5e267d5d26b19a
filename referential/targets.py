"""The headline CaRE targets of a referential version, as its data defines them.

Version 1: the national target share, its population and its deadline come from the
requirements marked `headline` (never from code); each target counts establishments (FINESS ET)
of the kinds its requirements apply to, and an establishment meets it by its snapshot's
headline flag.

From version 2 on, the version's `targets` section lists them, each with its plan action,
deadline, national share (0-1 in the file, a percentage here), the kinds it concerns, the
**unit** it counts (ET, EJ, PMSI, OG, GHT, ``candidates:<call>``) and the requirements feeding
it. One site (establishment) meets such a target when every feeding requirement it is asked is
met (:meth:`HeadlineTarget.site_flag`); how sites make up the unit counted is
``assessments.target_units``. The dashboards count against them; the PDF report lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from referential.headlines import Headline
from referential.models import CANDIDATES_UNIT, ReferentialVersion, Requirement, TargetUnit
from referential.rules import MET, NOT_APPLICABLE, NOT_ASKED, NOT_MET, PARTIAL

ESTABLISHMENT_KINDS = ("ES", "ESSMS")
# The CaRE actions whose requirement carries a headline target no requirement is marked with.
FALLBACK_ACTIONS = tuple(h.care_action for h in Headline if h.care_action)


@dataclass(frozen=True)
class HeadlineTarget:
    """One headline target of a campaign, as the referential defines it."""

    key: str
    label: str
    share: float | None
    population: str
    deadline: date | None
    deadline_label: str
    kinds: tuple[str, ...]
    requirement_code: str
    care_action: str
    # What the target counts (TargetUnit, or "candidates:<call>"); version 1 counts sites.
    unit: str = TargetUnit.ET.value
    # The requirements feeding it (version 2: the section's list; empty when from the status).
    requirements: tuple[str, ...] = ()
    note: str = ""
    # Version 2: met per site from the stored statuses of `requirements` (site_flag), not from
    # a snapshot headline column.
    from_section: bool = False
    # Met when the assessment is submitted, whatever its answers (CaRE 4-1).
    from_status: bool = False

    @property
    def headline(self) -> Headline | None:
        """The headline of the same name (a snapshot column), or None (version-2 only target)."""
        return Headline(self.key) if self.key in Headline.values else None

    @property
    def short_label(self) -> str:
        headline = self.headline
        return headline.short_label if headline and not self.from_section else self.label

    def kind_applies(self, kind: str) -> bool:
        return kind in self.kinds

    @property
    def call_code(self) -> str | None:
        """The funding call whose candidates the target counts (``candidates:D1`` -> D1)."""
        if self.unit.startswith(CANDIDATES_UNIT):
            return self.unit[len(CANDIDATES_UNIT) :]
        return None

    @property
    def unit_noun(self) -> str:
        """What the figure counts, after its numbers: "13 / 59 unités PMSI"."""
        call = self.call_code
        if call:
            return _("candidats à l'appel %(call)s") % {"call": call}
        return str(UNIT_NOUNS.get(self.unit, self.unit))

    def assessment_flag(
        self, *, headline: Mapping[str, bool | None], statuses: Mapping[str, str], submitted: bool
    ) -> bool | None:
        """Whether one assessment meets the target: its submission (CaRE 4-1), its headline
        flag (version 1) or :meth:`site_flag` over its statuses (version 2)."""
        if self.from_status:
            return submitted
        if not self.from_section:
            return headline.get(self.key)
        return self.site_flag(statuses)

    def site_flag(self, statuses: Mapping[str, str]) -> bool | None:
        """Whether one site meets the target from its stored statuses (version 2): True when
        every feeding requirement it is asked is met, False as soon as one is partial or not
        met, None (unknown) otherwise. A requirement not asked (a follow-up whose condition
        does not hold) or answered "not applicable" is left out. ``site_met_q`` and its two
        companions in ``assessments.target_units`` are the same rule in SQL."""
        asked = [statuses.get(code) for code in self.requirements]
        asked = [status for status in asked if status not in SILENT_STATUSES]
        if any(status in (PARTIAL, NOT_MET) for status in asked):
            return False
        if asked and all(status == MET for status in asked):
            return True
        return None


# The statuses that say nothing about a target: never scored, not asked, not applicable.
SILENT_STATUSES = (None, NOT_ASKED, NOT_APPLICABLE)

# The plural noun of each unit, as a figure reads: "13 / 59 unités PMSI".
UNIT_NOUNS = {
    TargetUnit.ET: _("établissements"),
    TargetUnit.EJ: _("entités juridiques"),
    TargetUnit.PMSI: _("unités PMSI"),
    TargetUnit.OG: _("organismes gestionnaires"),
    TargetUnit.GHT: _("GHT"),
}


# What a target reads of the requirements that feed it (share, population, deadline, kinds).
TARGET_FIELDS = (
    "code",
    "applies_to",
    "care_action",
    "deadline",
    "deadline_label",
    "national_target_share",
    "national_target_population",
    "order",
)


def headline_targets(referential: ReferentialVersion) -> list[HeadlineTarget]:
    """The headline targets counted over establishments' answers, in the plan's order: from the
    version's `targets` section (no query) or, in version 1, from its requirements (one
    query). GHT-unit targets are apart (:func:`ght_targets`)."""
    if referential.headline_targets:
        return [
            section_target(raw)
            for raw in referential.headline_targets
            if raw["unit"] != TargetUnit.GHT
        ]
    # Read once per loaded version (a report asks for them twice).
    cached = getattr(referential, "_requirement_targets", None)
    if cached is None:
        cached = referential._requirement_targets = _requirement_targets(referential)
    return list(cached)


def _requirement_targets(referential: ReferentialVersion) -> list[HeadlineTarget]:
    """Version 1: the targets from the requirements' headline keys (one query)."""
    requirements = [
        r
        for r in _target_requirements(referential)
        if r.headline or r.care_action in FALLBACK_ACTIONS
    ]
    targets = []
    for headline in Headline:
        key, label = headline.value, headline.label
        feeders = [r for r in requirements if r.headline == key]
        if not feeders and headline.care_action:
            feeders = [r for r in requirements if r.care_action == headline.care_action][:1]
        if not feeders:
            continue
        kinds = tuple(
            kind for kind in ESTABLISHMENT_KINDS if any(kind in r.applies_to for r in feeders)
        )
        if not kinds:
            continue  # GHT-level only: shown on the GHT targets, not counted per establishment
        # The feeder carrying the national target gives the share, population and deadline.
        main = next((r for r in feeders if r.national_target_share is not None), feeders[0])
        share = main.national_target_share
        population = main.national_target_population
        if headline.from_status:
            share, kinds = 100.0, ESTABLISHMENT_KINDS
            population = population or str(_("de tous les établissements"))
        targets.append(
            HeadlineTarget(
                key=key,
                label=str(label),
                share=share,
                population=population,
                deadline=main.deadline,
                deadline_label=main.deadline_label,
                kinds=kinds,
                requirement_code=main.code,
                care_action=main.care_action,
                requirements=tuple(r.code for r in feeders if not headline.from_status),
                from_status=headline.from_status,
            )
        )
    return targets


def section_target(raw: Mapping) -> HeadlineTarget:
    """One target of a version's `targets` section (as stored: share 0-1, ISO dates)."""
    share = raw.get("national_share")
    deadline = raw.get("deadline")
    requirements = tuple(raw.get("requirements") or ())
    return HeadlineTarget(
        key=raw["code"],
        label=raw["label"],
        share=None if share is None else round(100 * share, 6),
        population=raw.get("population") or "",
        deadline=date.fromisoformat(deadline) if deadline else None,
        deadline_label=raw.get("deadline_label") or "",
        kinds=tuple(raw.get("kinds") or ()),
        requirement_code=requirements[0] if requirements else "",
        care_action=raw.get("action") or "",
        unit=raw["unit"],
        requirements=requirements,
        note=raw.get("note") or "",
        from_section=True,
        from_status=bool(raw.get("from_status")),
    )


def ght_targets(referential: ReferentialVersion) -> list[HeadlineTarget]:
    """The version's targets counted over GHTs (version 2 on; none in version 1, whose
    GHT-level requirements carry their targets themselves)."""
    return [
        section_target(raw) for raw in referential.headline_targets if raw["unit"] == TargetUnit.GHT
    ]


def ght_level_requirements(referential: ReferentialVersion) -> list[Requirement]:
    """The requirements answered once per GHT on its support establishment's assessment."""
    return [r for r in _target_requirements(referential) if r.is_ght_level]


def _target_requirements(referential: ReferentialVersion) -> list[Requirement]:
    """The version's requirements with what targets read of them, in their order: one query per
    loaded version, shared by the headline targets and the GHT-level requirements."""
    cached = getattr(referential, "_target_requirements", None)
    if cached is None:
        cached = referential._target_requirements = list(
            Requirement.objects.filter(referential=referential)
            .only(*TARGET_FIELDS, "headline", "label")
            .order_by("order", "code")
        )
    return cached

"""The headline CaRE targets of a referential version, as its requirements define them.

The national target share, its population and its deadline come from the referential's
requirements marked `headline` (never from code). Each target counts the establishments of the
kinds its requirements apply to (RSSI: ES and ESSMS; budget: ES only…). The dashboards count
establishments against them; the PDF report lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from referential.headlines import Headline
from referential.models import ReferentialVersion, Requirement

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

    @property
    def headline(self) -> Headline:
        return Headline(self.key)

    @property
    def short_label(self) -> str:
        return self.headline.short_label

    def kind_applies(self, kind: str) -> bool:
        return kind in self.kinds


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
    """The headline targets of a referential version, in the plan's order (one query)."""
    requirements = list(
        Requirement.objects.filter(referential=referential)
        .filter(Q(headline__gt="") | Q(care_action__in=FALLBACK_ACTIONS))
        .only(*TARGET_FIELDS, "headline")
        .order_by("order", "code")
    )
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
            )
        )
    return targets


def ght_level_requirements(referential: ReferentialVersion) -> list[Requirement]:
    """The requirements answered once per GHT on its support establishment's assessment."""
    requirements = Requirement.objects.filter(referential=referential).only(*TARGET_FIELDS, "label")
    return [r for r in requirements.order_by("order", "code") if r.is_ght_level]

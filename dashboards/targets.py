"""The headline CaRE targets a dashboard tracks, read from the campaign's referential.

The national target share, its population and its deadline come from the referential's
requirements marked `headline` (never from code). Each target counts the establishments of the
kinds its requirements apply to (RSSI: ES and ESSMS; budget: ES only…).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from referential.headlines import Headline
from referential.models import ReferentialVersion, Requirement

ESTABLISHMENT_KINDS = ("ES", "ESSMS")
# The CaRE actions whose requirement carries a headline target no requirement is marked with.
FALLBACK_ACTIONS = tuple(h.care_action for h in Headline if h.care_action)
# A target still below its share this close to its deadline (or past it) is "behind".
NEAR_DEADLINE_DAYS = 90

MET = "met"
ON_TRACK = "on_track"
BEHIND = "behind"
NO_TARGET = "no_target"
NO_DATA = "no_data"
STATUS_LABELS = {
    MET: _("Cible atteinte"),
    ON_TRACK: _("En bonne voie"),
    BEHIND: _("En retard"),
    NO_TARGET: _("Sans cible nationale"),
    NO_DATA: _("Aucun établissement concerné"),
}
# DSFR badge variants per status.
STATUS_BADGES = {
    MET: "success",
    ON_TRACK: "info",
    BEHIND: "error",
    NO_TARGET: "new",
    NO_DATA: "new",
}
STATUS_TONES = {MET: "success", ON_TRACK: "default", BEHIND: "error"}


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
    def met_q(self) -> Q:
        """Establishments (annotated with their campaign assessment `cur`) meeting the target."""
        if self.headline.from_status:
            return Q(cur__status__in=[Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED])
        return Q(**{f"cur__snapshot__{self.headline.snapshot_field}": True})

    @property
    def not_met_q(self) -> Q:
        if self.headline.from_status:
            return ~self.met_q
        return Q(**{f"cur__snapshot__{self.headline.snapshot_field}": False})

    @property
    def unknown_q(self) -> Q:
        if self.headline.from_status:
            return Q(pk__in=[])
        return Q(**{f"cur__snapshot__{self.headline.snapshot_field}__isnull": True})

    @property
    def population_q(self) -> Q:
        return Q(kind__in=self.kinds)

    @property
    def short_label(self) -> str:
        return self.headline.short_label

    def kind_applies(self, kind: str) -> bool:
        return kind in self.kinds


def headline_targets(referential: ReferentialVersion) -> list[HeadlineTarget]:
    """The headline targets of a referential version, in the plan's order (one query)."""
    requirements = list(
        Requirement.objects.filter(referential=referential)
        .filter(Q(headline__gt="") | Q(care_action__in=FALLBACK_ACTIONS))
        .only(
            "code",
            "headline",
            "applies_to",
            "care_action",
            "deadline",
            "deadline_label",
            "national_target_share",
            "national_target_population",
            "order",
        )
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


def target_status(
    share: float | None, target: float | None, deadline: date | None, today: date
) -> str:
    """Met when the share reaches the target; below it, behind once the deadline is past or
    within NEAR_DEADLINE_DAYS, on track otherwise."""
    if share is None:
        return NO_DATA
    if target is None:
        return NO_TARGET
    if share >= target:
        return MET
    if deadline is not None and deadline <= today + timedelta(days=NEAR_DEADLINE_DAYS):
        return BEHIND
    return ON_TRACK


def ght_level_requirements(referential: ReferentialVersion) -> list[Requirement]:
    """The requirements answered once per GHT on its support establishment's assessment."""
    requirements = Requirement.objects.filter(referential=referential).only(
        "code",
        "label",
        "applies_to",
        "care_action",
        "deadline",
        "deadline_label",
        "national_target_share",
        "national_target_population",
        "order",
    )
    return [r for r in requirements.order_by("order", "code") if r.is_ght_level]

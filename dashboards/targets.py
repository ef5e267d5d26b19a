"""Where establishments stand against the headline targets (defined in ``referential.targets``).

The filters that count an establishment as meeting a target (the rule itself is
``assessments.target_units``, shared with the PDF report), and the status of a share against
the target's share and deadline.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Campaign
from assessments.target_units import population_q as target_population_q
from assessments.target_units import site_met_q, site_not_met_q, site_unknown_q
from referential.targets import HeadlineTarget

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
# What each bar colour of a target chart means, for its legend (other statuses draw in grey).
TONE_LABELS = {
    **{STATUS_TONES[status]: STATUS_LABELS[status] for status in (MET, ON_TRACK, BEHIND)},
    "neutral": STATUS_LABELS[NO_TARGET],
}


def met_q(target: HeadlineTarget) -> Q:
    """Establishments (annotated with their campaign assessment `cur`) meeting the target."""
    return site_met_q(target)


def not_met_q(target: HeadlineTarget) -> Q:
    return site_not_met_q(target)


def unknown_q(target: HeadlineTarget) -> Q:
    return site_unknown_q(target)


def population_q(target: HeadlineTarget, campaign: Campaign | None = None) -> Q:
    """The establishments a target concerns (its kinds; the candidates of its call)."""
    return target_population_q(target, campaign)


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

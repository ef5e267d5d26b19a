"""Where establishments stand against the headline targets (defined in ``referential.targets``).

The filters that count an establishment as meeting a target, and the status of a share against
the target's share and deadline.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
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


def met_q(target: HeadlineTarget) -> Q:
    """Establishments (annotated with their campaign assessment `cur`) meeting the target."""
    if target.headline.from_status:
        return Q(cur__status__in=[Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED])
    return Q(**{f"cur__snapshot__{target.headline.snapshot_field}": True})


def not_met_q(target: HeadlineTarget) -> Q:
    if target.headline.from_status:
        return ~met_q(target)
    return Q(**{f"cur__snapshot__{target.headline.snapshot_field}": False})


def unknown_q(target: HeadlineTarget) -> Q:
    if target.headline.from_status:
        return Q(pk__in=[])
    return Q(**{f"cur__snapshot__{target.headline.snapshot_field}__isnull": True})


def population_q(target: HeadlineTarget) -> Q:
    return Q(kind__in=target.kinds)


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

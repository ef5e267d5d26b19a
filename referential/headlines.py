"""The headline CaRE targets: the one list of them, and what each is read from.

Every other list of headlines derives from :class:`Headline`: the scoring model's flags, the
score snapshot's ``hl_*`` columns (a system check asks that each has one), the referential
schema's allowed values and the dashboards' columns.

Each headline is fed either by the answers to the requirements marked with it in the referential
(``headline: rssi``…) or, for ``submitted``, by the assessment's status. The submission target's
share, population and deadline are read from the requirement marked ``submitted`` or, failing
that, from the one of CaRE action :data:`SUBMISSION_ACTION`. The targets themselves (shares,
deadlines) are referential data, never constants here.

From version 2 on, a version also lists its headline targets in its ``targets`` section
(:attr:`referential.models.ReferentialVersion.headline_targets`), each with the unit it counts;
a target whose code is one of these headlines is fed by exactly the requirements marked with it
(checked when the file is loaded), so the two never disagree.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The self-assessment itself is CaRE action 4-1: its requirement carries the submission target.
SUBMISSION_ACTION = "4-1"


class Headline(models.TextChoices):
    """The headline CaRE targets an ARS asks about first (scoring.md)."""

    RSSI = "rssi", _("RSSI nommé")
    GOVERNANCE = "governance", _("Comité de gouvernance cyber")
    BUDGET = "budget", _("Budget numérique ≥ 2 %")
    EXERCISE = "exercise", _("Exercice de crise dans les 12 mois")
    PCRA_REFERENT = "pcra_referent", _("Référent PCRA nommé")
    PLAN_BLANC = "plan_blanc", _("Plan blanc numérique")
    SUBMITTED = "submitted", _("Auto-évaluation transmise")
    DOMAIN1 = "domain1", _("Objectifs du domaine 1 atteints")

    @property
    def from_status(self) -> bool:
        """Met when the assessment is submitted, whatever its answers."""
        return self is Headline.SUBMITTED

    @property
    def snapshot_field(self) -> str | None:
        """The ScoreSnapshot column holding the flag (None: read from the status)."""
        return None if self.from_status else f"hl_{self.value}"

    @property
    def short_label(self) -> str:
        """The column header of wide tables."""
        return str(_SHORT_LABELS[self.value])

    @property
    def care_action(self) -> str | None:
        """The CaRE action whose requirement carries the target when none is marked with it."""
        return SUBMISSION_ACTION if self.from_status else None


_SHORT_LABELS = {
    "rssi": _("RSSI"),
    "governance": _("Gouvernance"),
    "budget": _("Budget ≥ 2 %"),
    "exercise": _("Exercice"),
    "pcra_referent": _("Réf. PCRA"),
    "plan_blanc": _("Plan blanc"),
    "submitted": _("Transmise"),
    "domain1": _("Domaine 1"),
}
assert set(_SHORT_LABELS) == set(Headline.values), "every headline needs its short label"

# The headlines fed by answers: the ones a requirement may be marked with.
ANSWERED_HEADLINES: tuple[str, ...] = tuple(h.value for h in Headline if not h.from_status)

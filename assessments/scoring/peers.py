"""What may be shown of an assessment's position among its peers: the one rule every page, report
and API answer applies before showing a percentile computed from other establishments' scores."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, ScoreSnapshot

# Below this many scored peers the position is not shown: with two or three, a percentile
# would tell a director how a named neighbour scored. The number of scored peers is withheld
# too, so that saving different answers cannot narrow anyone's score.
PEER_MINIMUM = 5


@dataclass(frozen=True)
class PeerBenchmark:
    """Where an assessment's global score stands among its peers."""

    percentile: float | None
    peers: int


def peer_percentile(assessment: Assessment) -> PeerBenchmark:
    """Percentile of the global score among assessments of the same campaign, kind and region.

    The share of the other peers scoring lower, ties counting half: 100 means above every peer,
    0 below every peer. None without a score or without a scored peer. Reads snapshots.
    """
    own = ScoreSnapshot.objects.filter(assessment=assessment).values_list("score_global", flat=True)
    score = next(iter(own), None)
    establishment = assessment.establishment
    peers = ScoreSnapshot.objects.filter(
        assessment__campaign_id=assessment.campaign_id,
        assessment__establishment__kind=establishment.kind,
        assessment__establishment__region_id=establishment.region_id,
        score_global__isnull=False,
    ).exclude(assessment_id=assessment.pk)
    if score is None:
        return PeerBenchmark(percentile=None, peers=peers.count())
    counts = peers.aggregate(
        total=Count("pk"),
        below=Count("pk", filter=Q(score_global__lt=score)),
        equal=Count("pk", filter=Q(score_global=score)),
    )
    if not counts["total"]:
        return PeerBenchmark(percentile=None, peers=0)
    share = (counts["below"] + 0.5 * counts["equal"]) / counts["total"]
    return PeerBenchmark(percentile=100 * share, peers=counts["total"])


class Withheld(models.TextChoices):
    TOO_FEW_PEERS = "too_few_peers", gettext_lazy("Moins de 5 établissements comparables")
    NOT_SCORED = "not_scored", gettext_lazy("Pas encore de score global")


@dataclass(frozen=True)
class PeerPosition:
    """The position as it may be shown: ``percentile`` and ``peers`` are None when withheld."""

    percentile: float | None
    peers: int | None
    withheld: Withheld | None
    minimum: int = PEER_MINIMUM

    @property
    def shown(self) -> bool:
        return self.withheld is None

    @property
    def reason(self) -> str | None:
        """Why the position is withheld, in French (None when shown)."""
        if self.withheld == Withheld.TOO_FEW_PEERS:
            return _(
                "Position non communiquée : il faut au moins %(n)d établissements comparables "
                "ayant un score (même type, même région, même campagne) pour la calculer sans "
                "révéler le score d'un autre établissement."
            ) % {"n": self.minimum}
        if self.withheld == Withheld.NOT_SCORED:
            return _("Position non communiquée : l'auto-évaluation n'a pas encore de score global.")
        return None


def peer_position(assessment: Assessment) -> PeerPosition:
    """The assessment's percentile among comparable ones, withheld below PEER_MINIMUM peers.

    Below the minimum neither the percentile nor the number of peers is given: nothing derived
    from other establishments' scores leaves this function.
    """
    benchmark = peer_percentile(assessment)
    if benchmark.peers < PEER_MINIMUM:
        return PeerPosition(percentile=None, peers=None, withheld=Withheld.TOO_FEW_PEERS)
    if benchmark.percentile is None:
        return PeerPosition(percentile=None, peers=benchmark.peers, withheld=Withheld.NOT_SCORED)
    return PeerPosition(percentile=benchmark.percentile, peers=benchmark.peers, withheld=None)

"""What may be shown of an assessment's position among its peers: the one rule every page, report
and API answer applies before showing a percentile computed from other establishments' scores.

From version 2 of the referential on (a referential whose items say where they come from), peers
are the **submitted or validated** assessments of the same campaign of establishments of the same
kind and the same category group (FINESS aggregated category); a draft is never counted, so that
saving a draft moves no other establishment's figure. The registry holds no size of an
establishment: no size band is applied, and the page says so. Version 1 keeps its rule (same
campaign, kind and region, drafts included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, ScoreSnapshot
from assessments.scoring.compiled import compiled_referential

# Below this many scored peers the position is not shown: with two or three, a percentile
# would tell a director how a named neighbour scored. The number of scored peers is withheld
# too, so that saving different answers cannot narrow anyone's score.
PEER_MINIMUM = 5


# The statuses an assessment must have to be compared (version 2 on): what its director sent.
COMPARED_STATUSES = (Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED)


@dataclass(frozen=True)
class PeerBenchmark:
    """Where an assessment's global score stands among its peers."""

    percentile: float | None
    peers: int


def compares_transmitted_only(assessment: Assessment) -> bool:
    """Version 2 on: peers and trend compare submitted or validated assessments only."""
    return compiled_referential(assessment.campaign.referential_id).model.has_sources


def category_group(establishment) -> str:
    """The establishment's category group: its FINESS aggregated category, else its category."""
    return establishment.aggregated_category_code or establishment.category_code


def peer_snapshots(assessment: Assessment):
    """The scored snapshots of the assessment's peers (itself excluded)."""
    establishment = assessment.establishment
    peers = ScoreSnapshot.objects.filter(
        assessment__campaign_id=assessment.campaign_id,
        assessment__establishment__kind=establishment.kind,
        score_global__isnull=False,
    ).exclude(assessment_id=assessment.pk)
    if not compares_transmitted_only(assessment):
        return peers.filter(assessment__establishment__region_id=establishment.region_id)
    group = category_group(establishment)
    same_group = Q(assessment__establishment__aggregated_category_code=group) | Q(
        assessment__establishment__aggregated_category_code="",
        assessment__establishment__category_code=group,
    )
    return peers.filter(same_group, assessment__status__in=COMPARED_STATUSES)


_STORED = object()


def peer_percentile(assessment: Assessment, *, score: Any = _STORED) -> PeerBenchmark:
    """Percentile of the global score among the comparable assessments (:func:`peer_snapshots`).

    The share of the other peers scoring lower, ties counting half: 100 means above every peer,
    0 below every peer. None without a score or without a scored peer. Reads snapshots, and
    the assessment's own stored score unless ``score`` gives it (just computed by a save).
    """
    if score is _STORED:
        own = ScoreSnapshot.objects.filter(assessment=assessment).values_list(
            "score_global", flat=True
        )
        score = next(iter(own), None)
    peers = peer_snapshots(assessment)
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
    # Version 2 on: transmitted assessments of the same kind and category group only.
    transmitted_only: bool = False

    @property
    def shown(self) -> bool:
        return self.withheld is None

    @property
    def basis(self) -> str:
        """Who the assessment is compared with, in one French sentence."""
        if self.transmitted_only:
            return _(
                "Comparé aux auto-évaluations transmises ou validées de la même campagne, "
                "d'établissements du même type et du même groupe de catégories FINESS ; le "
                "répertoire ne donne pas la taille des établissements : aucune tranche de taille "
                "n'est appliquée."
            )
        return _("Comparé aux établissements du même type, de la même région et de la campagne.")

    @property
    def reason(self) -> str | None:
        """Why the position is withheld, in French (None when shown)."""
        if self.withheld == Withheld.TOO_FEW_PEERS and self.transmitted_only:
            return _(
                "Position non communiquée : il faut au moins %(n)d établissements comparables "
                "ayant un score (même type, même groupe de catégories, même campagne, "
                "auto-évaluations transmises ou validées) pour la calculer sans révéler le score "
                "d'un autre établissement."
            ) % {"n": self.minimum}
        if self.withheld == Withheld.TOO_FEW_PEERS:
            return _(
                "Position non communiquée : il faut au moins %(n)d établissements comparables "
                "ayant un score (même type, même région, même campagne) pour la calculer sans "
                "révéler le score d'un autre établissement."
            ) % {"n": self.minimum}
        if self.withheld == Withheld.NOT_SCORED:
            return _("Position non communiquée : l'auto-évaluation n'a pas encore de score global.")
        return None


def peer_position(assessment: Assessment, *, score: Any = _STORED) -> PeerPosition:
    """The assessment's percentile among comparable ones, withheld below PEER_MINIMUM peers.

    Below the minimum neither the percentile nor the number of peers is given: nothing derived
    from other establishments' scores leaves this function.
    """
    benchmark = peer_percentile(assessment, score=score)
    strict = compares_transmitted_only(assessment)
    if benchmark.peers < PEER_MINIMUM:
        return PeerPosition(
            percentile=None, peers=None, withheld=Withheld.TOO_FEW_PEERS, transmitted_only=strict
        )
    if benchmark.percentile is None:
        return PeerPosition(
            percentile=None,
            peers=benchmark.peers,
            withheld=Withheld.NOT_SCORED,
            transmitted_only=strict,
        )
    return PeerPosition(
        percentile=benchmark.percentile,
        peers=benchmark.peers,
        withheld=None,
        transmitted_only=strict,
    )

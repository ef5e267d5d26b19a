"""What may be shown of an assessment's position among its peers: the one rule every page, report
and API answer applies before showing a percentile computed from other establishments' scores.

Peers are the **submitted or validated** assessments of the same campaign, never a draft: a
figure that moved when a peer saved a draft would let its reader infer that peer's answers.

- Version 1: establishments of the same kind and the same region, ranked on the global score.
- From version 2 of the referential on (a referential whose items say where they come from):
  establishments of the same kind and the same category group (FINESS aggregated category),
  ranked on the **CaRE-targets score**. The registry holds no size of an establishment: no size
  band is applied, and the page says so.
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
from care_portal.precompiled import PrecompiledQuery

# Below this many scored peers the position is not shown: with two or three, a percentile
# would tell a director how a named neighbour scored. The number of scored peers is withheld
# too, so that saving different answers cannot narrow anyone's score.
PEER_MINIMUM = 5


# The statuses an assessment must have to be compared: what was sent, never a draft.
COMPARED_STATUSES = (Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED)


@dataclass(frozen=True)
class PeerBenchmark:
    """Where an assessment's global score stands among its peers."""

    percentile: float | None
    peers: int


def by_care_score(assessment: Assessment) -> bool:
    """Version 2 on: peers share the category group and are ranked on the CaRE-targets score."""
    return compiled_referential(assessment.campaign.referential_id).model.has_sources


def ranked_field(assessment: Assessment) -> str:
    """The snapshot column peers are ranked on: the CaRE-targets score (v2), else the global."""
    return _ranked_on(by_care_score(assessment))


def _ranked_on(care: bool) -> str:
    return "score_care" if care else "score_global"


def peer_snapshots(assessment: Assessment):
    """The scored snapshots of the assessment's peers (itself excluded), transmitted only.

    Read through the snapshots' copies of their campaign, assessment status, kind, region and
    category group (``assessments.scoring.copies``, kept exact), from an index holding them and
    the scores: a save or a read counts its peers without reading the assessments or the
    registry, whatever plan the database would choose for a join."""
    return _peers(**_peers_of(assessment))


def _peers_of(assessment: Assessment) -> dict[str, Any]:
    """What decides the assessment's peers, as :func:`_peers` takes it."""
    establishment = assessment.establishment
    care = by_care_score(assessment)
    return {
        "care": care,
        "campaign_id": assessment.campaign_id,
        "kind": establishment.kind,
        "group": establishment.category_group if care else establishment.region_id,
        "itself": assessment.pk,
    }


def _peers(*, care: bool, campaign_id, kind, group, itself) -> models.QuerySet[ScoreSnapshot]:
    """The scored, transmitted snapshots of a campaign's establishments of this kind and group
    (category group ranked on the CaRE-targets score with ``care``, else region), but one."""
    field_name = _ranked_on(care)
    return ScoreSnapshot.objects.filter(
        campaign_id=campaign_id,
        kind=kind,
        assessment_status__in=COMPARED_STATUSES,
        **{f"{field_name}__isnull": False},
        **({"category_group": group} if care else {"region_code": group}),
    ).exclude(assessment_id=itself)


_STORED = object()


def peer_percentile(assessment: Assessment, *, score: Any = _STORED) -> PeerBenchmark:
    """Percentile of the ranked score (:func:`ranked_field`) among the comparable assessments
    (:func:`peer_snapshots`).

    The share of the other peers scoring lower, ties counting half: 100 means above every peer,
    0 below every peer. None without a score or without a scored peer. Reads snapshots, and
    the assessment's own stored score unless ``score`` gives it (just computed by a save).
    """
    field_name = ranked_field(assessment)
    if score is _STORED:
        own = ScoreSnapshot.objects.filter(assessment=assessment).values_list(field_name, flat=True)
        score = next(iter(own), None)
    if score is None:
        return PeerBenchmark(percentile=None, peers=peer_snapshots(assessment).count())
    peers = _peers_of(assessment)
    care = peers.pop("care")
    rows = _PEER_COUNTS[care].values(**peers, score=float(score))
    if not rows:
        return PeerBenchmark(percentile=None, peers=0)
    ((_kind, total, below, equal),) = rows
    share = (below + 0.5 * equal) / total
    return PeerBenchmark(percentile=100 * share, peers=total)


def _counted_peers(care: bool) -> PrecompiledQuery:
    """How many peers score below and level with a score: :func:`peer_snapshots` counted (one
    row, grouped on the kind they share; none without a peer), its SQL built once."""
    field_name = _ranked_on(care)

    def build(*, campaign_id, kind, group, itself, score):
        peers = _peers(care=care, campaign_id=campaign_id, kind=kind, group=group, itself=itself)
        return (
            peers.order_by()
            .values("kind")
            .annotate(
                total=Count("pk"),
                below=Count("pk", filter=Q(**{f"{field_name}__lt": score})),
                equal=Count("pk", filter=Q(**{field_name: score})),
            )
        )

    return PrecompiledQuery(
        ScoreSnapshot,
        build,
        campaign_id=-1,
        kind="?kind",
        group="?group",
        itself=-2,
        score=-1.5,
    )


_PEER_COUNTS = {care: _counted_peers(care) for care in (False, True)}


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
    # Version 2 on: same kind and category group, ranked on the CaRE-targets score.
    by_care_score: bool = False

    @property
    def score_label(self) -> str:
        """The score peers are ranked on, as the sentence names it."""
        return _("score cibles CaRE") if self.by_care_score else _("score global")

    @property
    def shown(self) -> bool:
        return self.withheld is None

    @property
    def basis(self) -> str:
        """Who the assessment is compared with, in one French sentence."""
        if self.by_care_score:
            return _(
                "Comparé, sur le score cibles CaRE, aux auto-évaluations transmises ou validées "
                "de la même campagne, d'établissements du même type et du même groupe de "
                "catégories FINESS ; le répertoire ne donne pas la taille des établissements : "
                "aucune tranche de taille n'est appliquée."
            )
        return _(
            "Comparé aux auto-évaluations transmises ou validées de la même campagne, "
            "d'établissements du même type et de la même région ; les brouillons ne sont "
            "jamais comptés."
        )

    @property
    def reason(self) -> str | None:
        """Why the position is withheld, in French (None when shown)."""
        if self.withheld == Withheld.TOO_FEW_PEERS and self.by_care_score:
            return _(
                "Position non communiquée : il faut au moins %(n)d établissements comparables "
                "ayant un score (même type, même groupe de catégories, même campagne, "
                "auto-évaluations transmises ou validées) pour la calculer sans révéler le score "
                "d'un autre établissement."
            ) % {"n": self.minimum}
        if self.withheld == Withheld.TOO_FEW_PEERS:
            return _(
                "Position non communiquée : il faut au moins %(n)d établissements comparables "
                "ayant un score (même type, même région, même campagne, auto-évaluations "
                "transmises ou validées) pour la calculer sans révéler le score d'un autre "
                "établissement."
            ) % {"n": self.minimum}
        if self.withheld == Withheld.NOT_SCORED:
            return _(
                "Position non communiquée : l'auto-évaluation n'a pas encore de %(score)s."
            ) % {"score": self.score_label}
        return None


def peer_position(assessment: Assessment, *, score: Any = _STORED) -> PeerPosition:
    """The assessment's percentile among comparable ones, withheld below PEER_MINIMUM peers.

    Below the minimum neither the percentile nor the number of peers is given: nothing derived
    from other establishments' scores leaves this function.
    """
    benchmark = peer_percentile(assessment, score=score)
    basis = {"by_care_score": by_care_score(assessment)}
    if benchmark.peers < PEER_MINIMUM:
        return PeerPosition(percentile=None, peers=None, withheld=Withheld.TOO_FEW_PEERS, **basis)
    if benchmark.percentile is None:
        return PeerPosition(
            percentile=None, peers=benchmark.peers, withheld=Withheld.NOT_SCORED, **basis
        )
    return PeerPosition(
        percentile=benchmark.percentile, peers=benchmark.peers, withheld=None, **basis
    )

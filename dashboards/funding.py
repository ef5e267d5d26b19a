"""Steering one funding call: the candidacies of a region (or of every region, side by side).

Per candidacy: who applies (a GHT or a legal entity), its stage, the call's objectives declared
and met according to the answers (``funding.objectives``), the documents still missing, the
amounts requested and paid and the next stage of the call with the day it closes (``funding.services``). Per
region: the candidacies at each stage, GHTs and legal entities, the same sums. The list is
filtered by stage, kind of applicant and name, and exported like the dashboards' lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.exports import AMOUNT_FORMAT, Column
from establishments.models import Region
from funding.models import Candidacy, FundingCall
from funding.objectives import candidacy_status
from funding.services import closes_on, next_window

Stage = Candidacy.Stage
# Stages at which the applicant has declared the call's objectives reached.
DECLARED_STAGES = (Stage.DECLARED, Stage.SIGNED, Stage.CONTROLLED, Stage.PAID)
GHT, ENTITY = "ght", "ej"
KINDS = ((GHT, gettext_lazy("GHT")), (ENTITY, gettext_lazy("Entité juridique hors GHT")))


class SteeringFilters(forms.Form):
    stage = forms.ChoiceField(
        label=gettext_lazy("Étape"),
        required=False,
        choices=[("", gettext_lazy("Toutes les étapes")), *Stage.choices],
        error_messages={"invalid_choice": gettext_lazy("Étape « %(value)s » inconnue.")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Candidat"),
        required=False,
        choices=[("", gettext_lazy("GHT et entités juridiques")), *KINDS],
        error_messages={"invalid_choice": gettext_lazy("Type de candidat « %(value)s » inconnu.")},
    )
    q = forms.CharField(
        label=gettext_lazy("Nom, code GHT ou FINESS EJ"), required=False, max_length=100
    )

    def filter(self, candidacies):
        data = self.cleaned_data
        if data.get("stage"):
            candidacies = candidacies.filter(stage=data["stage"])
        if data.get("kind") == GHT:
            candidacies = candidacies.filter(ght__isnull=False)
        elif data.get("kind") == ENTITY:
            candidacies = candidacies.filter(ght__isnull=True)
        if text := (data.get("q") or "").strip():
            candidacies = candidacies.filter(
                Q(ght__code__icontains=text)
                | Q(ght__name__icontains=text)
                | Q(finess_ej__icontains=text)
                | Q(establishment__name__icontains=text)
            )
        return candidacies


@dataclass
class SteeringRow:
    candidacy: Candidacy
    region: str
    kind: str
    applicant: str
    stage: str
    objectives: int
    declared: int
    met: int
    documents_missing: int
    amount_requested_eur: Decimal | None
    amount_paid_eur: int | None
    next_stage: str
    next_closes_on: date | None


@dataclass
class RegionSummary:
    region: Region
    by_stage: dict[str, int] = field(default_factory=dict)
    ghts: int = 0
    entities: int = 0
    declared: int = 0
    met: int = 0
    documents_missing: int = 0
    requested_eur: Decimal = Decimal(0)
    paid_eur: int = 0

    @property
    def total(self) -> int:
        return self.ghts + self.entities

    @property
    def stage_counts(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_stage.get(value, 0)) for value, label in Stage.choices]


def call_candidacies(call: FundingCall, user, regions: Sequence[Region]):
    """The call's candidacies in the person's scope, in the regions given."""
    return (
        Candidacy.objects.for_user(user)
        .filter(call=call, region__in=regions)
        .select_related("call", "establishment", "ght", "region")
        .order_by("region__name", "ght__code", "finess_ej", "pk")
    )


def steering_row(candidacy: Candidacy) -> SteeringRow:
    status = candidacy_status(candidacy)
    objectives = len(status.objectives)
    upcoming = next_window(candidacy)
    return SteeringRow(
        candidacy=candidacy,
        region=candidacy.region.name,
        kind=str(dict(KINDS)[GHT if candidacy.ght_id else ENTITY]),
        applicant=str(candidacy.applicant_label),
        stage=str(Stage(candidacy.stage).label),
        objectives=objectives,
        declared=objectives if candidacy.stage in DECLARED_STAGES else 0,
        met=sum(1 for item in status.objectives if item.met),
        documents_missing=len(status.documents_missing),
        amount_requested_eur=candidacy.amount_requested_eur,
        amount_paid_eur=candidacy.amount_paid_eur,
        next_stage=upcoming["label"] if upcoming else "",
        next_closes_on=closes_on(upcoming),
    )


def summaries(rows: Iterable[SteeringRow], regions: Sequence[Region]) -> list[RegionSummary]:
    """One summary per region, in the order given (regions without candidacies included)."""
    by_region = {region.code: RegionSummary(region=region) for region in regions}
    for row in rows:
        summary = by_region[row.candidacy.region_id]
        stage = row.candidacy.stage
        summary.by_stage[stage] = summary.by_stage.get(stage, 0) + 1
        if row.candidacy.ght_id:
            summary.ghts += 1
        else:
            summary.entities += 1
        summary.declared += row.declared
        summary.met += row.met
        summary.documents_missing += row.documents_missing
        summary.requested_eur += row.amount_requested_eur or 0
        summary.paid_eur += row.amount_paid_eur or 0
    return list(by_region.values())


def export_columns() -> list[Column]:
    return [
        Column(_("Région"), lambda r: r.region, width=24),
        Column(_("Type de candidat"), lambda r: r.kind),
        Column(_("Candidat"), lambda r: r.applicant, width=40),
        Column(_("FINESS EJ porteur"), lambda r: r.candidacy.finess_ej),
        Column(_("Étape"), lambda r: r.stage),
        Column(_("Objectifs de l'appel"), lambda r: r.objectives),
        Column(_("Objectifs déclarés"), lambda r: r.declared),
        Column(_("Objectifs atteints d'après les réponses"), lambda r: r.met),
        Column(_("Pièces manquantes"), lambda r: r.documents_missing),
        Column(_("Montant versé (€)"), lambda r: r.amount_paid_eur, number_format=AMOUNT_FORMAT),
        Column(
            _("Montant demandé (€)"), lambda r: r.amount_requested_eur, number_format=AMOUNT_FORMAT
        ),
        Column(_("Étape suivante"), lambda r: r.next_stage, width=30),
        Column(_("Clôture de l'étape suivante"), lambda r: r.next_closes_on),
    ]

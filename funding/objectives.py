"""Where a candidacy stands on its call's prerequisites and objectives, from the applicant's answers.

The answers are those of the applicant's assessments in the current campaign of the call's
referential version: every establishment of the GHT for a GHT's candidacy, every establishment
of the legal entity otherwise. An objective is met by an assessment when each requirement it
rests on is met (or does not apply to that establishment); by the candidacy when every assessment
meets it, except where the call's GHT rule says otherwise: then the legal entities whose
establishments all meet it must cover the share of the GHT's activity the rule asks
(``GHTMember.activity_share``). Documents are the assessments' evidence linked to the
objective's document slots (``CandidacyDocument``): one evidence, never uploaded twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from assessments.models import Assessment, Campaign, Evidence
from assessments.scoring.service import compute_result
from establishments.models import Establishment, GHTMember
from funding.models import Candidacy, CandidacyDocument
from funding.services import covered_establishments_q
from referential.rules import MET, NOT_APPLICABLE, NOT_ASKED

NEUTRAL = {NOT_APPLICABLE, NOT_ASKED}


@dataclass
class DocumentSlot:
    code: str
    label: str
    source: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return not self.evidence


@dataclass
class ObjectiveStatus:
    code: str
    label: str
    threshold: str
    requirements: list[str]
    met: bool | None  # None: cannot be told (no assessment, shares unknown)
    explanation: str
    documents: list[DocumentSlot]
    is_prerequisite: bool = False

    @property
    def documents_missing(self) -> list[str]:
        return [slot.code for slot in self.documents if slot.missing]


def applicant_establishments(candidacy: Candidacy):
    return Establishment.objects.filter(covered_establishments_q([candidacy]))


def current_campaign(candidacy: Candidacy) -> Campaign | None:
    """The latest campaign on the call's referential version."""
    return (
        Campaign.objects.filter(referential_id=candidacy.call.referential_id)
        .order_by("-year")
        .first()
    )


def candidacy_assessments(candidacy: Candidacy) -> list[Assessment]:
    campaign = current_campaign(candidacy)
    if campaign is None:
        return []
    return list(
        Assessment.objects.filter(
            campaign=campaign, establishment__in=applicant_establishments(candidacy)
        )
        .select_related("establishment", "campaign")
        .order_by("establishment__name", "pk")
    )


def _statuses(assessments: list[Assessment]) -> dict[int, dict[str, str]]:
    return {a.pk: compute_result(a).statuses for a in assessments}


def _meets(statuses: dict[str, str], requirements: list[str]) -> bool:
    found = [statuses.get(code) for code in requirements]
    return all(status == MET or status in NEUTRAL for status in found) and any(
        status == MET for status in found
    )


def _ght_share_met(
    candidacy: Candidacy,
    assessments: list[Assessment],
    statuses: dict[int, dict[str, str]],
    requirements: list[str],
    share_needed: float,
) -> tuple[bool | None, str]:
    members = list(GHTMember.objects.filter(ght_id=candidacy.ght_id).order_by("finess_ej"))
    unknown = [m.finess_ej for m in members if m.activity_share is None]
    if not members or unknown:
        return None, _(
            "Parts d'activité non renseignées pour : %(ejs)s ; le responsable du GHT les saisit."
        ) % {"ejs": ", ".join(unknown) or _("tous les membres")}
    by_ej: dict[str, list[bool]] = {}
    for assessment in assessments:
        by_ej.setdefault(assessment.establishment.finess_ej, []).append(
            _meets(statuses[assessment.pk], requirements)
        )
    covered = sum(
        (m.activity_share for m in members if by_ej.get(m.finess_ej) and all(by_ej[m.finess_ej])),
        Decimal(0),
    )
    met = covered >= Decimal(str(share_needed))
    return met, _(
        "Entités atteignant l'objectif : %(covered)s %% de l'activité du GHT (%(needed)s %% requis)."
    ) % {"covered": f"{covered:g}".replace(".", ","), "needed": f"{share_needed:g}"}


def _status(
    candidacy: Candidacy,
    item: dict,
    assessments: list[Assessment],
    statuses: dict[int, dict[str, str]],
    documents: dict[tuple[str, str], list[Evidence]],
    *,
    is_prerequisite: bool = False,
) -> ObjectiveStatus:
    rule = candidacy.call.ght_rule
    requirements = item["requirements"]
    if not assessments:
        met, explanation = None, _("Aucune auto-évaluation de la campagne en cours.")
    elif candidacy.ght_id and rule and not is_prerequisite and item["code"] in rule["objectives"]:
        met, explanation = _ght_share_met(
            candidacy, assessments, statuses, requirements, rule["activity_share_at_least"]
        )
    else:
        # Counted, not named: the page is read by people who may not see every member.
        failing = [a for a in assessments if not _meets(statuses[a.pk], requirements)]
        met = not failing
        explanation = (
            _("Atteint d'après les réponses.")
            if met
            else _("Pas encore atteint : %(failing)s établissement(s) sur %(total)s.")
            % {"failing": len(failing), "total": len(assessments)}
        )
    slots = [
        DocumentSlot(
            code=document["code"],
            label=document["label"],
            source=document["source"],
            evidence=documents.get((item["code"], document["code"]), []),
        )
        for document in item.get("documents") or []
    ]
    return ObjectiveStatus(
        code=item["code"],
        label=item["label"],
        threshold=item.get("threshold", ""),
        requirements=requirements,
        met=met,
        explanation=explanation,
        documents=slots,
        is_prerequisite=is_prerequisite,
    )


@dataclass
class CandidacyStatus:
    assessments: list[Assessment]
    prerequisites: list[ObjectiveStatus]
    objectives: list[ObjectiveStatus]

    @property
    def eligible(self) -> bool:
        return all(p.met for p in self.prerequisites)

    @property
    def documents_missing(self) -> list[tuple[str, str]]:
        return [
            (item.code, code)
            for item in [*self.prerequisites, *self.objectives]
            for code in item.documents_missing
        ]


def candidacy_status(candidacy: Candidacy) -> CandidacyStatus:
    assessments = candidacy_assessments(candidacy)
    statuses = _statuses(assessments)
    documents: dict[tuple[str, str], list[Evidence]] = {}
    for row in CandidacyDocument.objects.filter(candidacy=candidacy).select_related("evidence"):
        documents.setdefault((row.objective, row.document), []).append(row.evidence)
    call = candidacy.call
    return CandidacyStatus(
        assessments=assessments,
        prerequisites=[
            _status(candidacy, p, assessments, statuses, documents, is_prerequisite=True)
            for p in call.prerequisites
        ],
        objectives=[
            _status(candidacy, o, assessments, statuses, documents) for o in call.objectives
        ],
    )

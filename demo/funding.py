"""Demo candidacies to the funding calls: in the demo region, GHTs and legal entities at every stage.

Each candidacy goes through the workflow services as its people would (filed by the GHT lead or
the entity's RSSI, instructed, controlled and paid by the region's ARS, signed by the director),
each move dated inside its stage's window so none is forced. The documents the objectives ask
for are notes on the applicant's assessment, attached to their slots. Amounts are demo figures.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from assessments.models import Evidence
from demo.campaigns import _ght_lead, _staff
from establishments.models import GHT, Establishment, Kind, Role, User
from funding.models import Candidacy, FundingCall
from funding.objectives import candidacy_assessments
from funding.workflow import advance, apply, attach_document
from referential.models import Requirement

Stage = Candidacy.Stage
# The stages every applicant kind is shown at, in the order a candidacy passes them.
DEMO_STAGES = [
    Stage.SUBMITTED,
    Stage.REFUSED,
    Stage.VALIDATED,
    Stage.DECLARED,
    Stage.SIGNED,
    Stage.CONTROLLED,
    Stage.PAID,
]
# Calls whose declaration needs no eligibility prerequisite (the continuity call's do).
OPEN_CALLS = ("D1", "HOSPICONNECT", "D1BIS")
DEMO_AMOUNT_EUR = 120_000  # demo figure, within each call's envelope


def _day(call: FundingCall, stage_code: str) -> date:
    """A day inside the stage's window: its closing day, else its opening day, else today."""
    stage = call.stage(stage_code)
    value = stage["closes_on"] or stage["opens_on"]
    return date.fromisoformat(value) if value else timezone.localdate()


def _attach_documents(candidacy: Candidacy, preparer: User) -> None:
    assessments = candidacy_assessments(candidacy)
    assessment = next(
        (a for a in assessments if a.establishment_id == candidacy.establishment_id),
        assessments[0],
    )
    call = candidacy.call
    for item in [*call.prerequisites, *call.objectives]:
        requirement = Requirement.objects.get(
            referential_id=call.referential_id, code=item["requirements"][0]
        )
        for slot in item.get("documents") or []:
            evidence = Evidence.objects.create(
                assessment=assessment,
                requirement=requirement,
                kind=Evidence.Kind.NOTE,
                note=f"{slot['label']} — document de démonstration classé à la direction.",
                created_by=preparer,
            )
            attach_document(
                candidacy,
                user=preparer,
                objective=item["code"],
                document=slot["code"],
                evidence_id=evidence.pk,
            )


def _bring_to(
    candidacy: Candidacy, stage: str, *, preparer: User, director: User, ars: User
) -> None:
    call = candidacy.call
    if stage == Stage.SUBMITTED:
        return
    if stage == Stage.REFUSED:
        advance(
            candidacy,
            user=ars,
            to=Stage.REFUSED,
            comment="Candidature incomplète au regard de l'appel (démonstration).",
            today=_day(call, "instruction"),
        )
        return
    advance(candidacy, user=ars, to=Stage.VALIDATED, today=_day(call, "instruction"))
    if stage == Stage.VALIDATED:
        return
    _attach_documents(candidacy, preparer)
    advance(candidacy, user=preparer, to=Stage.DECLARED, today=_day(call, "declaration"))
    if stage == Stage.DECLARED:
        return
    advance(candidacy, user=director, to=Stage.SIGNED, today=_day(call, "declaration"))
    if stage == Stage.SIGNED:
        return
    advance(
        candidacy,
        user=ars,
        to=Stage.CONTROLLED,
        outcome=Candidacy.Outcome.COMPLIANT,
        comment="Contrôle sur pièces : conforme.",
        today=_day(call, "control"),
    )
    if stage == Stage.CONTROLLED:
        return
    advance(
        candidacy,
        user=ars,
        to=Stage.PAID,
        amount_eur=min(DEMO_AMOUNT_EUR, call.amount_eur or DEMO_AMOUNT_EUR),
        today=_day(call, "payment"),
    )


def seed_candidacies(*, region: str, exclude: set[str] = frozenset()) -> str:
    """GHT and legal-entity candidacies at every stage in `region` (once: a re-run adds none).

    `exclude` lists FINESS the demo accounts use, left without a legal entity's candidacy (a
    GHT's candidacy covers its support establishment whoever uses it).
    """
    if Candidacy.objects.filter(region_id=region).exists():
        return "Candidatures de démonstration déjà présentes"
    calls = {c.code: c for c in FundingCall.objects.current().filter(code__in=OPEN_CALLS)}
    if not calls:
        return "Aucun appel à financement chargé : pas de candidature de démonstration"
    ars = (
        User.objects.filter(role_assignments__role=Role.ARS, role_assignments__region_id=region)
        .order_by("pk")
        .first()
    )
    ghts = list(
        GHT.objects.filter(region_id=region, support_establishment__isnull=False)
        .select_related("support_establishment")
        .order_by("code")
    )
    slots = [(ght, code) for code in OPEN_CALLS if code in calls for ght in ghts]
    entities = (
        Establishment.objects.filter(region_id=region, ght__isnull=True, kind=Kind.ES)
        .exclude(finess__in=exclude)
        .order_by("finess_ej", "finess")
    )
    seen, singles = set(), []
    for establishment in entities:
        if establishment.finess_ej not in seen:
            seen.add(establishment.finess_ej)
            singles.append(establishment)
    made = 0
    for index, stage in enumerate(DEMO_STAGES):
        if index < len(slots):
            ght, code = slots[index]
            support = ght.support_establishment
            preparer = _ght_lead(ght)
            _rssi, director = _staff(support)
            candidacy = apply(
                calls[code], user=preparer, applicant=ght.code, today=_day(calls[code], "candidacy")
            )
            _bring_to(candidacy, stage, preparer=preparer, director=director, ars=ars)
            made += 1
        if index < len(singles) and "D1" in calls:
            entity = singles[index]
            rssi, director = _staff(entity)
            candidacy = apply(
                calls["D1"],
                user=rssi,
                applicant=entity.finess_ej,
                today=_day(calls["D1"], "candidacy"),
            )
            _bring_to(candidacy, stage, preparer=rssi, director=director, ars=ars)
            made += 1
    return f"Candidatures de démonstration aux appels à financement : {made}"

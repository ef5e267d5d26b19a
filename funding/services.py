"""Public reads of the funding app for the other apps: where an establishment stands in the calls.

``calls_of(establishment, campaign)`` gives, for each call of the campaign's referential version
the establishment takes part in (its GHT's candidacy, its legal entity's, or one it files), the
candidacy's stage and the next stage of the call with the day it closes. ``next_window`` is the
one rule of "which of the call's stages comes next for a candidacy at this stage";
``candidate_establishments`` gives the candidates every ``candidates:<call>`` target counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from establishments.models import Establishment
from funding.models import Candidacy, FundingCall

Stage = Candidacy.Stage

# The call's stage in which a candidacy at each stage makes its next move (None: nothing left).
NEXT_WINDOW = {
    Stage.SUBMITTED: "instruction",
    Stage.VALIDATED: "declaration",
    Stage.DECLARED: "declaration",
    Stage.SIGNED: "control",
    Stage.CONTROLLED: "payment",
    Stage.REFUSED: None,
    Stage.PAID: None,
}


@dataclass(frozen=True)
class CallStanding:
    call: FundingCall
    candidacy: Candidacy
    stage: str  # the candidacy's stage (Candidacy.Stage)
    stage_label: str
    next_stage: dict | None  # the call's stage (code, label, opens_on, closes_on, source, note)
    next_closes_on: date | None  # None: nothing left, or the date is not published


def next_window(candidacy: Candidacy) -> dict | None:
    """The call's stage in which the candidacy's next move falls, or None when it is over."""
    code = NEXT_WINDOW.get(candidacy.stage)
    return candidacy.call.stage(code) if code else None


def closes_on(stage: dict | None) -> date | None:
    if not stage or not stage.get("closes_on"):
        return None
    return date.fromisoformat(stage["closes_on"])


def candidacies_of(establishment) -> Q:
    """The candidacies an establishment takes part in: its GHT's, its legal entity's, its own."""
    own = Q(establishment=establishment)
    if establishment.ght_id:
        return own | Q(ght_id=establishment.ght_id)
    return own | Q(ght__isnull=True, finess_ej=establishment.finess_ej)


def calls_of(establishment, campaign) -> list[CallStanding]:
    """The funding calls of the campaign's referential the establishment is in, call order."""
    candidacies = (
        Candidacy.objects.filter(
            candidacies_of(establishment), call__referential=campaign.referential
        )
        .select_related("call")
        .order_by("call__order", "call__code", "pk")
    )
    standings = []
    for candidacy in candidacies:
        upcoming = next_window(candidacy)
        standings.append(
            CallStanding(
                call=candidacy.call,
                candidacy=candidacy,
                stage=candidacy.stage,
                stage_label=str(Stage(candidacy.stage).label),
                next_stage=upcoming,
                next_closes_on=closes_on(upcoming),
            )
        )
    return standings


def covered_establishments_q(candidacies) -> Q:
    """The establishments the candidacies cover: a GHT's members, a legal entity's sites."""
    ghts = [c.ght_id for c in candidacies if c.ght_id]
    entities = [c.finess_ej for c in candidacies if not c.ght_id]
    return Q(ght_id__in=ghts) | Q(ght__isnull=True, finess_ej__in=entities)


def candidate_establishments(call_code: str, campaign):
    """The ids of the establishments that applied to the call on the campaign's referential
    version (every candidacy filed, whatever its stage), or None when none is recorded."""
    candidacies = list(
        Candidacy.objects.filter(
            call__code=call_code, call__referential_id=campaign.referential_id
        ).only("ght_id", "finess_ej")
    )
    if not candidacies:
        return None
    return Establishment.objects.filter(covered_establishments_q(candidacies)).values("pk")

"""Candidacies to funding calls: every stage move by every role, windows, forcing, documents, audit.

The `world` GHT (support: `hospital`, member: `clinic`) applies to a call on the campaign's
referential; the nursing home (no GHT) applies as a legal entity. `ars` is the region's ARS,
`other_ars` another region's, `other_rssi` an RSSI elsewhere.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assessments.answers import save_answers
from assessments.models import Evidence
from audit.models import Action, AuditEvent
from establishments.models import GHTMember, Role
from funding.models import Candidacy, CandidacyDocument, CandidacyMove
from funding.objectives import candidacy_status
from funding.workflow import (
    CandidacyError,
    advance,
    allowed_moves,
    apply,
    attach_document,
    grant_exception,
)
from tests.factories import CandidacyFactory, FundingCallFactory, funding_stages, user_with_role

Stage = Candidacy.Stage
ROLES = ["rssi", "director", "ght_lead", "ars", "other_ars", "national", "other_rssi"]
TODAY = date(2026, 3, 2)


def open_window():
    return (str(TODAY - timedelta(days=10)), str(TODAY + timedelta(days=10)))


def closed_window():
    return (str(TODAY - timedelta(days=40)), str(TODAY - timedelta(days=20)))


@pytest.fixture
def call(campaign):
    window = open_window()
    return FundingCallFactory(
        referential=campaign.campaign.referential,
        code="D2",
        amount_eur=45_000_000,
        stages=funding_stages(
            **dict.fromkeys(
                ["candidacy", "instruction", "declaration", "control", "payment"], window
            )
        ),
    )


def evidence_for(campaign, assessment, code="GOV-COMITE"):
    return Evidence.objects.create(
        assessment=assessment,
        requirement=campaign.requirements[code],
        kind=Evidence.Kind.NOTE,
        note="Compte rendu du comité du 12 janvier",
    )


def at_stage(world, call, stage, **fields):
    return CandidacyFactory(
        call=call,
        establishment=world.hospital,
        ght=world.ght,
        finess_ej=world.hospital.finess_ej,
        region=world.region,
        stage=stage,
        **fields,
    )


def snapshot(candidacy):
    candidacy = Candidacy.objects.get(pk=candidacy.pk)
    return (
        candidacy.stage,
        candidacy.control_outcome,
        candidacy.amount_paid_eur,
        CandidacyMove.objects.filter(candidacy=candidacy).count(),
        AuditEvent.objects.filter(action=Action.FUNDING_CANDIDACY).count(),
    )


# --- Applying ---------------------------------------------------------------------------------

APPLY_ALLOWED = {"rssi", "ght_lead"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_who_may_file_a_ght_candidacy(role, world, call):
    user = getattr(world, role)
    if role in APPLY_ALLOWED:
        candidacy = apply(call, user=user, applicant=world.ght.code, today=TODAY)
        assert (candidacy.establishment, candidacy.ght, candidacy.stage) == (
            world.hospital,
            world.ght,
            Stage.SUBMITTED,
        )
        assert candidacy.applicant == world.ght.code
        event = AuditEvent.objects.get(action=Action.FUNDING_CANDIDACY)
        assert (event.actor, event.detail["to"], event.region_id) == (user, "submitted", "84")
    else:
        with pytest.raises(CandidacyError, match="Seul le RSSI de l'établissement porteur"):
            apply(call, user=user, applicant=world.ght.code, today=TODAY)
        assert not Candidacy.objects.exists()
        assert not AuditEvent.objects.filter(action=Action.FUNDING_CANDIDACY).exists()


@pytest.mark.django_db
def test_a_legal_entity_outside_a_ght_applies_as_such(world, call):
    from establishments.models import Role
    from tests.factories import user_with_role

    rssi = user_with_role(Role.RSSI, world.nursing_home)
    candidacy = apply(call, user=rssi, applicant=world.nursing_home.finess_ej, today=TODAY)
    assert (candidacy.ght, candidacy.applicant) == (None, world.nursing_home.finess_ej)


@pytest.mark.django_db
def test_a_ght_member_cannot_apply_alone_nor_twice(world, call):
    with pytest.raises(CandidacyError, match="le GHT candidate pour tous ses membres"):
        apply(call, user=world.rssi, applicant=world.clinic.finess_ej, today=TODAY)
    apply(call, user=world.rssi, applicant=world.ght.code, today=TODAY)
    with pytest.raises(CandidacyError, match="a déjà candidaté"):
        apply(call, user=world.ght_lead, applicant=world.ght.code, today=TODAY)
    with pytest.raises(CandidacyError, match="Candidat « 123 » inconnu"):
        apply(call, user=world.rssi, applicant="123", today=TODAY)
    assert Candidacy.objects.count() == 1


@pytest.mark.django_db
def test_applying_outside_the_candidacy_window_is_refused(world, call):
    call.stages = funding_stages(candidacy=closed_window())
    call.save()
    with pytest.raises(CandidacyError, match="est close depuis le 10 février 2026"):
        apply(call, user=world.rssi, applicant=world.ght.code, today=TODAY)
    assert not Candidacy.objects.exists()


# --- Every move by every role -------------------------------------------------------------------

# (from stage, to stage, extra arguments, the one role allowed)
MOVES = [
    (Stage.SUBMITTED, Stage.VALIDATED, {}, "ars"),
    (Stage.SUBMITTED, Stage.REFUSED, {"comment": "Dossier incomplet"}, "ars"),
    (Stage.VALIDATED, Stage.DECLARED, {}, "rssi"),
    (Stage.VALIDATED, Stage.DECLARED, {}, "ght_lead"),
    (Stage.DECLARED, Stage.SIGNED, {}, "director"),
    (Stage.DECLARED, Stage.VALIDATED, {"comment": "Pièce à revoir"}, "director"),
    (Stage.SIGNED, Stage.CONTROLLED, {"outcome": "compliant"}, "ars"),
    (Stage.CONTROLLED, Stage.PAID, {"amount_eur": 120_000}, "ars"),
]


def ready(world, campaign, call, stage):
    fields = {"control_outcome": "compliant"} if stage == Stage.CONTROLLED else {}
    candidacy = at_stage(world, call, stage, **fields)
    evidence = evidence_for(campaign, campaign.hospital)
    CandidacyDocument.objects.create(
        candidacy=candidacy, objective="O1", document="compte_rendu", evidence=evidence
    )
    return candidacy


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", MOVES, ids=lambda m: f"{m[0]}-{m[1]}-{m[3]}")
def test_every_move_by_every_role(move, role, world, campaign, call):
    from_stage, to_stage, extra, allowed = move
    candidacy = ready(world, campaign, call, from_stage)
    user = getattr(world, role)
    holders = {allowed} | ({"rssi", "ght_lead"} if allowed in ("rssi", "ght_lead") else set())
    if role in holders:
        assert to_stage in allowed_moves(candidacy, user)
        result = advance(candidacy, user=user, to=to_stage, today=TODAY, **extra)
        candidacy.refresh_from_db()
        assert candidacy.stage == to_stage
        assert (result.actor, result.from_stage, result.to_stage) == (user, from_stage, to_stage)
        event = AuditEvent.objects.get(action=Action.FUNDING_CANDIDACY)
        assert (event.actor, event.detail["from"], event.detail["to"]) == (
            user,
            from_stage,
            to_stage,
        )
        assert event.establishment == world.hospital
    else:
        before = snapshot(candidacy)
        assert to_stage not in allowed_moves(candidacy, user)
        with pytest.raises(CandidacyError, match="Seul"):
            advance(candidacy, user=user, to=to_stage, today=TODAY, **extra)
        assert snapshot(candidacy) == before


@pytest.mark.django_db
@pytest.mark.parametrize("stage", [Stage.REFUSED, Stage.PAID, Stage.SUBMITTED])
def test_stages_cannot_be_skipped(stage, world, campaign, call):
    candidacy = ready(world, campaign, call, stage)
    target = Stage.PAID if stage != Stage.PAID else Stage.VALIDATED
    before = snapshot(candidacy)
    with pytest.raises(CandidacyError, match="ne peut pas passer"):
        advance(candidacy, user=world.ars, to=target, amount_eur=1, today=TODAY)
    assert snapshot(candidacy) == before


@pytest.mark.django_db
def test_the_timeline_holds_every_move_in_order(world, campaign, call):
    candidacy = apply(call, user=world.rssi, applicant=world.ght.code, today=TODAY)
    advance(candidacy, user=world.ars, to=Stage.VALIDATED, today=TODAY)
    # The GHT lead reaches every member's evidence (the support's RSSI only its own).
    evidence = evidence_for(campaign, campaign.clinic)
    attach_document(
        candidacy,
        user=world.ght_lead,
        objective="O1",
        document="compte_rendu",
        evidence_id=evidence.pk,
    )
    advance(candidacy, user=world.ght_lead, to=Stage.DECLARED, today=TODAY)
    advance(candidacy, user=world.director, to=Stage.SIGNED, today=TODAY)
    advance(
        candidacy,
        user=world.ars,
        to=Stage.CONTROLLED,
        outcome="non_compliant",
        comment="PCA non testé",
        today=TODAY,
    )
    moves = list(candidacy.moves.values_list("to_stage", "actor__email"))
    assert moves == [
        ("submitted", "rssi@example.fr"),
        ("validated", "ars@example.fr"),
        ("declared", "ght@example.fr"),
        ("signed", "direction@example.fr"),
        ("controlled", "ars@example.fr"),
    ]
    assert AuditEvent.objects.filter(action=Action.FUNDING_CANDIDACY).count() == 5
    candidacy.refresh_from_db()
    assert (candidacy.control_outcome, candidacy.findings) == ("non_compliant", "PCA non testé")
    # A non-compliant control is never paid.
    with pytest.raises(CandidacyError, match="contrôlée conforme"):
        advance(candidacy, user=world.ars, to=Stage.PAID, amount_eur=10, today=TODAY)


# --- Reasons, amounts, findings ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stage, to, extra, message",
    [
        (Stage.SUBMITTED, Stage.REFUSED, {}, "Un refus doit être motivé"),
        (Stage.SIGNED, Stage.CONTROLLED, {}, "résultat du contrôle"),
        (Stage.SIGNED, Stage.CONTROLLED, {"outcome": "non_compliant"}, "énoncer ses constats"),
        (Stage.CONTROLLED, Stage.PAID, {}, "montant versé"),
        (Stage.CONTROLLED, Stage.PAID, {"amount_eur": -5}, "montant versé"),
        (Stage.CONTROLLED, Stage.PAID, {"amount_eur": 45_000_001}, "dépasse l'enveloppe"),
        (Stage.DECLARED, Stage.VALIDATED, {}, "renvoi de la déclaration doit être motivé"),
        (Stage.SUBMITTED, "approved", {}, "Étape « approved » inconnue"),
    ],
)
def test_bad_input_is_refused_with_its_reason(stage, to, extra, message, world, campaign, call):
    candidacy = ready(world, campaign, call, stage)
    user = world.director if stage == Stage.DECLARED else world.ars
    before = snapshot(candidacy)
    with pytest.raises(CandidacyError, match=message):
        advance(candidacy, user=user, to=to, today=TODAY, **extra)
    assert snapshot(candidacy) == before


# --- Windows and forcing ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_move_outside_its_window_is_refused_and_the_ars_may_force_it(world, campaign, call):
    call.stages = funding_stages(instruction=closed_window())
    call.save()
    candidacy = ready(world, campaign, call, Stage.SUBMITTED)
    before = snapshot(candidacy)
    with pytest.raises(CandidacyError, match="est close depuis"):
        advance(candidacy, user=world.ars, to=Stage.VALIDATED, today=TODAY)
    with pytest.raises(CandidacyError, match="demande un motif"):
        advance(candidacy, user=world.ars, to=Stage.VALIDATED, force=True, today=TODAY)
    assert snapshot(candidacy) == before
    move = advance(
        candidacy,
        user=world.ars,
        to=Stage.VALIDATED,
        force=True,
        comment="Dossier reçu par courrier avant la date",
        today=TODAY,
    )
    assert move.forced and move.comment.startswith("Dossier reçu")
    event = AuditEvent.objects.get(action=Action.FUNDING_CANDIDACY)
    assert event.detail["forced"] is True


@pytest.mark.django_db
def test_a_window_not_yet_open_is_refused_and_only_the_ars_forces(world, campaign, call):
    later = (str(TODAY + timedelta(days=5)), None)
    call.stages = funding_stages(declaration=later)
    call.save()
    candidacy = ready(world, campaign, call, Stage.VALIDATED)
    before = snapshot(candidacy)
    with pytest.raises(CandidacyError, match="n'ouvre que le 7 mars 2026"):
        advance(candidacy, user=world.rssi, to=Stage.DECLARED, today=TODAY)
    with pytest.raises(CandidacyError, match="Seule l'ARS de la région peut forcer"):
        advance(candidacy, user=world.rssi, to=Stage.DECLARED, force=True, comment="x", today=TODAY)
    assert snapshot(candidacy) == before
    # The ARS grants an exception for that stage: the RSSI may then declare.
    with pytest.raises(CandidacyError, match="Seule l'ARS"):
        grant_exception(candidacy, user=world.other_ars, stage="declaration", reason="Retard")
    grant_exception(candidacy, user=world.ars, stage="declaration", reason="Cyberattaque en cours")
    advance(candidacy, user=world.rssi, to=Stage.DECLARED, today=TODAY)
    assert list(candidacy.moves.values_list("exception_for", "to_stage")) == [
        ("declaration", "validated"),
        ("", "declared"),
    ]


@pytest.mark.django_db
def test_unknown_dates_bound_nothing(world, campaign, call):
    call.stages = funding_stages()  # every date null
    call.save()
    candidacy = ready(world, campaign, call, Stage.SUBMITTED)
    advance(candidacy, user=world.ars, to=Stage.VALIDATED, today=date(2031, 1, 1))
    assert Candidacy.objects.get(pk=candidacy.pk).stage == Stage.VALIDATED


# --- Documents and prerequisites ----------------------------------------------------------------


@pytest.mark.django_db
def test_declaring_with_missing_documents_is_refused(world, campaign, call):
    candidacy = at_stage(world, call, Stage.VALIDATED)
    before = snapshot(candidacy)
    with pytest.raises(CandidacyError, match="Pièces à fournir manquantes : O1 : compte_rendu"):
        advance(candidacy, user=world.rssi, to=Stage.DECLARED, today=TODAY)
    assert snapshot(candidacy) == before


@pytest.mark.django_db
def test_an_unmet_prerequisite_gates_the_declaration(world, campaign, call):
    call.prerequisites = [
        {
            "code": "P1",
            "label": "PSSI",
            "requirements": ["GOV-COMITE"],
            "documents": [],
            "source": "T",
        }
    ]
    call.save()
    candidacy = ready(world, campaign, call, Stage.VALIDATED)
    with pytest.raises(CandidacyError, match="Prérequis d'éligibilité non atteints : P1"):
        advance(candidacy, user=world.rssi, to=Stage.DECLARED, today=TODAY)
    for assessment, user in ((campaign.hospital, world.rssi), (campaign.clinic, None)):
        if user is None:
            from establishments.models import Role
            from tests.factories import user_with_role

            user = user_with_role(Role.RSSI, world.clinic)
        save_answers(
            assessment=assessment, answers={"GOV-COMITE": "yes"}, expected_version=0, user=user
        )
    assert candidacy_status(candidacy).eligible
    advance(candidacy, user=world.rssi, to=Stage.DECLARED, today=TODAY)


@pytest.mark.django_db
def test_documents_reuse_the_assessments_evidence_and_nothing_else(world, campaign, call):
    candidacy = at_stage(world, call, Stage.VALIDATED)
    mine = evidence_for(campaign, campaign.hospital)
    elsewhere = evidence_for(campaign, campaign.other_hospital)
    with pytest.raises(CandidacyError, match="Preuve introuvable"):
        attach_document(
            candidacy,
            user=world.rssi,
            objective="O1",
            document="compte_rendu",
            evidence_id=elsewhere.pk,
        )
    with pytest.raises(CandidacyError, match="ne demande pas de pièce"):
        attach_document(
            candidacy, user=world.rssi, objective="O1", document="autre", evidence_id=mine.pk
        )
    with pytest.raises(CandidacyError, match="Seul le RSSI"):
        attach_document(
            candidacy,
            user=world.director,
            objective="O1",
            document="compte_rendu",
            evidence_id=mine.pk,
        )
    attach_document(
        candidacy, user=world.rssi, objective="O1", document="compte_rendu", evidence_id=mine.pk
    )
    attach_document(
        candidacy, user=world.rssi, objective="O1", document="compte_rendu", evidence_id=mine.pk
    )
    assert CandidacyDocument.objects.filter(candidacy=candidacy).count() == 1
    assert Evidence.objects.count() == 2  # reused, never copied
    status = candidacy_status(candidacy)
    assert status.objectives[0].documents_missing == []
    assert status.objectives[0].documents[0].evidence == [mine]


# --- Objectives met and the GHT rule --------------------------------------------------------------


@pytest.mark.django_db
def test_an_objective_is_met_when_every_member_meets_it(world, campaign, call):
    from establishments.models import Role
    from tests.factories import user_with_role

    candidacy = at_stage(world, call, Stage.VALIDATED)
    status = candidacy_status(candidacy)
    assert status.objectives[0].met is False
    assert status.objectives[0].explanation == "Pas encore atteint : 2 établissement(s) sur 2."
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    assert candidacy_status(candidacy).objectives[0].met is False  # the clinic is not there yet
    save_answers(
        assessment=campaign.clinic,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=user_with_role(Role.RSSI, world.clinic),
    )
    assert candidacy_status(candidacy).objectives[0].met is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "shares, met",
    [
        ((Decimal("70"), Decimal("30")), True),
        ((Decimal("66"), Decimal("34")), True),
        ((Decimal("65.99"), Decimal("34.01")), False),
        ((Decimal("70"), None), None),
    ],
)
def test_the_ght_rule_counts_the_activity_share(shares, met, world, campaign, call):
    """Only the hospital meets the objective: the rule holds when its entity covers ≥ 66 %."""
    call.ght_rule = {
        "label": "66 %",
        "activity_share_at_least": 66,
        "objectives": ["O1"],
        "source": "T",
    }
    call.save()
    GHTMember.objects.create(
        finess_ej=world.hospital.finess_ej, ght=world.ght, is_support=True, activity_share=shares[0]
    )
    GHTMember.objects.create(
        finess_ej=world.clinic.finess_ej, ght=world.ght, activity_share=shares[1]
    )
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    status = candidacy_status(at_stage(world, call, Stage.VALIDATED))
    assert status.objectives[0].met is met
    if met is None:
        assert "Parts d'activité non renseignées" in status.objectives[0].explanation


@pytest.mark.django_db
def test_no_assessment_means_the_status_cannot_be_told(world, call):
    from tests.factories import FundingCallFactory as Calls

    other = Calls(code="X1")  # on a referential no campaign uses
    status = candidacy_status(at_stage(world, other, Stage.VALIDATED))
    assert status.objectives[0].met is None
    assert "Aucune auto-évaluation" in status.objectives[0].explanation


# --- The amount requested -----------------------------------------------------------------------

BAD_AMOUNTS = [
    ("-1", "ne peut pas être négatif"),
    (-0.5, "ne peut pas être négatif"),
    ("douze mille", "écrivez un nombre en chiffres"),
    ("1e6", "notation scientifique"),
    ("NaN", "NaN et l'infini"),
    (float("inf"), "NaN et l'infini"),
    (True, "ce n'est pas un nombre"),
    ([1000], "ce n'est pas un nombre"),
    ("1000.005", "au centime près"),
    ("45000000.01", "dépasse l'enveloppe de l'appel D2"),
    (45_000_001, "dépasse l'enveloppe de l'appel D2"),
]


@pytest.mark.django_db
def test_the_amount_requested_is_given_when_applying(world, call):
    candidacy = apply(
        call,
        user=world.rssi,
        applicant=world.ght.code,
        amount_requested="1 250 000,50",
        today=TODAY,
    )
    assert candidacy.amount_requested_eur == Decimal("1250000.50")
    event = AuditEvent.objects.get(action=Action.FUNDING_CANDIDACY)
    assert event.detail["amount_requested_eur"] == "1250000.50"
    # Up to the envelope itself, and none at all is fine.
    entity = apply(
        call,
        user=user_with_role(Role.RSSI, world.nursing_home),
        applicant=world.nursing_home.finess_ej,
        amount_requested=45_000_000,
        today=TODAY,
    )
    assert entity.amount_requested_eur == Decimal(45_000_000)


@pytest.mark.django_db
@pytest.mark.parametrize("value, message", BAD_AMOUNTS, ids=lambda v: repr(v)[:20])
def test_a_bad_amount_requested_is_refused_when_applying(value, message, world, call):
    with pytest.raises(CandidacyError, match=f"Montant demandé refusé : .*{message}"):
        apply(call, user=world.rssi, applicant=world.ght.code, amount_requested=value, today=TODAY)
    assert not Candidacy.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.FUNDING_CANDIDACY).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value, message", BAD_AMOUNTS[:4], ids=lambda v: repr(v)[:20])
def test_the_amount_requested_is_set_or_refused_when_declaring(
    value, message, world, campaign, call
):
    candidacy = ready(world, campaign, call, Stage.VALIDATED)
    before = snapshot(candidacy)
    with pytest.raises(CandidacyError, match=message):
        advance(candidacy, user=world.rssi, to=Stage.DECLARED, amount_requested=value, today=TODAY)
    assert snapshot(candidacy) == before
    advance(candidacy, user=world.rssi, to=Stage.DECLARED, amount_requested="80000", today=TODAY)
    candidacy.refresh_from_db()
    assert candidacy.stage == Stage.DECLARED
    assert candidacy.amount_requested_eur == Decimal(80_000)


@pytest.mark.django_db
def test_the_amount_requested_is_kept_when_declaring_without_one(world, campaign, call):
    candidacy = ready(world, campaign, call, Stage.VALIDATED)
    Candidacy.objects.filter(pk=candidacy.pk).update(amount_requested_eur=Decimal("5000"))
    advance(candidacy, user=world.rssi, to=Stage.DECLARED, amount_requested="", today=TODAY)
    candidacy.refresh_from_db()
    assert candidacy.amount_requested_eur == Decimal(5000)
    # Only at filing or declaring: the ARS does not change it when it instructs.
    other = CandidacyFactory(
        call=call, establishment=world.nursing_home, region=world.region, stage=Stage.SUBMITTED
    )
    with pytest.raises(CandidacyError, match="au dépôt de la candidature ou à la déclaration"):
        advance(other, user=world.ars, to=Stage.VALIDATED, amount_requested="10", today=TODAY)


@pytest.mark.django_db
def test_a_payment_above_the_amount_requested_is_refused_unless_the_ars_forces_it(
    world, campaign, call
):
    candidacy = ready(world, campaign, call, Stage.CONTROLLED)
    Candidacy.objects.filter(pk=candidacy.pk).update(amount_requested_eur=Decimal("100000.50"))
    before = snapshot(candidacy)
    with pytest.raises(CandidacyError, match="dépasse le montant demandé") as refused:
        advance(candidacy, user=world.ars, to=Stage.PAID, amount_eur=100_001, today=TODAY)
    assert "L'ARS de la région peut forcer le versement avec un motif." in refused.value.message
    with pytest.raises(CandidacyError, match="demande un motif"):
        advance(
            candidacy, user=world.ars, to=Stage.PAID, amount_eur=100_001, force=True, today=TODAY
        )
    assert snapshot(candidacy) == before
    move = advance(
        candidacy,
        user=world.ars,
        to=Stage.PAID,
        amount_eur=100_001,
        force=True,
        comment="Avenant signé : surcoût de l'hébergement validé",
        today=TODAY,
    )
    assert move.forced and move.amount_eur == 100_001
    event = AuditEvent.objects.filter(action=Action.FUNDING_CANDIDACY).latest("pk")
    assert event.detail["forced"] is True and event.detail["amount_requested_eur"] == "100000.50"


@pytest.mark.django_db
def test_a_payment_up_to_the_amount_requested_needs_no_forcing(world, campaign, call):
    candidacy = ready(world, campaign, call, Stage.CONTROLLED)
    Candidacy.objects.filter(pk=candidacy.pk).update(amount_requested_eur=Decimal("100000"))
    move = advance(candidacy, user=world.ars, to=Stage.PAID, amount_eur=100_000, today=TODAY)
    assert not move.forced

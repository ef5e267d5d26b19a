"""Action rules: the gaps an action closes, its fields, its status, suggestions, carry-over."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from actions.carry_over import carry_over_actions, reappeared_gaps
from actions.models import Action, ActionNote
from actions.priorities import gaps_without_action, ordered_actions
from actions.services import (
    ActionRefused,
    add_note,
    create_action,
    create_suggested,
    set_status,
    suggestions,
    update_action,
)
from assessments.answers import save_answers
from assessments.campaigns import open_campaign
from assessments.models import Assessment
from audit.models import Action as AuditAction
from audit.models import AuditEvent


def _answer(assessment, user, answers):
    assessment.refresh_from_db()
    save_answers(
        assessment=assessment, answers=answers, expected_version=assessment.version, user=user
    )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def hospital(world, campaign):
    """The hospital's draft with two gaps answered "no" and the rest unanswered."""
    return _answer(campaign.hospital, world.rssi, {"GOV-COMITE": "no", "D3-BASTION": False})


def test_an_action_closes_several_gaps_and_a_gap_may_need_several(world, hospital):
    first = create_action(
        assessment=hospital, user=world.rssi, title="Créer le comité", gaps=["GOV-COMITE"]
    )
    second = create_action(
        assessment=hospital,
        user=world.rssi,
        title="Bastion et comité",
        gaps=["GOV-COMITE", "D3-BASTION"],
        owner_name="Mme Durand, DSI",
        due_on=date(2026, 6, 30),
        cost_investment="12500.50",
        cost_operating=3000,
        funding="own",
    )
    assert set(first.gaps.values_list("code", flat=True)) == {"GOV-COMITE"}
    assert set(second.gaps.values_list("code", flat=True)) == {"GOV-COMITE", "D3-BASTION"}
    assert second.cost_investment == Decimal("12500.50")
    assert second.cost_operating == Decimal("3000.00")
    assert "GOV-COMITE" not in {g.requirement for g, _r in gaps_without_action(hospital)}
    assert "D3-BASTION" not in {g.requirement for g, _r in gaps_without_action(hospital)}
    assert AuditEvent.objects.filter(action=AuditAction.ACTION_PLAN_CHANGE).count() == 2


def test_an_action_closes_only_gaps_of_its_assessment(world, campaign, hospital):
    _answer(campaign.hospital, world.rssi, {"GOV-COMITE": "yes"})  # met: no longer a gap
    with pytest.raises(ActionRefused) as refused:
        create_action(
            assessment=hospital,
            user=world.rssi,
            title="Comité",
            gaps=["GOV-COMITE", "NOT-A-CODE"],
        )
    assert (
        "Pas un écart de cette auto-évaluation : GOV-COMITE, NOT-A-CODE."
        in (refused.value.errors["gaps"])
    )
    with pytest.raises(ActionRefused) as refused:
        create_action(assessment=hospital, user=world.rssi, title="Rien", gaps=[])
    assert refused.value.errors["gaps"] == ["Choisissez au moins un écart que l'action corrige."]
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cost_investment", "-5", "un coût ne peut pas être négatif"),
        ("cost_investment", "1e6", "la notation scientifique"),
        ("cost_operating", "10.005", "au centime près"),
        ("cost_operating", float("nan"), "NaN et l'infini"),
        ("cost_operating", "99999999999", "moins de 11 chiffres"),
        ("funding", "call:D9", "Ce référentiel ne connaît aucun appel à financement."),
        ("funding", "banque", "Financement inconnu « banque »"),
        ("due_on", date(1990, 1, 1), "entre 2000 et 2100"),
        ("title", "x" * 301, "L'intitulé dépasse 300 caractères."),
    ],
)
def test_bad_fields_are_refused_with_a_french_message_and_nothing_written(
    world, hospital, field, value, message
):
    data = {"title": "Comité", "gaps": ["GOV-COMITE"], field: value}
    with pytest.raises(ActionRefused) as refused:
        create_action(assessment=hospital, user=world.rssi, **data)
    assert message in " ".join(refused.value.errors[field])
    assert not Action.objects.exists()


def test_only_the_establishments_rssi_writes_the_plan(world, hospital):
    for person in (world.director, world.ars, world.national, world.ght_lead, world.other_rssi):
        with pytest.raises(PermissionDenied):
            create_action(assessment=hospital, user=person, title="X", gaps=["GOV-COMITE"])
    assert not Action.objects.exists()


def test_abandoned_needs_a_reason_and_every_status_change_is_logged(world, hospital):
    action = create_action(
        assessment=hospital, user=world.rssi, title="Comité", gaps=["GOV-COMITE"]
    )
    with pytest.raises(ActionRefused) as refused:
        set_status(action=action, user=world.rssi, status=Action.Status.ABANDONED, reason="  ")
    assert refused.value.errors == {"abandon_reason": ["Dites pourquoi l'action est abandonnée."]}
    action.refresh_from_db()
    assert action.status == Action.Status.PLANNED
    set_status(action=action, user=world.rssi, status=Action.Status.IN_PROGRESS)
    add_note(action=action, user=world.rssi, text="Premier comité fixé au 12 mars.")
    set_status(
        action=action, user=world.rssi, status=Action.Status.ABANDONED, reason="Fusion du GHT"
    )
    action.refresh_from_db()
    assert action.abandon_reason == "Fusion du GHT"
    log = [(n.kind, n.text, n.author) for n in action.notes.all()]
    assert log == [
        ("status", "Statut : Planifiée → En cours.", world.rssi),
        ("note", "Premier comité fixé au 12 mars.", world.rssi),
        ("status", "Statut : En cours → Abandonnée. Raison : Fusion du GHT", world.rssi),
    ]
    # The database refuses it too, whatever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(abandon_reason="")


def test_update_through_the_same_rules(world, hospital):
    action = create_action(
        assessment=hospital, user=world.rssi, title="Comité", gaps=["GOV-COMITE"]
    )
    with pytest.raises(ActionRefused) as refused:
        update_action(action=action, user=world.rssi, status="abandoned", title="")
    assert set(refused.value.errors) == {"title"}
    update_action(action=action, user=world.rssi, gaps=["GOV-COMITE", "D3-BASTION"])
    assert set(action.gaps.values_list("code", flat=True)) == {"GOV-COMITE", "D3-BASTION"}


def test_suggestions_come_from_recommendations_and_need_a_confirmation(world, campaign, hospital):
    offered = suggestions(hospital)
    assert {s.code for s in offered} >= {"GOV-COMITE", "D3-BASTION"}
    assert all(s.title == "Mettre en place ce qui est demandé." for s in offered)
    assert not Action.objects.exists()  # nothing until the RSSI confirms
    with pytest.raises(ActionRefused):
        create_suggested(assessment=hospital, user=world.rssi, codes=[])
    created = create_suggested(
        assessment=hospital, user=world.rssi, codes=["D3-BASTION", "UNKNOWN"]
    )
    assert [list(a.gaps.values_list("code", flat=True)) for a in created] == [["D3-BASTION"]]
    assert "D3-BASTION" not in {s.code for s in suggestions(hospital)}


# --- carry-over -------------------------------------------------------------------------------


def test_open_actions_move_to_the_next_campaign_with_their_history(world, campaign, hospital):
    kept = create_action(
        assessment=hospital,
        user=world.rssi,
        title="Bastion",
        gaps=["D3-BASTION"],
        owner_name="M. Leroy",
        cost_investment="40000",
        funding="own",
    )
    set_status(action=kept, user=world.rssi, status=Action.Status.IN_PROGRESS)
    add_note(action=kept, user=world.rssi, text="Devis reçu.")
    done = create_action(assessment=hospital, user=world.rssi, title="Comité", gaps=["GOV-COMITE"])
    set_status(action=done, user=world.rssi, status=Action.Status.DONE)
    dropped = create_action(assessment=hospital, user=world.rssi, title="X", gaps=["GOV-RSSI"])
    set_status(action=dropped, user=world.rssi, status=Action.Status.ABANDONED, reason="Doublon")

    open_campaign(year=2026, referential=campaign.campaign.referential)
    next_one = Assessment.objects.get(establishment=world.hospital, campaign__year=2026)
    carried = list(Action.objects.filter(assessment=next_one))
    assert [a.title for a in carried] == ["Bastion"]
    copy = carried[0]
    assert copy.carried_from == kept
    assert copy.status == Action.Status.IN_PROGRESS
    assert copy.owner_name == "M. Leroy" and copy.cost_investment == Decimal("40000.00")
    assert list(copy.gaps.values_list("code", flat=True)) == ["D3-BASTION"]
    assert [n.text for n in copy.notes.all()] == [
        "Statut : Planifiée → En cours.",
        "Devis reçu.",
        "Reprise de la campagne 2025, non réalisée à sa clôture.",
    ]
    # The old one is read-only now; carrying again creates nothing.
    with pytest.raises(PermissionDenied):
        add_note(action=kept, user=world.rssi, text="Trop tard")
    assert carry_over_actions([next_one]) == []
    assert Action.objects.filter(assessment=next_one).count() == 1


def test_a_gap_closed_by_a_done_action_that_reappears_is_flagged(world, campaign, hospital):
    done = create_action(assessment=hospital, user=world.rssi, title="Comité", gaps=["GOV-COMITE"])
    set_status(action=done, user=world.rssi, status=Action.Status.DONE)
    open_campaign(year=2026, referential=campaign.campaign.referential)
    next_one = Assessment.objects.get(establishment=world.hospital, campaign__year=2026)
    next_one = _answer(next_one, world.rssi, {"GOV-COMITE": "yes"})
    assert reappeared_gaps(next_one) == []
    next_one = _answer(next_one, world.rssi, {"GOV-COMITE": "partial"})
    flagged = reappeared_gaps(next_one)
    assert [(f.action, f.code) for f in flagged] == [(done, "GOV-COMITE")]


def test_the_plan_lists_every_action(world, hospital):
    create_action(assessment=hospital, user=world.rssi, title="A", gaps=["GOV-COMITE"])
    assert [a.title for a in ordered_actions(hospital)] == ["A"]
    assert ActionNote.objects.count() == 0

"""The board report: the « décisions » page after the cover, the plan of actions grouped by
urgency with the gaps without an action after, and who validated with their comment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from actions.agreement import agree_target_plan, file_target_plan
from actions.models import TargetPlan
from actions.services import create_action, set_status
from assessments.answers import save_answers
from assessments.models import Assessment, Transition
from assessments.scoring.service import compute_result
from reports.pdf import render_report_pdf
from tests.factories import CandidacyFactory, FundingCallFactory
from tests.test_report import ANSWERS, between, codes_in_order, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(world, campaign) -> Assessment:
    """The hospital's answers with three gaps, a plan of six actions, one target's plan agreed."""
    assessment = campaign.hospital
    save_answers(assessment=assessment, answers=ANSWERS, expected_version=0, user=world.rssi)
    assessment = Assessment.objects.get(pk=assessment.pk)
    create_action(
        assessment=assessment,
        user=world.rssi,
        title="Réunir le comité de gouvernance chaque trimestre",
        gaps=["GOV-COMITE"],
        owner_name="Mme Bernard, directrice",
        due_on=date(2025, 12, 1),
        cost_operating="2500",
        funding="own",
    )
    create_action(
        assessment=assessment,
        user=world.rssi,
        title="Déployer un bastion d'administration",
        gaps=["D3-BASTION"],
        owner_name="M. Leroy, DSI",
        due_on=date(2026, 3, 1),
        cost_investment="40000",
        cost_operating="1200",
        funding="fir",
    )
    for n in range(1, 5):
        create_action(
            assessment=assessment, user=world.rssi, title=f"Action annexe {n}", gaps=["D3-BASTION"]
        )
    done = create_action(
        assessment=assessment, user=world.rssi, title="Action terminée", gaps=["D3-BASTION"]
    )
    set_status(action=done, user=world.rssi, status="done")
    plan = file_target_plan(assessment=assessment, user=world.rssi, target="governance")
    agree_target_plan(plan=plan, user=world.ars)
    return Assessment.objects.get(pk=assessment.pk)


def test_the_decision_page_follows_the_cover(world, planned):
    page = pdf_text(render_report_pdf(planned), page=2)
    assert "Décisions pour la direction" in page
    actions = between(page, "Les 5 actions prioritaires", "Cibles CaRE non atteintes")
    # The first five live actions in the plan's order, with owner, date, cost and funding.
    assert "Réunir le comité de gouvernance" in actions
    committee = actions[actions.index("Réunir le comité") :]
    assert "Mme Bernard" in committee and "1er décembre 2025" not in committee
    assert "01/12/2025" in committee and "2 500 €/an" in committee and "Budget propre" in committee
    bastion = actions[actions.index("Déployer un bastion") :]
    assert "40 000 € +" in bastion and "1 200 €/an" in bastion and "FIR régional" in bastion
    assert "Action annexe 3" in actions and "Action annexe 4" not in actions
    assert "Action terminée" not in actions
    # The targets not met, with where their plan stands.
    targets = between(page, "Cibles CaRE non atteintes", "Appels à financement")
    governance = next(line for line in targets.splitlines() if "Comité de gouvernance" in line)
    assert "Plan agréé" in governance
    assert "aucun appel à financement" in page
    assert "aucune règle de cohérence" in page


def test_each_target_not_met_says_where_its_plan_stands(world, planned):
    plan = TargetPlan.objects.get()
    plan.status = TargetPlan.Status.FILED
    plan.save()
    page = pdf_text(render_report_pdf(planned), page=2)
    assert "Plan déposé auprès de l'ARS" in between(page, "Cibles CaRE", "Appels")
    plan.delete()
    page = pdf_text(render_report_pdf(planned), page=2)
    assert "Aucun plan déposé" in between(page, "Cibles CaRE", "Appels")


def test_funding_calls_are_those_of_the_establishments_candidacies(world, planned):
    call = FundingCallFactory(referential=planned.campaign.referential, code="D2")
    CandidacyFactory(call=call, establishment=world.hospital, ght=world.ght)
    page = pdf_text(render_report_pdf(planned), page=2)
    calls = between(page, "Appels à financement", "Réponses contradictoires")
    assert call.title in calls and "Candidature déposée" in calls


def test_the_plan_section_lists_actions_then_gaps_without_action(world, planned):
    text = pdf_text(render_report_pdf(planned))
    plan = between(text, "2. Plan d'action", "3. Détail par axe")
    # The actions, by the urgency of their gaps, the done one apart; then the gaps left.
    assert plan.index("Réunir le comité") < plan.index("Réalisées") < plan.index("Action terminée")
    assert "plan agréé par l'ARS" in plan
    without = plan[plan.index("Écarts sans action") :]
    # In the scoring service's documented order.
    left = [g.requirement for g in compute_result(planned).gaps]
    left = [code for code in left if code not in ("GOV-COMITE", "D3-BASTION")]
    assert len(left) == 3
    assert codes_in_order(without, left) == left
    assert "GOV-COMITE" not in without and "D3-BASTION" not in without


def test_the_cover_names_who_validated_and_their_comment(world, planned):
    # Validated as the workflow records it: the status, who and when, and the step's comment.
    Assessment.objects.filter(pk=planned.pk).update(
        status=Assessment.Status.VALIDATED,
        validated_at=datetime(2025, 12, 1, 9, 0, tzinfo=UTC),
        validated_by=world.director,
    )
    Transition.objects.create(
        assessment=planned,
        from_status=Assessment.Status.SUBMITTED,
        to_status=Assessment.Status.VALIDATED,
        actor=world.director,
        actor_label=str(world.director),
        comment="Plan présenté au directoire.",
    )
    cover = pdf_text(render_report_pdf(Assessment.objects.get(pk=planned.pk)), page=1)
    assert f"par {world.director.get_full_name()}" in cover
    assert "Commentaire de la direction : « Plan présenté au directoire. »" in cover

"""An agreed plan goes back to the ARS when one of its actions changes; the owner's account;
the fifth state « plan agréé » on the dashboards, their list and their exports."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actions.agreement import agree_target_plan, file_target_plan, target_state
from actions.models import Action, TargetPlan
from actions.services import (
    ActionRefused,
    add_note,
    create_action,
    delete_action,
    set_status,
    update_action,
)
from assessments.answers import save_answers
from assessments.target_units import UnitCount, count_units
from audit.models import Action as AuditAction
from audit.models import AuditEvent
from referential.targets import headline_targets


@pytest.fixture
def agreed(world, campaign):
    """The hospital misses its governance target; its plan of one action is agreed by the ARS."""
    assessment = campaign.hospital
    save_answers(
        assessment=assessment, answers={"GOV-COMITE": "no"}, expected_version=0, user=world.rssi
    )
    assessment.refresh_from_db()
    action = create_action(
        assessment=assessment, user=world.rssi, title="Créer le comité", gaps=["GOV-COMITE"]
    )
    plan = file_target_plan(assessment=assessment, user=world.rssi, target="governance")
    agree_target_plan(plan=plan, user=world.ars)
    return action


def _plan_status() -> str:
    return TargetPlan.objects.get().status


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Créer le comité de sécurité"},
        {"due_on": date(2026, 12, 1)},
        {"cost_investment": "1000"},
        {"owner_name": "M. Durand, DSI"},
        {"status": "abandoned", "abandon_reason": "Remplacée par une mutualisation GHT"},
    ],
)
def test_changing_an_agreed_action_sends_the_plan_back_to_the_ars(world, agreed, change):
    update_action(action=agreed, user=world.rssi, **change)
    assert _plan_status() == TargetPlan.Status.TO_REAGREE
    state = target_state(agreed.assessment, "governance")
    assert state.state_label == "Cible non atteinte"
    assert state.plan.get_status_display() == "Plan à ré-agréer par l'ARS"
    step = state.plan.steps.last()
    assert step.step == "reopen" and "« Créer le comité" in step.comment
    event = AuditEvent.objects.filter(action=AuditAction.ACTION_PLAN_CHANGE).order_by("pk")
    assert any(e.detail.get("status") == "to_reagree" for e in event)
    # The ARS agrees it again.
    agree_target_plan(plan=state.plan, user=world.ars, comment="Toujours cohérent.")
    assert _plan_status() == TargetPlan.Status.AGREED


def test_abandoning_or_deleting_sends_the_plan_back(world, agreed):
    set_status(action=agreed, user=world.rssi, status="abandoned", reason="Budget refusé")
    assert _plan_status() == TargetPlan.Status.TO_REAGREE
    assert "abandonnée (Budget refusé)" in TargetPlan.objects.get().steps.last().comment
    TargetPlan.objects.update(status=TargetPlan.Status.AGREED)
    delete_action(action=Action.objects.get(), user=world.rssi)
    assert _plan_status() == TargetPlan.Status.TO_REAGREE


def test_progress_keeps_the_agreement(world, agreed):
    set_status(action=agreed, user=world.rssi, status="in_progress")
    add_note(action=agreed, user=world.rssi, text="Première réunion fixée.")
    # The same values sent again change nothing.
    update_action(action=agreed, user=world.rssi, title="Créer le comité", gaps=["GOV-COMITE"])
    set_status(action=agreed, user=world.rssi, status="done")
    assert _plan_status() == TargetPlan.Status.AGREED


def test_the_rssi_may_file_again_a_plan_to_reagree(world, agreed, client):
    update_action(action=agreed, user=world.rssi, title="Comité de sécurité du SI")
    client.force_login(world.ars)
    page = client.get(f"/assessments/{agreed.assessment_id}/targets/").content.decode()
    assert "Plan à ré-agréer" in page and "Enregistrer la décision" in page
    plan = file_target_plan(assessment=agreed.assessment, user=world.rssi, target="governance")
    assert plan.status == TargetPlan.Status.FILED


# --- The owner's account ------------------------------------------------------------------------


def test_the_owner_account_is_one_with_a_role_at_the_establishment(world, agreed, client):
    assessment = agreed.assessment
    client.force_login(world.rssi)
    url = f"/assessments/{assessment.pk}/actions/{agreed.pk}/"
    page = client.get(url).content.decode()
    assert str(world.director) in page
    assert str(world.other_rssi) not in page
    with pytest.raises(ActionRefused) as refused:
        update_action(action=agreed, user=world.rssi, owner_account=world.other_rssi)
    assert "pas de rôle dans l'établissement" in refused.value.errors["owner_account"][0]
    update_action(action=agreed, user=world.rssi, owner_account=world.director)
    assert Action.objects.get().owner_account == world.director


def test_the_owner_account_through_the_api(world, agreed, client):
    client.force_login(world.rssi)
    url = f"/api/assessments/{agreed.assessment_id}/actions/{agreed.pk}/"
    refused = client.patch(url, {"owner_account": world.other_rssi.pk}, "application/json")
    assert refused.status_code == 400
    assert "pas de rôle dans l'établissement" in refused.json()["owner_account"][0]
    assert client.patch(url, {"owner_account": "x"}, "application/json").status_code == 400
    assert Action.objects.get().owner_account is None
    response = client.patch(url, {"owner_account": world.director.pk}, "application/json")
    assert response.status_code == 200 and response.json()["owner_account"] == world.director.pk
    cleared = client.patch(url, {"owner_account": None}, "application/json").json()
    assert "owner_account" not in cleared


# --- The fifth state on the dashboards ---------------------------------------------------------


def test_the_regional_dashboard_counts_agreed_plans(world, agreed, client):
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]))
    figure = next(
        f for f in response.context["total"].target_figures if f.target.key == "governance"
    )
    assert figure.agreed == 1
    assert figure.agreed_text == f"1 sur {figure.not_met} {figure.unit_noun} sous la cible"
    page = response.content.decode()
    assert "Plan agréé" in page and figure.agreed_text in page
    # The establishment list shows the hospital's state.
    assert "plan agréé" in page


def test_the_exports_carry_the_fifth_state(world, agreed, client):
    client.force_login(world.ars)
    url = reverse("dashboards:region_export", args=["84"])
    sheet = load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    hospital = next(r for r in rows if r[0] == world.hospital.finess)
    assert "Plan agréé" in hospital


def test_a_unit_of_several_sites_is_agreed_when_each_site_missing_it_has_a_plan(campaign):
    target = next(t for t in headline_targets(campaign.campaign.referential))
    key = target.key
    grouped = dataclasses.replace(target, unit="EJ")

    def row(unit, met, not_met, agreed):
        return {
            "unit_key": unit,
            f"sites_{key}": met + not_met,
            f"met_{key}": met,
            f"not_met_{key}": not_met,
            f"agreed_{key}": agreed,
        }

    rows = [row("EJ 1", 0, 2, 2), row("EJ 2", 0, 2, 1), row("EJ 3", 1, 0, 0)]
    counted = count_units(rows, [grouped], lambda _row: None)[None][key]
    assert counted == UnitCount(population=3, met=1, agreed=1)

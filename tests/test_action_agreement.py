"""The ARS agreement on the plan for an unmet CaRE target, for every role inside and outside."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from actions.agreement import (
    PLAN_AGREED,
    AgreementError,
    agree_target_plan,
    agreed_plan_counts,
    ask_plan_changes,
    file_target_plan,
    target_state,
)
from actions.models import TargetPlan
from actions.services import create_action
from assessments.answers import save_answers
from assessments.models import Assessment
from audit.models import Action as AuditAction
from audit.models import AuditEvent

ROLES = ["rssi", "director", "ght_lead", "ars", "other_ars", "national", "other_rssi"]


@pytest.fixture
def unmet(world, campaign):
    """The hospital answers "no" to its governance committee: the target is not met."""
    assessment = campaign.hospital
    save_answers(
        assessment=assessment, answers={"GOV-COMITE": "no"}, expected_version=0, user=world.rssi
    )
    assessment.refresh_from_db()
    return assessment


def test_the_whole_way_to_plan_agree(world, unmet, client):
    assert target_state(unmet, "governance").met is False
    with pytest.raises(AgreementError, match="Aucune action du plan ne corrige"):
        file_target_plan(assessment=unmet, user=world.rssi, target="governance")
    action = create_action(
        assessment=unmet, user=world.rssi, title="Créer le comité", gaps=["GOV-COMITE"]
    )
    plan = file_target_plan(assessment=unmet, user=world.rssi, target="governance")
    assert plan.status == TargetPlan.Status.FILED
    assert list(plan.actions.all()) == [action]
    with pytest.raises(AgreementError, match="déjà au statut"):
        file_target_plan(assessment=unmet, user=world.rssi, target="governance")
    with pytest.raises(AgreementError, match="Un commentaire est obligatoire"):
        ask_plan_changes(plan=plan, user=world.ars, comment=" ")
    ask_plan_changes(plan=plan, user=world.ars, comment="Précisez la date du premier comité.")
    plan.refresh_from_db()
    assert plan.status == TargetPlan.Status.CHANGES_REQUESTED
    with pytest.raises(AgreementError, match="statut « Modifications demandées"):
        agree_target_plan(plan=plan, user=world.ars)
    file_target_plan(assessment=unmet, user=world.rssi, target="governance")
    agree_target_plan(plan=plan, user=world.ars, comment="Plan cohérent.")
    state = target_state(unmet, "governance")
    assert state.state == PLAN_AGREED and state.state_label == "Plan agréé"
    assert agreed_plan_counts(Assessment.objects.all()) == {"governance": 1}
    steps = [(s.step, s.comment) for s in plan.steps.all()]
    assert steps == [
        ("file", ""),
        ("ask_changes", "Précisez la date du premier comité."),
        ("file", ""),
        ("agree", "Plan cohérent."),
    ]
    audited = list(
        AuditEvent.objects.filter(action__startswith="target_plan").values_list("action", flat=True)
    )
    assert sorted(audited) == sorted(
        [AuditAction.TARGET_PLAN_FILED] * 2
        + [AuditAction.TARGET_PLAN_CHANGES, AuditAction.TARGET_PLAN_AGREED]
    )
    # Shown on the establishment's pages and in the API.
    client.force_login(world.director)
    page = client.get(f"/assessments/{unmet.pk}/targets/").content.decode()
    assert "Plan agréé" in page
    api = client.get(f"/api/assessments/{unmet.pk}/actions/").json()
    assert api[0]["agreed_by_ars"] is True


def test_a_met_target_needs_no_plan(world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment, answers={"GOV-COMITE": "yes"}, expected_version=0, user=world.rssi
    )
    assessment.refresh_from_db()
    with pytest.raises(AgreementError, match="n'est pas déclarée non atteinte"):
        file_target_plan(assessment=assessment, user=world.rssi, target="governance")


@pytest.mark.parametrize("role", ROLES)
def test_who_files_and_who_decides(world, unmet, role):
    person = getattr(world, role)
    create_action(assessment=unmet, user=world.rssi, title="Comité", gaps=["GOV-COMITE"])
    if role == "rssi":
        file_target_plan(assessment=unmet, user=person, target="governance")
    else:
        with pytest.raises(PermissionDenied):
            file_target_plan(assessment=unmet, user=person, target="governance")
        file_target_plan(assessment=unmet, user=world.rssi, target="governance")
    plan = TargetPlan.objects.get()
    if role == "ars":
        agree_target_plan(plan=plan, user=person)
        assert TargetPlan.objects.get().status == TargetPlan.Status.AGREED
    else:
        with pytest.raises(PermissionDenied):
            agree_target_plan(plan=plan, user=person)
        assert TargetPlan.objects.get().status == TargetPlan.Status.FILED


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rssi", 403),
        ("director", 403),
        ("ght_lead", 403),
        ("ars", 302),
        ("other_ars", 404),
        ("national", 403),
        ("other_rssi", 404),
    ],
)
def test_the_decision_page_for_every_role(world, unmet, client, role, expected):
    create_action(assessment=unmet, user=world.rssi, title="Comité", gaps=["GOV-COMITE"])
    file_target_plan(assessment=unmet, user=world.rssi, target="governance")
    client.force_login(getattr(world, role))
    response = client.post(
        f"/assessments/{unmet.pk}/targets/governance/decide/", {"decision": "agree"}
    )
    assert response.status_code == expected
    agreed = TargetPlan.objects.get().status == TargetPlan.Status.AGREED
    assert agreed is (role == "ars")
    page = client.get(f"/assessments/{unmet.pk}/targets/")
    assert page.status_code == (404 if expected == 404 else 200)

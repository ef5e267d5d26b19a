"""Submission, validation, sending back and reopening: who may, what is refused, the timeline."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from assessments import workflow
from assessments.answers import AssessmentLocked, save_answers
from assessments.models import Assessment, Transition
from audit.models import AuditEvent
from tests.answers import fill
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

Status = Assessment.Status

# Who may do each transition on the hospital's assessment; everyone else in scope gets 403.
ALLOWED = {
    "submit": {"rssi"},
    "validate": {"director"},
    "send_back": {"director"},
    "reopen": {"ars", "national"},
}
IN_SCOPE = ("rssi", "director", "ght_lead", "ars", "national")
OUT_OF_SCOPE = ("other_ars", "other_rssi")
# The status each transition starts from.
START = {"submit": Status.DRAFT, "validate": Status.SUBMITTED, "send_back": Status.SUBMITTED}
EXPECTED = {
    "submit": Status.SUBMITTED,
    "validate": Status.VALIDATED,
    "send_back": Status.DRAFT,
    "reopen": Status.REOPENED,
}
API_PATHS = {
    "submit": "submit",
    "validate": "validate",
    "send_back": "send-back",
    "reopen": "reopen",
}


def bring_to(assessment, status, world):
    """Move the hospital's assessment to `status` through the real services."""
    fill(assessment, world.rssi)
    if status == Status.DRAFT:
        return assessment
    workflow.submit(assessment=assessment, user=world.rssi)
    if status == Status.VALIDATED:
        workflow.validate(assessment=assessment, user=world.director)
    assessment.refresh_from_db()
    return assessment


def cases():
    for action in ALLOWED:
        for role in IN_SCOPE:
            yield action, role, 302 if role in ALLOWED[action] else 403
        for role in OUT_OF_SCOPE:
            yield action, role, 404


@pytest.mark.parametrize(("action", "role", "expected"), list(cases()))
def test_transition_page_per_role(client, world, campaign, action, role, expected):
    assessment = bring_to(campaign.hospital, START.get(action, Status.VALIDATED), world)
    before = assessment.status
    client.force_login(getattr(world, role))
    response = client.post(
        f"/assessments/{assessment.pk}/transition/{action}/",
        {f"{action}-comment": "Les preuves du comité manquent."},
    )
    assert response.status_code == expected
    assessment.refresh_from_db()
    if expected == 302:
        assert assessment.status == EXPECTED[action]
        assert response["Location"] == f"/assessments/{assessment.pk}/status/"
    else:
        assert assessment.status == before


@pytest.mark.parametrize(("action", "role", "expected"), list(cases()))
def test_transition_api_per_role(client, world, campaign, action, role, expected):
    assessment = bring_to(campaign.hospital, START.get(action, Status.VALIDATED), world)
    client.force_login(getattr(world, role))
    response = client.post(
        f"/api/assessments/{assessment.pk}/{API_PATHS[action]}/",
        {"comment": "À revoir."},
        content_type="application/json",
    )
    assert response.status_code == (200 if expected == 302 else expected)
    if expected == 302:
        assert response.json()["status"] == EXPECTED[action]


def test_submission_refused_lists_missing_answers_with_links(client, world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    client.force_login(world.rssi)
    response = client.post(f"/assessments/{assessment.pk}/transition/submit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Il manque 5 réponses obligatoires" in page
    assert f'href="/assessments/{assessment.pk}/?step=1#req-GOV-RSSI"' in page
    assert f'href="/assessments/{assessment.pk}/?step=2#req-BUDGET"' in page
    assert "GOV-COMITE</a>" not in page
    # GHT-level: held on the support's assessment, answered by the GHT lead.
    assert "à renseigner par le responsable du GHT" in page
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT
    assert not Transition.objects.exists()


def test_api_submission_refused_lists_missing_answers(client, world, campaign):
    client.force_login(world.rssi)
    response = client.post(f"/api/assessments/{campaign.hospital.pk}/submit/")
    assert response.status_code == 400
    body = response.json()
    assert [m["requirement"] for m in body["missing"]] == [
        "GOV-RSSI",
        "GOV-COMITE",
        "EXERCICE",
        "BUDGET",
        "GHT-CONVERGENCE",
        "D3-BASTION",
    ]
    assert body["missing"][0]["url"].endswith("?step=1#req-GOV-RSSI")
    assert "obligatoire" in body["detail"]


def test_a_member_is_not_held_back_by_the_ght_level_items(world, campaign):
    clinic = campaign.clinic
    clinic_rssi = user_with_role("rssi", world.clinic)
    fill(clinic, clinic_rssi)
    assert workflow.missing_required_answers(clinic) == []
    # The support's assessment holds the GHT-level answers: there they are required.
    assert "GHT-CONVERGENCE" in [
        m.code for m in workflow.missing_required_answers(campaign.hospital)
    ]
    workflow.submit(assessment=clinic, user=clinic_rssi)
    clinic.refresh_from_db()
    assert clinic.status == Status.SUBMITTED


def test_submission_freezes_the_reference_date_and_scores(world, campaign):
    assessment = bring_to(campaign.hospital, Status.DRAFT, world)
    assert assessment.snapshot.detail["headline"]["submitted"] is False
    workflow.submit(assessment=assessment, user=world.rssi)
    assessment.refresh_from_db()
    today = timezone.localdate()
    assert assessment.status == Status.SUBMITTED
    assert assessment.reference_date == today
    assert assessment.submitted_by == world.rssi
    assert assessment.snapshot.detail["headline"]["submitted"] is True
    assert assessment.snapshot.detail["reference_date"] == today.isoformat()


def test_submitted_assessment_is_read_only_for_the_rssi(client, world, campaign):
    assessment = bring_to(campaign.hospital, Status.SUBMITTED, world)
    with pytest.raises(AssessmentLocked):
        save_answers(
            assessment=assessment,
            answers={"GOV-COMITE": "no"},
            expected_version=assessment.version,
            user=world.rssi,
        )
    client.force_login(world.rssi)
    response = client.patch(
        f"/api/assessments/{assessment.pk}/answers/",
        {"version": assessment.version, "answers": {"GOV-COMITE": "no"}},
        content_type="application/json",
    )
    assert response.status_code == 403
    # A second submission is refused too, saying why.
    with pytest.raises(PermissionDenied, match="statut « transmise »"):
        workflow.submit(assessment=assessment, user=world.rssi)
    page = client.get(f"/assessments/{assessment.pk}/status/").content.decode()
    assert "Transmettre l’auto-évaluation" not in page
    assert "attend la validation de la direction" in page


@pytest.mark.parametrize("action", ["send_back", "reopen"])
def test_sending_back_and_reopening_need_a_comment(client, world, campaign, action):
    assessment = bring_to(campaign.hospital, Status.SUBMITTED, world)
    user = world.director if action == "send_back" else world.ars
    client.force_login(user)
    response = client.post(
        f"/assessments/{assessment.pk}/transition/{action}/", {f"{action}-comment": "  "}
    )
    assert response.status_code == 200
    assert "Un commentaire est obligatoire" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED
    api = client.post(
        f"/api/assessments/{assessment.pk}/{API_PATHS[action]}/",
        {},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "commentaire" in api.json()["comment"][0]


def test_full_cycle_is_recorded_and_shown_as_a_timeline(client, world, campaign):
    assessment = bring_to(campaign.hospital, Status.DRAFT, world)
    workflow.submit(assessment=assessment, user=world.rssi)
    workflow.send_back(
        assessment=assessment, user=world.director, comment="Joindre le compte rendu du comité."
    )
    workflow.submit(assessment=assessment, user=world.rssi)
    workflow.validate(assessment=assessment, user=world.director)
    workflow.reopen(assessment=assessment, user=world.ars, comment="Budget à corriger.")
    steps = list(
        Transition.objects.filter(assessment=assessment).values_list(
            "action", "from_status", "to_status", "actor__email"
        )
    )
    assert steps == [
        ("submit", "draft", "submitted", "rssi@example.fr"),
        ("send_back", "submitted", "draft", "direction@example.fr"),
        ("submit", "draft", "submitted", "rssi@example.fr"),
        ("validate", "submitted", "validated", "direction@example.fr"),
        ("reopen", "validated", "reopened", "ars@example.fr"),
    ]
    assessment.refresh_from_db()
    assert assessment.status == Status.REOPENED
    assert assessment.reference_date is None
    assert assessment.validated_at is None
    assert list(
        AuditEvent.objects.filter(establishment=world.hospital)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["submission", "send_back", "submission", "validation", "reopening"]

    client.force_login(world.rssi)
    page = client.get(f"/assessments/{assessment.pk}/status/").content.decode()
    timeline = page[page.index('id="timeline"') :]
    order = [
        timeline.index(text)
        for text in (
            "Ouverture de l&#x27;auto-évaluation",
            "Transmission",
            "Renvoi au RSSI",
            "Joindre le compte rendu du comité.",
            "Validation",
            "Réouverture",
            "Budget à corriger.",
        )
    ]
    assert order == sorted(order)
    assert "(Validée → Rouverte)" in timeline
    # Reopened: the RSSI may edit and submit again.
    assert "Transmettre l’auto-évaluation" in page


def test_status_page_shows_each_person_their_actions(client, world, campaign):
    assessment = bring_to(campaign.hospital, Status.SUBMITTED, world)
    client.force_login(world.director)
    page = client.get(f"/assessments/{assessment.pk}/status/").content.decode()
    assert "Valider l’auto-évaluation" in page
    assert "Renvoyer avec ce commentaire" in page
    assert "Rouvrir" not in page
    client.force_login(world.national)
    page = client.get(f"/assessments/{assessment.pk}/status/").content.decode()
    assert "Rouvrir avec ce commentaire" in page
    assert "Valider</button>" not in page
    client.force_login(world.other_ars)
    assert client.get(f"/assessments/{assessment.pk}/status/").status_code == 404


def test_status_page_queries_are_bounded(client, world, campaign, django_assert_max_num_queries):
    assessment = bring_to(campaign.hospital, Status.DRAFT, world)
    workflow.submit(assessment=assessment, user=world.rssi)
    workflow.send_back(assessment=assessment, user=world.director, comment="Non.")
    client.force_login(world.rssi)
    with django_assert_max_num_queries(25):
        response = client.get(f"/assessments/{assessment.pk}/status/")
    assert response.status_code == 200


def test_admin_reads_transitions_evidence_and_exercises(admin_client, world, campaign):
    assessment = bring_to(campaign.hospital, Status.SUBMITTED, world)
    for model in ("transition", "evidence", "crisisexercise"):
        response = admin_client.get(f"/admin/assessments/{model}/")
        assert response.status_code == 200
    transition = Transition.objects.get(assessment=assessment)
    page = admin_client.get(f"/admin/assessments/transition/{transition.pk}/change/")
    assert page.status_code == 200
    assert admin_client.post("/admin/assessments/transition/add/").status_code == 403


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, "Il manque 1 réponse obligatoire pour"), (3, "Il manque 3 réponses obligatoires pour")],
)
def test_the_missing_answers_message_agrees_in_number(count, words):
    missing = [
        workflow.MissingAnswer(code=f"R{n}", label="x", step="1", ght_level=False)
        for n in range(count)
    ]
    assert str(workflow.SubmissionIncomplete(missing)).startswith(words)

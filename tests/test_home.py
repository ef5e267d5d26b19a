"""The home page tells each person what waits for them, and nothing false for the state.

The hospital of `world` is the GHT's support establishment: its assessment holds the GHT-level
item (GHT-CONVERGENCE), which the GHT lead answers.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import workflow
from assessments.models import Assessment
from establishments.models import Role, User
from followup.models import HomeVisit
from tests.answers import fill
from tests.factories import AssessmentFactory, EstablishmentFactory, user_with_role
from tests.test_workflow import bring_to

pytestmark = pytest.mark.django_db

Status = Assessment.Status
NAME = "Centre hospitalier de Villefranche"
FILL = f"Compléter et transmettre l’auto-évaluation 2025 de {NAME}"
VALIDATE = f"Valider l’auto-évaluation 2025 de {NAME}"
SUBMITTED = f"Auto-évaluation 2025 de {NAME} transmise"
VALIDATED = f"Auto-évaluation 2025 de {NAME} validée"
IN_PROGRESS = f"Auto-évaluation 2025 de {NAME} en cours de remplissage"
GHT_PENDING = "1 exigence de niveau GHT attend votre réponse"
GHT_DONE = "Les exigences de niveau GHT sont renseignées"
NOTIFY_GHT = "Prévenir le responsable du GHT"


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.text


def reach(state: str, world, campaign) -> Assessment:
    """The hospital's assessment in `state`, through the real workflow services."""
    assessment = campaign.hospital
    if state == "empty":
        return assessment
    if state == "sent_back":
        bring_to(assessment, Status.SUBMITTED, world)
        workflow.send_back(
            assessment=assessment, user=world.director, comment="Le budget est à revoir."
        )
    elif state == "reopened":
        bring_to(assessment, Status.VALIDATED, world)
        workflow.reopen(assessment=assessment, user=world.ars, comment="Exercice non daté.")
    else:
        bring_to(assessment, state, world)
    assessment.refresh_from_db()
    return assessment


# (state, what the RSSI sees, what the RSSI must not see)
RSSI = {
    "empty": (
        [FILL, "Brouillon", "Réponses données : <strong>0 sur"],
        [SUBMITTED, "avec ce commentaire"],
    ),
    Status.DRAFT: ([FILL, "Brouillon"], [SUBMITTED, "avec ce commentaire"]),
    "sent_back": (
        [FILL, "Renvoyée par la direction le", "Le budget est à revoir."],
        [SUBMITTED],
    ),
    Status.SUBMITTED: ([SUBMITTED, "attend la validation de la direction"], [FILL, NOTIFY_GHT]),
    Status.VALIDATED: ([VALIDATED], [FILL, NOTIFY_GHT]),
    "reopened": ([FILL, "Rouverte par", "Exercice non daté."], [VALIDATED]),
}
DIRECTOR = {
    "empty": ([IN_PROGRESS, "rien à valider"], [VALIDATE]),
    Status.DRAFT: ([IN_PROGRESS], [VALIDATE]),
    "sent_back": ([IN_PROGRESS], [VALIDATE]),
    Status.SUBMITTED: ([VALIDATE, "Lire et valider"], [IN_PROGRESS]),
    Status.VALIDATED: ([VALIDATED], [VALIDATE]),
    "reopened": ([IN_PROGRESS], [VALIDATE]),
}
GHT_LEAD = {
    "empty": ([GHT_PENDING, "Renseigner les exigences du GHT"], [GHT_DONE]),
    Status.DRAFT: ([GHT_DONE], [GHT_PENDING]),
    Status.SUBMITTED: ([GHT_DONE], [GHT_PENDING]),
}


@pytest.mark.parametrize("state", list(RSSI))
def test_rssi_home_follows_the_state(client, world, campaign, state):
    reach(state, world, campaign)
    text = home(client, world.rssi)
    shown, hidden = RSSI[state]
    for words in shown:
        assert words in text, words
    for words in hidden:
        assert words not in text, words
    assert "Score global" in text and "Clôture de la campagne" in text


@pytest.mark.parametrize("state", list(DIRECTOR))
def test_director_is_asked_to_validate_only_what_was_submitted(client, world, campaign, state):
    reach(state, world, campaign)
    text = home(client, world.director)
    shown, hidden = DIRECTOR[state]
    for words in shown:
        assert words in text, words
    for words in hidden:
        assert words not in text, words


@pytest.mark.parametrize("state", list(GHT_LEAD))
def test_ght_lead_sees_the_ght_items_waiting(client, world, campaign, state):
    reach(state, world, campaign)
    text = home(client, world.ght_lead)
    shown, hidden = GHT_LEAD[state]
    for words in shown:
        assert words in text, words
    for words in hidden:
        assert words not in text, words


def test_ght_lead_home_lists_the_members_waiting(client, world, campaign):
    text = home(client, world.ght_lead)
    assert GHT_PENDING in text
    # The members whose assessment is still open, each a link to it.
    for assessment in (campaign.hospital, campaign.clinic):
        assert reverse("assessments:status", args=[assessment.pk]) in text
    # Not the establishments of other GHTs or outside any GHT.
    assert world.nursing_home.name not in text


def test_support_rssi_sees_the_blocking_ght_items_and_the_lead(client, world, campaign):
    world.ght_lead.first_name, world.ght_lead.last_name = "Nadia", "Benali"
    world.ght_lead.save()
    text = home(client, world.rssi)
    assert "GHT-CONVERGENCE" in text
    assert "Nadia Benali" in text
    assert NOTIFY_GHT in text
    assert reverse("followup:ask_ght_lead", args=[campaign.hospital.pk]) in text


def test_member_rssi_is_not_held_back_by_ght_items(client, world, campaign):
    """The clinic is a member, not the support: the GHT-level items do not block it."""
    rssi = user_with_role(Role.RSSI, world.clinic)
    text = home(client, rssi)
    assert "Compléter et transmettre l’auto-évaluation 2025 de Hôpital de Tarare" in text
    assert NOTIFY_GHT not in text


def test_ars_sees_what_was_submitted_since_the_last_visit(client, world, campaign):
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    text = home(client, world.ars)
    assert "Dernières auto-évaluations transmises" in text
    assert NAME in text
    # Second visit: nothing new since the first.
    text = home(client, world.ars)
    assert "Transmises depuis votre dernière visite" in text
    assert NAME not in text
    # The clinic submits: only it is new.
    campaign.hospital.refresh_from_db()
    HomeVisit.objects.filter(person=world.ars).update(
        seen_at=campaign.hospital.submitted_at + timedelta(microseconds=1)
    )
    fill(campaign.clinic, _rssi_of(world.clinic))
    workflow.submit(assessment=campaign.clinic, user=_rssi_of(world.clinic))
    text = home(client, world.ars)
    assert "Hôpital de Tarare" in text
    assert NAME not in text
    # Another region's submissions never show.
    assert world.other_hospital.name not in text


def _rssi_of(establishment):
    user = User.objects.filter(
        role_assignments__role=Role.RSSI, role_assignments__establishment=establishment
    ).first()
    return user or user_with_role(Role.RSSI, establishment)


@pytest.mark.parametrize(
    ("closes_on", "label"),
    [
        (date(2020, 1, 31), "En retard (campagne close le 31/01/2020)"),
        (date(2099, 1, 31), "Pas encore transmises (clôture le 31/01/2099)"),
    ],
)
def test_ars_sees_the_establishments_late(client, world, campaign, closes_on, label):
    campaign.campaign.closes_on = closes_on
    campaign.campaign.save()
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    text = home(client, world.ars)
    # Clinic and nursing home are not submitted; the hospital is, and the other region is out.
    assert f"{label} : <strong>2</strong>" in text


def _grow_region(world, campaign, count: int) -> None:
    """`count` more submitted assessments in the region, some in the GHT."""

    for index in range(count):
        establishment = EstablishmentFactory(
            department=world.nursing_home.department,
            ght=world.ght if index % 2 else None,
            name=f"EHPAD {index:03d}",
        )
        assessment = AssessmentFactory(establishment=establishment, campaign=campaign.campaign)
        Assessment.objects.filter(pk=assessment.pk).update(
            status=Status.SUBMITTED, submitted_at=timezone.now()
        )


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["rssi", "director", "ght_lead", "ars", "national"])
def test_home_queries_do_not_grow_with_the_region(client, world, campaign, role):
    client.force_login(getattr(world, role))
    _grow_region(world, campaign, 3)
    client.get(reverse("home"))  # the ARS's first visit is recorded
    small = _queries(client)
    _grow_region(world, campaign, 40)
    HomeVisit.objects.update(seen_at=timezone.now() - timedelta(days=1))
    large = _queries(client)
    assert large == small, (small, large)
    assert large <= 20


def test_the_send_back_comment_stays_on_the_questionnaire_until_resubmission(
    client, world, campaign
):
    assessment = reach("sent_back", world, campaign)
    client.force_login(world.rssi)
    form = reverse("assessments:form", args=[assessment.pk])
    text = client.get(form).text
    assert 'id="returned-comment"' in text
    assert "Renvoyée par la direction" in text and "Le budget est à revoir." in text
    # Still there after another save of a step.
    assert "Le budget est à revoir." in client.get(form + "?step=2").text
    workflow.submit(assessment=assessment, user=world.rssi)
    assert "Le budget est à revoir." not in client.get(form).text


def test_the_reopening_comment_shows_on_the_questionnaire(client, world, campaign):
    assessment = reach("reopened", world, campaign)
    client.force_login(world.rssi)
    text = client.get(reverse("assessments:form", args=[assessment.pk])).text
    assert "Rouverte par" in text and "Exercice non daté." in text


def test_a_fresh_draft_has_no_banner(client, world, campaign):
    client.force_login(world.rssi)
    text = client.get(reverse("assessments:form", args=[campaign.hospital.pk])).text
    assert 'id="returned-comment"' not in text

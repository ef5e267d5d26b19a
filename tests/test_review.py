"""« Vérifier et transmettre »: the last step leads to a review, then a confirmed submission."""

import pytest
from django.urls import reverse

from assessments.models import Answer, Assessment
from tests.answers import fill
from tests.test_workflow import bring_to

pytestmark = pytest.mark.django_db

Status = Assessment.Status


def review_url(assessment) -> str:
    return reverse("assessments:review", args=[assessment.pk])


def test_the_last_step_offers_to_review_and_leads_there(client, world, campaign):
    assessment = campaign.hospital
    client.force_login(world.rssi)
    last = "4"
    page = client.get(reverse("assessments:form", args=[assessment.pk]) + f"?step={last}").text
    assert "Vérifier et transmettre" in page
    first = client.get(reverse("assessments:form", args=[assessment.pk]) + "?step=1").text
    assert "Vérifier et transmettre" not in first
    response = client.post(
        reverse("assessments:form", args=[assessment.pk]) + f"?step={last}",
        {"version": 0, "baseline": "{}", "save_review": "x"},
    )
    assert response.status_code == 302
    assert response["Location"] == review_url(assessment)


def test_the_review_lists_what_is_missing_and_refuses_to_submit(client, world, campaign):
    client.force_login(world.rssi)
    page = client.get(review_url(campaign.hospital)).text
    assert "Il manque 6 réponses obligatoires" in page
    assert "GOV-COMITE" in page and "à renseigner par le responsable du GHT" in page
    assert 'name="confirm"' not in page  # nothing to confirm yet
    response = client.post(review_url(campaign.hospital), {"confirm": "1"})
    assert response.status_code == 400
    assert "Il manque 6 réponses obligatoires" in response.text
    campaign.hospital.refresh_from_db()
    assert campaign.hospital.status == Status.DRAFT


def test_not_applicable_answers_are_listed_with_their_reason(client, world, campaign):
    fill(campaign.hospital, world.rssi)
    client.force_login(world.rssi)
    page = client.get(review_url(campaign.hospital)).text
    assert "D3-BASTION" in page and "sans justification" in page
    Answer.objects.filter(assessment=campaign.hospital, requirement__code="D3-BASTION").update(
        comment="Pas de bastion : aucun accès d’administration à distance."
    )
    page = client.get(review_url(campaign.hospital)).text
    assert "« Pas de bastion : aucun accès d’administration à distance. »" in page


def test_submission_needs_the_confirmation(client, world, campaign):
    fill(campaign.hospital, world.rssi)
    client.force_login(world.rssi)
    page = client.get(review_url(campaign.hospital)).text
    assert "Je ne pourrai plus modifier les réponses" in page
    response = client.post(review_url(campaign.hospital))
    assert response.status_code == 400
    assert "Cochez la case pour confirmer la transmission" in response.text
    campaign.hospital.refresh_from_db()
    assert campaign.hospital.status == Status.DRAFT
    response = client.post(review_url(campaign.hospital), {"confirm": "1"})
    assert response.status_code == 302
    campaign.hospital.refresh_from_db()
    assert campaign.hospital.status == Status.SUBMITTED


def test_only_the_rssi_submits_from_the_review(client, world, campaign):
    fill(campaign.hospital, world.rssi)
    client.force_login(world.director)
    page = client.get(review_url(campaign.hospital)).text
    assert 'name="confirm"' not in page
    assert client.post(review_url(campaign.hospital), {"confirm": "1"}).status_code == 403
    campaign.hospital.refresh_from_db()
    assert campaign.hospital.status == Status.DRAFT


def test_a_submitted_assessment_offers_no_confirmation(client, world, campaign):
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    client.force_login(world.rssi)
    page = client.get(review_url(campaign.hospital)).text
    assert 'name="confirm"' not in page

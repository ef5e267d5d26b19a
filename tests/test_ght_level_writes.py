"""GHT-level answers are written by the GHT lead alone, whatever the way in.

They are held on the support establishment's assessment and shown on every member's: the RSSI
of the support sees them read-only, and the API, the JSON import and the carry-over refuse them
from that RSSI too (nothing written), while the GHT lead writes them through each.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.answers import AnswersRejected, save_answers
from assessments.answers_json import export_answers
from assessments.campaigns import CarryOverError, carry_over_answers
from assessments.models import Answer, Assessment
from tests.answers import complete_answers, given_by_ght_lead
from tests.campaigns import build_campaign

pytestmark = pytest.mark.django_db

REFUSED = "seul le responsable du GHT peut la renseigner"


def ght_answer(assessment):
    row = Answer.objects.filter(assessment=assessment, requirement__code="GHT-CONVERGENCE").first()
    return row.value if row else None


def version(assessment) -> int:
    return Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)


def patch(client, assessment, answers):
    return client.patch(
        f"/api/assessments/{assessment.pk}/answers/",
        json.dumps({"version": version(assessment), "answers": answers}),
        content_type="application/json",
    )


def test_api_support_rssi_cannot_write_ght_answers(client, world, campaign):
    client.force_login(world.rssi)
    response = patch(client, campaign.hospital, {"GOV-COMITE": "yes", "GHT-CONVERGENCE": True})
    assert response.status_code == 400
    assert REFUSED in response.json()["answers"]["GHT-CONVERGENCE"]
    assert list(response.json()["answers"]) == ["GHT-CONVERGENCE"]
    assert not Answer.objects.filter(assessment=campaign.hospital).exists()
    assert version(campaign.hospital) == 0


def test_api_ght_lead_writes_ght_answers(client, world, campaign):
    client.force_login(world.ght_lead)
    response = patch(client, campaign.hospital, {"GHT-CONVERGENCE": True})
    assert response.status_code == 200, response.content
    assert ght_answer(campaign.hospital) is True
    # Shown on the members' assessments.
    clinic = client.get(f"/api/assessments/{campaign.clinic.pk}/").json()
    assert clinic["answers"]["GHT-CONVERGENCE"] is True


def test_api_the_state_read_back_unchanged_is_accepted(client, world, campaign):
    """An RSSI's client may PATCH back what it read: the lead's answer, unchanged, writes nothing."""
    given_by_ght_lead(campaign.hospital, {"GHT-CONVERGENCE": True})
    client.force_login(world.rssi)
    response = patch(client, campaign.hospital, {"GOV-COMITE": "yes", "GHT-CONVERGENCE": True})
    assert response.status_code == 200, response.content
    assert (
        Answer.history.filter(
            assessment_id=campaign.hospital.pk, requirement__code="GHT-CONVERGENCE"
        ).count()
        == 1
    )
    # Changing it, or clearing it, is refused.
    for value in (False, None):
        response = patch(client, campaign.hospital, {"GHT-CONVERGENCE": value})
        assert response.status_code == 400
        assert ght_answer(campaign.hospital) is True


def _import(client, assessment, answers):
    data = export_answers(assessment)
    data["answers"] = answers
    return client.post(
        f"/assessments/{assessment.pk}/import/",
        {
            "version": version(assessment),
            "file": SimpleUploadedFile("r.json", json.dumps(data).encode(), "application/json"),
        },
    )


def test_import_support_rssi_cannot_write_ght_answers(client, world, campaign):
    client.force_login(world.rssi)
    response = _import(client, campaign.hospital, {"GOV-COMITE": "yes", "GHT-CONVERGENCE": True})
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "Rien n'a été importé" in page
    assert f"« GHT-CONVERGENCE » : Exigence de niveau GHT : {REFUSED}" in page
    assert not Answer.objects.filter(assessment=campaign.hospital).exists()


def test_import_ght_lead_writes_ght_answers(client, world, campaign):
    client.force_login(world.ght_lead)
    response = _import(client, campaign.hospital, {"GHT-CONVERGENCE": False})
    assert response.status_code == 302
    assert ght_answer(campaign.hospital) is False


def test_form_support_rssi_forged_ght_field_is_not_written(client, world, campaign):
    client.force_login(world.rssi)
    client.post(
        reverse("assessments:form", args=[campaign.hospital.pk]) + "?step=2",
        {"version": 0, "GHT-CONVERGENCE": "true", "save": "x"},
    )
    assert ght_answer(campaign.hospital) is None


def test_form_ght_lead_writes_ght_answers(client, world, campaign):
    client.force_login(world.ght_lead)
    response = client.post(
        reverse("assessments:form", args=[campaign.hospital.pk]) + "?step=2",
        {"version": 0, "GHT-CONVERGENCE": "true", "save": "x"},
    )
    assert response.status_code == 302
    assert ght_answer(campaign.hospital) is True


def test_the_service_refuses_them_from_the_support_rssi(world, campaign):
    with pytest.raises(AnswersRejected) as rejected:
        save_answers(
            assessment=campaign.hospital,
            answers=complete_answers(),
            expected_version=0,
            user=world.rssi,
        )
    assert list(rejected.value.errors) == ["GHT-CONVERGENCE"]
    assert not Answer.objects.filter(assessment=campaign.hospital).exists()


# --- carry-over -------------------------------------------------------------------------------


@pytest.fixture
def two_years(world):
    last_year = build_campaign(world, year=2024)
    answers = given_by_ght_lead(last_year.hospital, complete_answers())
    save_answers(
        assessment=last_year.hospital, answers=answers, expected_version=0, user=world.rssi
    )
    return last_year, build_campaign(world, year=2025)


def test_carry_over_support_rssi_leaves_the_ght_answers_to_the_lead(client, world, two_years):
    _last, current = two_years
    client.force_login(world.rssi)
    response = client.post(
        f"/assessments/{current.hospital.pk}/carry-over/", {"version": 0}, follow=True
    )
    page = response.content.decode()
    assert "5 réponses reprises de la campagne 2024" in page
    assert "GHT-CONVERGENCE (exigence de niveau GHT, reprise par le responsable du GHT)" in page
    assert ght_answer(current.hospital) is None


def test_carry_over_ght_lead_on_an_empty_support_assessment(client, world, two_years):
    """Used to raise AnswersRejected (a server error): the lead takes the GHT-level answers."""
    _last, current = two_years
    client.force_login(world.ght_lead)
    response = client.post(
        f"/assessments/{current.hospital.pk}/carry-over/", {"version": 0}, follow=True
    )
    assert response.status_code == 200
    assert "1 réponse reprise de la campagne 2024" in response.content.decode()
    assert ght_answer(current.hospital) is True
    own = Answer.objects.filter(assessment=current.hospital).exclude(
        requirement__code="GHT-CONVERGENCE"
    )
    assert not own.exists()
    # The RSSI can still take the establishment's own answers afterwards.
    result = carry_over_answers(assessment=current.hospital, user=world.rssi, expected_version=1)
    assert "GOV-COMITE" in result.copied
    # And the lead cannot take them twice.
    with pytest.raises(CarryOverError, match="déjà des réponses"):
        carry_over_answers(assessment=current.hospital, user=world.ght_lead, expected_version=2)


def test_carry_over_ght_lead_with_nothing_to_take(client, world):
    """The support's previous assessment has no GHT-level answer: a message, nothing written."""
    last_year = build_campaign(world, year=2024)
    save_answers(
        assessment=last_year.hospital,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    current = build_campaign(world, year=2025)
    client.force_login(world.ght_lead)
    response = client.post(
        f"/assessments/{current.hospital.pk}/carry-over/", {"version": 0}, follow=True
    )
    assert response.status_code == 200
    assert "n&#x27;est reprenable" in response.content.decode()
    assert not Answer.objects.filter(assessment=current.hospital).exists()

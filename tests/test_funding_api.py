"""The funding-calls API and pages: calls, scoped candidacies, moves refused with their reason."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import Action, AuditEvent
from establishments.models import GHTMember
from funding.models import Candidacy, CandidacyDocument
from referential.loader import load_referential_file
from tests.factories import CandidacyFactory, FundingCallFactory

Stage = Candidacy.Stage


@pytest.fixture
def call(campaign):
    return FundingCallFactory(referential=campaign.campaign.referential, code="D2")


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_calls_as_interfaces_say(client, world):
    load_referential_file("fixtures/referential/care-2026.yaml")
    data = signed_in(client, world.rssi).get("/api/funding-calls/").json()
    assert isinstance(data, list)  # a plain list, no pagination envelope
    assert [call["code"] for call in data] == ["D1", "HOSPICONNECT", "D2", "D1BIS"]
    d2 = client.get("/api/funding-calls/D2/").json()
    assert {"code", "title", "arrete_date", "amount_eur", "stages", "objectives"} <= set(d2)
    assert (d2["arrete_date"], d2["amount_eur"]) == ("2025-07-03", 45_000_000)
    assert d2["stages"][0] == {
        "code": "candidacy",
        "label": "Candidature",
        "opens_on": "2025-09-02",
        "closes_on": "2025-10-31",
        "source": "Pages ANS et ARS (candidatures du 2/09 au 31/10/2025)",
        "note": "",
    }
    objective = d2["objectives"][0]
    assert (objective["code"], objective["requirements"]) == ("O1.A", ["D2-O1A-GOUVERNANCE"])
    assert objective["documents"][0]["code"] == "note_gouvernance"
    assert d2["ght_rule"]["activity_share_at_least"] == 66
    assert client.get("/api/funding-calls/NOPE/").status_code == 404


@pytest.mark.django_db
def test_candidacies_are_listed_within_the_scope(client, world, call):
    mine = CandidacyFactory(call=call, establishment=world.hospital, ght=world.ght)
    CandidacyFactory(call=call, establishment=world.other_hospital, ght=world.other_ght)
    url = "/api/funding-calls/D2/candidacies/"
    rows = signed_in(client, world.rssi).get(url).json()
    assert [(r["id"], r["applicant"], r["region"], r["stage"]) for r in rows] == [
        (mine.pk, "GHT-RHONE", "84", "submitted")
    ]
    assert rows[0]["objectives"] == [
        {"code": "O1", "met": False, "documents_missing": ["compte_rendu"]}
    ]
    assert len(signed_in(client, world.national).get(url).json()) == 2
    assert [r["applicant"] for r in signed_in(client, world.other_ars).get(url).json()] == [
        "GHT-PARIS"
    ]


@pytest.mark.django_db
def test_post_files_a_candidacy_and_refuses_with_the_reason(client, world, call):
    url = "/api/funding-calls/D2/candidacies/"
    response = signed_in(client, world.director).post(
        url, {"applicant": "GHT-RHONE"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Seul le RSSI de l'établissement porteur")
    assert not Candidacy.objects.exists()
    response = signed_in(client, world.ght_lead).post(
        url, {"applicant": "GHT-RHONE"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["applicant"], body["stage"]) == ("GHT-RHONE", "submitted")
    assert body["history"][0]["to"] == "submitted"
    assert body["history"][0]["actor"] == "ght@example.fr"


@pytest.mark.django_db
def test_advance_moves_or_answers_400_with_nothing_changed(client, world, call):
    candidacy = CandidacyFactory(call=call, establishment=world.hospital, ght=world.ght)
    url = f"/api/funding-calls/D2/candidacies/{candidacy.pk}/advance/"
    response = signed_in(client, world.rssi).post(
        url, {"to": "validated"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Seul l'ARS de la région peut faire passer la candidature à « Candidature "
        "retenue par l'ARS »."
    }
    assert Candidacy.objects.get(pk=candidacy.pk).stage == Stage.SUBMITTED
    response = signed_in(client, world.ars).post(
        url, {"to": "bogus"}, content_type="application/json"
    )
    assert response.status_code == 400 and "to" in response.json()
    response = client.post(url, {"to": "validated"}, content_type="application/json")
    assert response.status_code == 200
    assert [m["to"] for m in response.json()["history"]] == ["validated"]
    assert AuditEvent.objects.filter(action=Action.FUNDING_CANDIDACY).count() == 1
    # Out of scope: 404, whatever the body.
    other = signed_in(client, world.other_ars).post(
        url, {"to": "refused"}, content_type="application/json"
    )
    assert other.status_code == 404


# --- The amount requested -----------------------------------------------------------------------


@pytest.mark.django_db
def test_post_takes_the_amount_requested_and_the_candidacy_shows_it(client, world, call):
    call.amount_eur = 45_000_000
    call.save()
    url = "/api/funding-calls/D2/candidacies/"
    api = signed_in(client, world.ght_lead)
    bad = [
        ('{"applicant": "GHT-RHONE", "amount_requested_eur": -1}', "négatif"),
        ('{"applicant": "GHT-RHONE", "amount_requested_eur": "1000"}', "nombre JSON"),
        ('{"applicant": "GHT-RHONE", "amount_requested_eur": 1e6}', "notation scientifique"),
        ('{"applicant": "GHT-RHONE", "amount_requested_eur": 10.005}', "au centime près"),
        ('{"applicant": "GHT-RHONE", "amount_requested_eur": true}', "pas un nombre"),
        ('{"applicant": "GHT-RHONE", "amount_requested_eur": 45000000.5}', "dépasse l'enveloppe"),
    ]
    for body, reason in bad:
        response = api.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert reason in str(response.json()), (body, response.json())
    assert not Candidacy.objects.exists()
    response = api.post(
        url,
        '{"applicant": "GHT-RHONE", "amount_requested_eur": 1250000.5}',
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["amount_requested_eur"] == 1250000.5
    assert Candidacy.objects.get().amount_requested_eur == Decimal("1250000.50")
    # Without it (the field is optional), and in the list: null when not given.
    other = CandidacyFactory(call=call, establishment=world.nursing_home)
    rows = signed_in(client, world.national).get(url).json()
    assert {r["id"]: r["amount_requested_eur"] for r in rows}[other.pk] is None
    assert all("amount_paid_eur" in r for r in rows)


@pytest.mark.django_db
def test_advance_refuses_a_payment_above_the_request_unless_forced(client, world, call):
    candidacy = CandidacyFactory(
        call=call,
        establishment=world.hospital,
        ght=world.ght,
        stage=Stage.CONTROLLED,
        control_outcome=Candidacy.Outcome.COMPLIANT,
        amount_requested_eur=Decimal("2000"),
    )
    url = f"/api/funding-calls/D2/candidacies/{candidacy.pk}/advance/"
    api = signed_in(client, world.ars)
    response = api.post(url, {"to": "paid", "amount_eur": 2500}, content_type="application/json")
    assert response.status_code == 400
    assert "dépasse le montant demandé" in response.json()["detail"]
    assert Candidacy.objects.get(pk=candidacy.pk).stage == Stage.CONTROLLED
    response = api.post(
        url,
        {"to": "paid", "amount_eur": 2500, "force": True, "comment": "Avenant du 3 mars"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["amount_requested_eur"], body["amount_paid_eur"]) == (2000, 2500)
    assert body["history"][-1]["forced"] is True


@pytest.mark.django_db
def test_the_pages_take_and_show_the_amount_requested(client, world, call):
    signed_in(client, world.rssi)
    response = client.post(
        reverse("funding:apply", args=["D2"]),
        {"applicant": "GHT-RHONE", "amount_requested_eur": "douze"},
        follow=True,
    )
    assert "Montant demandé refusé : écrivez un nombre en chiffres." in response.text
    assert not Candidacy.objects.exists()
    response = client.post(
        reverse("funding:apply", args=["D2"]),
        {"applicant": "GHT-RHONE", "amount_requested_eur": "150 000,50"},
        follow=True,
    )
    candidacy = Candidacy.objects.get()
    assert candidacy.amount_requested_eur == Decimal("150000.50")
    assert 'id="amount-requested"' in response.text
    shown = re.sub(r"\s|&nbsp;", "", response.text)
    assert "Demandé:150000,50€" in shown


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_call_page_shows_stages_objectives_and_documents(client, world):
    load_referential_file("fixtures/referential/care-2026.yaml")
    page = signed_in(client, world.rssi).get(reverse("funding:call", args=["D2"])).text
    assert "Domaine 2 — stratégie de continuité et de reprise" in page
    assert "2025-09-02" in page and "Date de clôture non publiée." in page
    assert "PSSI signée par le représentant légal" in page
    assert "entités représentant au moins 66 %" in page
    # The support's RSSI may file the GHT's candidacy.
    assert 'value="GHT-RHONE"' in page


@pytest.mark.django_db
def test_the_candidacy_page_shows_only_the_allowed_buttons(client, world, campaign, call):
    candidacy = CandidacyFactory(call=call, establishment=world.hospital, ght=world.ght)
    url = reverse("funding:candidacy", args=[candidacy.pk])
    rssi_page = signed_in(client, world.rssi).get(url).text
    assert 'name="to" value="validated"' not in rssi_page
    assert "Compte rendu" in rssi_page and "manquante" in rssi_page
    ars_page = signed_in(client, world.ars).get(url).text
    assert 'name="to" value="validated"' in ars_page and 'name="to" value="refused"' in ars_page
    assert "Forcer hors calendrier" in ars_page
    # A refused move from the page: the reason shown, nothing changed.
    response = client.post(
        reverse("funding:candidacy_move", args=[candidacy.pk]), {"to": "refused"}, follow=True
    )
    assert "Un refus doit être motivé" in response.text
    assert Candidacy.objects.get(pk=candidacy.pk).stage == Stage.SUBMITTED


@pytest.mark.django_db
def test_attaching_an_evidence_from_the_page(client, world, campaign, call):
    from assessments.models import Evidence

    candidacy = CandidacyFactory(
        call=call, establishment=world.hospital, ght=world.ght, stage=Stage.VALIDATED
    )
    evidence = Evidence.objects.create(
        assessment=campaign.hospital,
        requirement=campaign.requirements["GOV-COMITE"],
        kind=Evidence.Kind.NOTE,
        note="Compte rendu du comité",
    )
    page = signed_in(client, world.rssi).get(reverse("funding:candidacy", args=[candidacy.pk]))
    assert f'value="{evidence.pk}"' in page.text
    client.post(
        reverse("funding:candidacy_documents", args=[candidacy.pk]),
        {"slot": "O1/compte_rendu", "evidence": evidence.pk},
    )
    assert CandidacyDocument.objects.get().evidence == evidence


@pytest.mark.django_db
def test_the_ght_lead_types_the_activity_shares(client, world):
    GHTMember.objects.create(finess_ej=world.hospital.finess_ej, ght=world.ght, is_support=True)
    GHTMember.objects.create(finess_ej=world.clinic.finess_ej, ght=world.ght)
    url = reverse("funding:ght_shares", args=[world.ght.code])
    signed_in(client, world.ght_lead)
    refused = client.post(
        url, {f"share_{world.hospital.finess_ej}": "80", f"share_{world.clinic.finess_ej}": "30"}
    )
    assert refused.status_code == 400 and "dépassent 100 %" in refused.text
    assert not GHTMember.objects.filter(activity_share__isnull=False).exists()
    client.post(
        url, {f"share_{world.hospital.finess_ej}": "70,5", f"share_{world.clinic.finess_ej}": ""}
    )
    assert str(GHTMember.objects.get(finess_ej=world.hospital.finess_ej).activity_share) == "70.50"
    # The ARS reads them but may not type them.
    ars = signed_in(client, world.ars).post(url, {f"share_{world.clinic.finess_ej}": "10"})
    assert ars.status_code == 400 and "Seul le responsable du GHT" in ars.text

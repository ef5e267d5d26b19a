"""ARS relaunches from the regional dashboard: the selection, the message, the record, the scope."""

import pytest
from django.urls import reverse

from assessments.answers import save_answers
from audit.display import detail_lines
from audit.models import Action, AuditEvent
from followup.models import Relaunch, RelaunchRecipient
from followup.services import create_relaunch

NEW = reverse("followup:relaunch_new", args=["84"])
HISTORY = reverse("followup:relaunch_list", args=["84"])


def _signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def started(world, campaign):
    """The hospital has started its assessment; the clinic and the nursing home have not."""
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-RSSI": {"name": "Jeanne Dupont", "email": "jeanne@ch.fr"}},
        expected_version=0,
        user=world.rssi,
    )
    return campaign


@pytest.mark.django_db
def test_regional_dashboard_offers_the_selection(client, world, campaign):
    response = _signed_in(client, world.ars).get(reverse("dashboards:region", args=["84"]))
    html = response.content.decode()
    assert 'id="followup-selection"' in html
    assert f'name="establishment" value="{world.hospital.pk}" form="followup-selection"' in html
    assert "Sélectionner Centre hospitalier de Villefranche" in html
    assert f'formaction="{NEW}"' in html
    assert "tous les établissements correspondant aux filtres (3)" in html
    # The GHT dashboard lists establishments too, without the ARS actions.
    response = _signed_in(client, world.ght_lead).get(reverse("dashboards:ght", args=["GHT-RHONE"]))
    assert 'id="followup-selection"' not in response.content.decode()


@pytest.mark.django_db
def test_ars_relaunches_the_ticked_establishments(client, world, campaign, mailoutbox, settings):
    settings.CARE_BASE_URL = "https://care.example.fr"
    client = _signed_in(client, world.ars)
    ticked = [world.hospital.pk, world.clinic.pk, world.other_hospital.pk]
    page = client.get(NEW, {"selection": "ticked", "establishment": ticked, "campaign": "2025"})
    html = page.content.decode()
    # The establishment of another region is ignored; the clinic has no RSSI.
    assert "2 établissements sélectionnés" in html
    assert "1 RSSI recevra le message." in html
    assert "1 établissement n’a pas de RSSI déclaré" in html
    assert "Hôpital Lariboisière" not in html
    assert "Campagne CaRE 2025 : votre auto-évaluation est attendue" in html  # prefilled

    response = client.post(
        NEW,
        {
            "selection": "ticked",
            "establishment": ticked,
            "campaign": "2025",
            "subject": "Auto-évaluation CaRE à transmettre",
            "message": "Bonjour,\nmerci de transmettre votre auto-évaluation avant le 31 juillet.",
        },
    )
    relaunch = Relaunch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("followup:relaunch_detail", args=[relaunch.pk])
    assert relaunch.sender == world.ars and relaunch.region_id == "84"
    assert relaunch.subject == "Auto-évaluation CaRE à transmettre"
    assert relaunch.criteria == {"mode": "ticked"}
    recipients = {
        (r.establishment.name, r.email, r.sent_at is not None)
        for r in relaunch.recipients.select_related("establishment")
    }
    assert recipients == {
        ("Centre hospitalier de Villefranche", "rssi@example.fr", True),
        ("Hôpital de Tarare", "", False),
    }
    [message] = mailoutbox
    assert message.to == ["rssi@example.fr"]
    assert message.subject == "Auto-évaluation CaRE à transmettre"
    assert "merci de transmettre votre auto-évaluation avant le 31 juillet." in message.body
    assert "Message de l’ARS Auvergne-Rhône-Alpes" in message.body
    assert f"https://care.example.fr/assessments/{campaign.hospital.pk}/status/" in message.body
    assert "<p>Bonjour,<br>merci de transmettre" in message.alternatives[0][0]

    detail = client.get(response["Location"]).content.decode()
    assert "Auto-évaluation CaRE à transmettre" in detail
    assert "rssi@example.fr" in detail and "aucun RSSI déclaré" in detail
    history = client.get(HISTORY).content.decode()
    assert "Auto-évaluation CaRE à transmettre" in history
    assert "ars@example.fr" in history


@pytest.mark.django_db
def test_relaunch_of_everything_matching_the_filters(client, world, started, mailoutbox):
    from tests.factories import user_with_role

    user_with_role("rssi", world.nursing_home, email="rssi.ehpad@example.fr")
    client = _signed_in(client, world.ars)
    params = {"selection": "filters", "status": "not_started", "campaign": "2025"}
    page = client.get(NEW, params).content.decode()
    assert "2 établissements sélectionnés" in page
    assert "Tous les établissements correspondant aux filtres" in page
    client.post(NEW, {**params, "subject": "Relance", "message": "Merci de commencer."})
    relaunch = Relaunch.objects.get()
    assert sorted(relaunch.recipients.values_list("establishment__name", flat=True)) == [
        "EHPAD Les Tilleuls",
        "Hôpital de Tarare",
    ]
    assert relaunch.criteria == {
        "mode": "filters",
        "filters": {"status": ["not_started"], "campaign": ["2025"]},
    }
    assert [m.to for m in mailoutbox] == [["rssi.ehpad@example.fr"]]


@pytest.mark.django_db
def test_bad_message_or_empty_selection_sends_nothing(client, world, campaign, mailoutbox):
    client = _signed_in(client, world.ars)
    response = client.post(
        NEW,
        {
            "selection": "ticked",
            "establishment": [world.hospital.pk],
            "subject": " ",
            "message": "",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez l’objet du message." in html
    assert "Écrivez le message à envoyer." in html
    response = client.post(
        NEW,
        {
            "selection": "ticked",
            "establishment": [world.other_hospital.pk],
            "subject": "S",
            "message": "M",
        },
    )
    assert (
        "Aucun établissement n’est sélectionné : rien n’a été envoyé." in response.content.decode()
    )
    assert not Relaunch.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["rssi", "director", "ght_lead", "other_ars", "other_rssi"])
def test_relaunch_pages_are_out_of_scope_for_other_people(client, world, campaign, who):
    relaunch = Relaunch.objects.create(
        region=world.region,
        sender=world.ars,
        sender_label="ars@example.fr",
        subject="S",
        message="M",
    )
    client = _signed_in(client, getattr(world, who))
    for url in (NEW, HISTORY, reverse("followup:relaunch_detail", args=[relaunch.pk])):
        assert client.get(url).status_code == 404, url
    response = client.post(
        NEW,
        {
            "selection": "ticked",
            "establishment": [world.hospital.pk],
            "subject": "S",
            "message": "M",
        },
    )
    assert response.status_code == 404
    assert Relaunch.objects.count() == 1


@pytest.mark.django_db
def test_national_may_relaunch_any_region_and_read_its_history(client, world, campaign):
    client = _signed_in(client, world.national)
    client.post(
        reverse("followup:relaunch_new", args=["11"]),
        {
            "selection": "ticked",
            "establishment": [world.other_hospital.pk, world.hospital.pk],
            "subject": "S",
            "message": "M",
        },
    )
    relaunch = Relaunch.objects.get()
    assert relaunch.region_id == "11"
    assert list(relaunch.recipients.values_list("establishment", flat=True)) == [
        world.other_hospital.pk
    ]
    assert client.get(reverse("followup:relaunch_list", args=["11"])).status_code == 200
    # The ARS of the other region does not read it.
    client.force_login(world.ars)
    assert client.get(reverse("followup:relaunch_detail", args=[relaunch.pk])).status_code == 404


@pytest.mark.django_db
def test_the_assessment_status_page_shows_the_relaunches_received(client, world, campaign):
    relaunch = Relaunch.objects.create(
        region=world.region,
        sender=world.ars,
        sender_label="ars@example.fr",
        subject="Transmettez votre auto-évaluation",
        message="M",
    )
    RelaunchRecipient.objects.create(
        relaunch=relaunch, establishment=world.hospital, email="rssi@example.fr"
    )
    status = reverse("assessments:status", args=[campaign.hospital.pk])
    detail = reverse("followup:relaunch_detail", args=[relaunch.pk])
    for user, linked in ((world.rssi, False), (world.director, False), (world.ars, True)):
        client.force_login(user)
        html = client.get(status).content.decode()
        assert "Relances de l’ARS" in html
        assert "Transmettez votre auto-évaluation" in html
        assert "envoyée à rssi@example.fr" in html
        assert (detail in html) is linked
    clinic = client.get(reverse("assessments:status", args=[campaign.clinic.pk])).content.decode()
    assert "Aucune relance de l’ARS pour cet établissement." in clinic


@pytest.mark.django_db
def test_admin_lists_the_follow_up_records(admin_client, world, campaign):
    relaunch = Relaunch.objects.create(
        region=world.region,
        sender=world.ars,
        sender_label="ars@example.fr",
        subject="S",
        message="M",
    )
    RelaunchRecipient.objects.create(relaunch=relaunch, establishment=world.hospital)
    for model in ("relaunch", "reminderlog", "bulkreport"):
        assert admin_client.get(reverse(f"admin:followup_{model}_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:followup_relaunch_change", args=[relaunch.pk]))
    assert "Centre hospitalier de Villefranche" in page.content.decode()


@pytest.mark.django_db
def test_a_relaunch_is_in_the_audit_log_in_french(client, world, campaign):
    create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital, world.clinic],
        subject="Campagne 2025 : transmettez",
        message="Merci.",
        criteria={"mode": "ticked"},
    )
    event = AuditEvent.objects.get(action=Action.RELAUNCH)
    assert event.get_action_display() == "Relance d'établissements"
    assert event.actor == world.ars and event.region_id == "84"
    assert event.target == "Campagne 2025 : transmettez"
    lines = dict(detail_lines(event.detail))
    assert lines["nombre"] == "2"
    assert lines["sélection"] == "établissements cochés"
    # The ARS reads it in its audit log.
    client.force_login(world.ars)
    assert "Relance d&#x27;établissements" in client.get(reverse("audit:list")).text

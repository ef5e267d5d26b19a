"""Incidents reported to the national portal: recorded by the RSSI, seen by the ARS beside
maturity, and the reopening of the answers they affect, through the workflow's own rules."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.incidents import record_incident
from assessments.models import Assessment, ReportedIncident, Transition
from audit.models import Action, AuditEvent
from establishments.models import Role, User

pytestmark = pytest.mark.django_db


def post_incident(client, assessment, **fields):
    data = {
        "reported_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "reference": "CS-2026-0042",
        "description": "Rançongiciel sur la messagerie",
        **fields,
    }
    return client.post(reverse("assessments:incidents", args=[assessment.pk]), data)


def incident_page(assessment, incident):
    return reverse("assessments:incident", args=[assessment.pk, incident.pk])


def test_the_rssi_records_an_incident_and_confirms_reopening_a_draft(client, world, campaign):
    client.force_login(world.rssi)
    draft = campaign.hospital
    response = post_incident(
        client, draft, degraded_care="on", affected=["GOV-COMITE", "D3-BASTION"]
    )
    incident = ReportedIncident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == incident_page(draft, incident)
    assert (incident.degraded_care, incident.reopening) == (True, "proposed")
    event = AuditEvent.objects.get(action=Action.INCIDENT_REPORT)
    assert event.detail["affected"] == ["D3-BASTION", "GOV-COMITE"]
    page = client.get(incident_page(draft, incident)).content.decode()
    assert "GOV-COMITE" in page and "D3-BASTION" in page
    assert "Confirmer la réouverture" in page
    client.post(incident_page(draft, incident), {"decision": "confirm"})
    incident.refresh_from_db()
    assert incident.reopening == "confirmed"
    assert incident.reopening_by == world.rssi
    # A draft is open already: nothing moves in the workflow.
    assert Assessment.objects.get(pk=draft.pk).status == "draft"
    assert not Transition.objects.exists()
    assert AuditEvent.objects.filter(action=Action.INCIDENT_REOPEN).count() == 1
    # A proposal is decided once.
    client.post(incident_page(draft, incident), {"decision": "decline"})
    incident.refresh_from_db()
    assert incident.reopening == "confirmed"


def test_on_a_submitted_assessment_the_ars_reopens_through_the_workflow(client, world, campaign):
    submitted = campaign.hospital
    Assessment.objects.filter(pk=submitted.pk).update(status="submitted")
    client.force_login(world.rssi)
    post_incident(client, submitted, affected=["GOV-COMITE"])
    incident = ReportedIncident.objects.get()
    page = client.get(incident_page(submitted, incident)).content.decode()
    assert "confirmer demande à l’ARS de la rouvrir" in page
    client.post(incident_page(submitted, incident), {"decision": "confirm"})
    incident.refresh_from_db()
    assert incident.reopening == "requested"
    # The RSSI may not reopen: the workflow's rule holds.
    client.post(incident_page(submitted, incident), {"decision": "reopen"})
    assert Assessment.objects.get(pk=submitted.pk).status == "submitted"
    # The ARS of another region does not see the incident at all.
    client.force_login(world.other_ars)
    assert client.get(incident_page(submitted, incident)).status_code == 404
    client.force_login(world.ars)
    page = client.get(incident_page(submitted, incident)).content.decode()
    assert "Rouvrir l’auto-évaluation pour ces réponses" in page
    client.post(incident_page(submitted, incident), {"decision": "reopen"})
    assert Assessment.objects.get(pk=submitted.pk).status == "reopened"
    transition = Transition.objects.get()
    assert transition.action == "reopen" and transition.actor == world.ars
    assert "CS-2026-0042" in transition.comment and "GOV-COMITE" in transition.comment
    incident.refresh_from_db()
    assert incident.reopening == "reopened"
    assert AuditEvent.objects.filter(action=Action.REOPENING).count() == 1


def test_bad_input_gets_a_french_message_and_nothing_is_written(client, world, campaign):
    client.force_login(world.rssi)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = post_incident(client, campaign.hospital, reported_on=tomorrow)
    assert response.status_code == 400
    assert "La date du signalement ne peut pas être dans le futur." in response.content.decode()
    response = post_incident(client, campaign.hospital, description=" ")
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not ReportedIncident.objects.exists()
    response = post_incident(client, campaign.hospital, affected=["PAS-UNE-EXIGENCE"])
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert post_incident(client, campaign.hospital).status_code == 302
    response = post_incident(client, campaign.hospital, reference="cs-2026-0042")
    assert response.status_code == 400
    assert "déjà enregistré pour cet établissement" in response.content.decode()
    assert ReportedIncident.objects.count() == 1
    assert AuditEvent.objects.filter(action=Action.INCIDENT_REPORT).count() == 1


def test_only_the_rssi_records(client, world, campaign):
    for user in (world.director, world.ars, world.ght_lead):
        client.force_login(user)
        assert post_incident(client, campaign.hospital).status_code == 403
    assert not ReportedIncident.objects.exists()


def test_the_ars_dashboard_counts_incidents_per_establishment(client, world, campaign):
    today = timezone.localdate()
    counts = {"hospital": 2, "clinic": 1, "nursing_home": 0, "other_hospital": 3}
    rssis = {"hospital": world.rssi, "other_hospital": world.other_rssi}
    for name, count in counts.items():
        user = rssis.get(name) or _rssi_of(world, name)
        for i in range(count):
            record_incident(
                assessment=getattr(campaign, name),
                user=user,
                reported_on=today,
                reference=f"{name}-{i}",
                degraded_care=i == 0,
                description="Panne du DPI",
            )
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]))
    shown = {row["finess"]: row["incidents"] for row in response.context["page_obj"]}
    assert shown == {
        getattr(world, name).finess: count
        for name, count in counts.items()
        if name != "other_hospital"
    }
    assert reverse("dashboards:region_incidents", args=["84"]) in response.content.decode()
    page = client.get(reverse("dashboards:region_incidents", args=["84"])).content.decode()
    assert "3 incidents signalés sur le portail national, dont 2 avec des soins" in page
    assert "other_hospital-0" not in page and "hospital-1" in page


def _rssi_of(world, name):
    user = User.objects.create_user(f"rssi.{name}@example.fr")
    user.role_assignments.create(role=Role.RSSI, establishment=getattr(world, name))
    return User.objects.get(pk=user.pk)

"""Edits of the registry and of assessments in the admin: the dashboards' summary and the
snapshots' copies stay exact, and what only the workflow may change stays out of reach."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.answers import save_answers
from assessments.models import Assessment, Campaign
from assessments.scoring.copies import copy_differences
from dashboards.summary import differences
from establishments.models import GHT, Establishment, Role
from establishments.services import establishment_edited
from tests.campaigns import build_campaign
from tests.factories import EstablishmentFactory, ReferentialVersionFactory, user_with_role
from tests.test_campaign_summary import submit_hospital

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(world, django_capture_on_commit_callbacks):
    campaign = build_campaign(world)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute_scores", campaign=2025, processes=1)
    return campaign


def fresh(campaign):
    return Campaign.objects.select_related("referential").get(pk=campaign.pk)


def exact(campaign) -> None:
    assert differences(fresh(campaign)) + copy_differences() == []


@pytest.mark.parametrize(
    ("admin", "model", "name"),
    [("establishments_establishment", Establishment, "clinic"), ("establishments_ght", GHT, "ght")],
)
def test_deleting_from_the_registry(admin_client, world, built, admin, model, name):
    submit_hospital(world, built)
    target = getattr(world, name)
    response = admin_client.post(
        reverse(f"admin:{admin}_delete", args=[target.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not model.objects.filter(pk=target.pk).exists()
    exact(built.campaign)


def test_deleting_establishments_from_the_list(admin_client, world, built):
    url = reverse("admin:establishments_establishment_changelist")
    response = admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [world.clinic.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Establishment.objects.filter(pk=world.clinic.pk).exists()
    exact(built.campaign)


def test_deleting_a_started_draft(admin_client, world, built):
    save_answers(
        assessment=built.clinic,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=user_with_role(Role.RSSI, world.clinic),
    )
    url = reverse("admin:assessments_assessment_delete", args=[built.clinic.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Assessment.objects.filter(pk=built.clinic.pk).exists()
    exact(built.campaign)


def test_a_submitted_assessment_is_not_deleted(admin_client, world, built):
    submit_hospital(world, built)
    url = reverse("admin:assessments_assessment_delete", args=[built.hospital.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    exact(built.campaign)


def test_an_assessment_stays_its_establishments_in_its_campaign(admin_client, world, built):
    submit_hospital(world, built)
    other = EstablishmentFactory(department=world.other_hospital.department, ght=None)
    establishment_edited()  # as its import tells
    url = reverse("admin:assessments_assessment_change", args=[built.hospital.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "establishment" not in form.fields and "campaign" not in form.fields
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"establishment": other.pk, "campaign": built.campaign.pk}
    data = {k: getattr(v, "pk", v) for k, v in data.items()}
    admin_client.post(url, data)
    assert Assessment.objects.get(pk=built.hospital.pk).establishment_id == world.hospital.pk
    exact(built.campaign)


def test_a_campaign_keeps_its_referential(admin_client, world, built):
    other = ReferentialVersionFactory()
    campaign = built.campaign
    url = reverse("admin:assessments_campaign_change", args=[campaign.pk])
    assert "referential" not in admin_client.get(url).context["adminform"].form.fields
    admin_client.post(
        url,
        {
            "year": campaign.year,
            "referential": other.pk,
            "opens_on": campaign.opens_on.isoformat() if campaign.opens_on else "",
            "closes_on": campaign.closes_on.isoformat() if campaign.closes_on else "",
        },
    )
    assert fresh(campaign).referential_id == campaign.referential_id
    exact(campaign)


def test_the_history_does_not_set_an_assessment_back(admin_client, world, built):
    submit_hospital(world, built)
    assessment = Assessment.objects.get(pk=built.hospital.pk)
    version = assessment.version
    first = assessment.history.order_by("history_id").first()
    assert first.status == Assessment.Status.DRAFT
    url = reverse(
        "admin:assessments_assessment_simple_history", args=[assessment.pk, first.history_id]
    )
    page = admin_client.get(url)
    data = {k: getattr(v, "pk", v) for k, v in page.context["adminform"].form.initial.items()}
    response = admin_client.post(url, {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert (assessment.status, assessment.version) == (Assessment.Status.SUBMITTED, version)
    exact(built.campaign)

"""A score snapshot carries what the regional list filters on, kept equal to the registry, and
the regional list reads only its region's snapshots through them."""

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.answers import save_answers
from assessments.models import Assessment, ScoreSnapshot
from assessments.scoring.copies import copy_differences
from assessments.workflow import reopen, submit, validate
from dashboards.dashboard import REGION, Dashboard
from dashboards.listing import establishment_rows
from establishments.models import Establishment, Role
from establishments.services import _registry_changed
from tests.answers import fill
from tests.campaigns import build_campaign
from tests.factories import (
    AssessmentFactory,
    DepartmentFactory,
    EstablishmentFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def copies_of(assessment: Assessment) -> dict:
    snapshot = ScoreSnapshot.objects.get(assessment=assessment)
    return {
        "campaign": snapshot.campaign_id,
        "status": snapshot.assessment_status,
        "region": snapshot.region_code,
        "department": snapshot.department_code,
        "ght": snapshot.ght_ref,
        "kind": snapshot.kind,
        "legal_status": snapshot.legal_status,
        "active": snapshot.establishment_active,
        "category_group": snapshot.category_group,
    }


def expected_copies(assessment: Assessment) -> dict:
    e = Establishment.objects.get(pk=assessment.establishment_id)
    return {
        "campaign": assessment.campaign_id,
        "status": Assessment.objects.get(pk=assessment.pk).status,
        "region": e.region_id,
        "department": e.department_id,
        "ght": e.ght_id,
        "kind": e.kind,
        "legal_status": e.legal_status,
        "active": e.is_active,
        "category_group": e.aggregated_category_code or e.category_code,
    }


@pytest.fixture
def scored(world):
    campaign = build_campaign(world)
    call_command("recompute_scores", campaign=2025)
    return campaign


def test_every_kind_of_write_sets_the_copies(world, scored):
    # A save (one upsert), the bulk recompute (above), a snapshot saved on its own.
    save_answers(
        assessment=scored.clinic,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=user_with_role(Role.RSSI, world.clinic),
    )
    alone = AssessmentFactory(
        establishment=EstablishmentFactory(department=world.hospital.department, ght=None),
        campaign=scored.campaign,
    )
    ScoreSnapshot.objects.create(assessment=alone, score_global=12.0)
    for assessment in (scored.hospital, scored.clinic, scored.nursing_home, alone):
        assert copies_of(assessment) == expected_copies(assessment)
    assert copies_of(scored.clinic)["ght"] == world.ght.pk
    assert copies_of(scored.other_hospital)["region"] == world.other_region.code
    assert copy_differences() == []


def test_a_registry_change_updates_the_copies(world, scored):
    elsewhere = DepartmentFactory(code="75", region=world.other_region)
    Establishment.objects.filter(pk=world.clinic.pk).update(
        ght=None, legal_status="Autre", department=elsewhere, region=world.other_region
    )
    Establishment.objects.filter(pk=world.nursing_home.pk).update(is_active=False)
    assert len(copy_differences()) == 1
    assert "2 instantané(s)" in copy_differences()[0]
    _registry_changed()  # what a FINESS or GHT import tells, in its transaction
    assert copy_differences() == []
    assert copies_of(scored.clinic)["region"] == world.other_region.code
    assert copies_of(scored.clinic)["ght"] is None
    assert copies_of(scored.nursing_home)["active"] is False


def test_every_status_change_sets_the_status_copy(world, scored):
    hospital = Assessment.objects.get(pk=scored.hospital.pk)
    fill(hospital, world.rssi)
    assert copies_of(hospital)["status"] == Assessment.Status.DRAFT
    steps = [
        (submit, {"user": world.rssi}, Assessment.Status.SUBMITTED),
        (validate, {"user": world.director}, Assessment.Status.VALIDATED),
        (reopen, {"user": world.ars, "comment": "À revoir"}, Assessment.Status.REOPENED),
    ]
    for step, arguments, status in steps:
        hospital = step(assessment=hospital, **arguments)
        assert copies_of(hospital)["status"] == status
        assert copies_of(hospital) == expected_copies(hospital)
    assert copy_differences() == []


def test_the_category_group_copy_follows_the_aggregated_category(world, scored):
    Establishment.objects.filter(pk=world.clinic.pk).update(aggregated_category_code="")
    Establishment.objects.filter(pk=world.hospital.pk).update(aggregated_category_code="9999")
    assert "2 instantané(s)" in copy_differences()[0]
    _registry_changed()
    assert copies_of(scored.clinic)["category_group"] == world.clinic.category_code
    assert copies_of(scored.hospital)["category_group"] == "9999"
    assert copy_differences() == []


def test_a_stale_status_copy_is_reported(world, scored):
    ScoreSnapshot.objects.filter(assessment=scored.clinic).update(assessment_status="validated")
    assert "1 instantané(s)" in copy_differences()[0]
    assert world.clinic.finess in copy_differences()[0]


def test_an_admin_edit_updates_the_copies(world, scored, admin_user):
    model_admin = admin.site._registry[Establishment]
    clinic = Establishment.objects.get(pk=world.clinic.pk)
    clinic.kind = "ESSMS"
    clinic.legal_status = "Public"
    request = RequestFactory().post("/")
    request.user = admin_user
    model_admin.save_model(request, clinic, form=None, change=True)
    assert copies_of(scored.clinic)["kind"] == "ESSMS"
    assert copies_of(scored.clinic)["legal_status"] == "Public"
    assert copy_differences() == []


def test_check_summary_reports_stale_copies_and_corrects_them(world, scored, capsys):
    ScoreSnapshot.objects.filter(assessment=scored.clinic).update(region_code="11")
    with pytest.raises(CommandError, match="en écart"):
        call_command("check_summary", campaign=2025)
    err = capsys.readouterr().err
    assert "1 instantané(s) de score dont la copie" in err
    assert world.clinic.finess in err
    call_command("check_summary", campaign=2025, rebuild=True)
    assert copy_differences() == []
    assert copies_of(scored.clinic)["region"] == world.region.code


def _region_dashboard(world) -> Dashboard:
    return Dashboard(
        level=REGION,
        establishments=Establishment.objects.filter(region=world.region),
        params={"sort": "-score"},
        region=world.region,
    )


def test_the_regional_list_joins_only_the_region_snapshots_and_gives_the_same_rows(world, scored):
    # One without assessment, one whose assessment has no snapshot yet.
    EstablishmentFactory(department=world.hospital.department, name="Sans auto-évaluation")
    AssessmentFactory(
        establishment=EstablishmentFactory(department=world.hospital.department),
        campaign=scored.campaign,
    )
    save_answers(
        assessment=scored.clinic,
        answers={"GOV-COMITE": "yes", "GOV-RSSI": {"name": "A B", "email": "a@b.fr"}},
        expected_version=0,
        user=user_with_role(Role.RSSI, world.clinic),
    )
    dashboard = _region_dashboard(world)
    form = dashboard.filter_form
    form.is_valid()
    plain = list(establishment_rows(form.filter(dashboard.base), dashboard.targets, "-score"))
    narrowed = list(dashboard.rows)
    assert narrowed == plain
    assert len(narrowed) == 5
    assert [r["score"] is not None for r in narrowed].count(True) == 1
    sql = str(dashboard.rows.query)
    join = sql[sql.index('JOIN "assessments_scoresnapshot"') :].split("JOIN")[1]
    assert '"region_code" = 84' in join or "\"region_code\" = '84'" in join
    assert '"campaign_id" =' in join


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_regional_page_and_exports_filter_the_snapshots_by_region(client, world, scored, fmt):
    client.force_login(world.ars)
    urls = [
        reverse("dashboards:region", args=[world.region.code]),
        reverse("dashboards:region_export", args=[world.region.code]) + f"?format={fmt}",
    ]
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200
        listed = [
            q["sql"]
            for q in captured.captured_queries
            if '"category_label"' in q["sql"] and "assessments_scoresnapshot" in q["sql"]
        ]
        assert listed, url
        for sql in listed:
            join = sql[sql.index('JOIN "assessments_scoresnapshot"') :].split("JOIN")[1]
            assert '"region_code" = ' in join, url


def test_the_admin_does_not_change_a_status_outside_the_workflow():
    model_admin = admin.site._registry[Assessment]
    assert "status" in model_admin.readonly_fields

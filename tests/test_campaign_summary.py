"""The dashboards' per-campaign summary agrees with a live count after every kind of write."""

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import workflow
from assessments.answers import save_answers
from assessments.models import Assessment
from assessments.scoring.service import recompute_snapshots
from dashboards.dashboard import GROUP_FIELDS, NATIONAL, REGION, Dashboard
from dashboards.figures import campaign_establishments, grouped_counts
from dashboards.models import CampaignSummary
from dashboards.summary import GROUPS_NAMED, differences, scope_q, summary_rows
from establishments.models import Establishment, Role
from establishments.services import _registry_changed
from tests.answers import complete_answers, given_by_ght_lead
from tests.campaigns import build_campaign
from tests.factories import AssessmentFactory, EstablishmentFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(world, django_capture_on_commit_callbacks):
    campaign = build_campaign(world)
    # An establishment without assessment (not started) and one outside any GHT.
    EstablishmentFactory(department=world.hospital.department, legal_status="Privé commercial")
    AssessmentFactory(
        establishment=EstablishmentFactory(department=world.hospital.department, ght=None),
        campaign=campaign.campaign,
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute_scores", campaign=2025)
    return campaign


def agree(campaign, region) -> None:
    campaign = type(campaign).objects.select_related("referential").get(pk=campaign.pk)
    assert differences(campaign) == []
    # And the dashboards' figures read from it are those counted live.
    for level, kwargs in ((NATIONAL, {}), (REGION, {"region": region})):
        scope = Establishment.objects.all()
        if level == REGION:
            scope = scope.filter(region=kwargs["region"])
        dashboard = Dashboard(level=level, establishments=scope, params={}, **kwargs)
        live = grouped_counts(
            campaign_establishments(scope, dashboard.campaign),
            GROUP_FIELDS,
            dashboard.targets,
            dashboard.campaign,
        )
        stored = sorted(r["_values"] for r in dashboard.count_rows)
        counted = sorted(r["_values"] for r in live)
        assert len(stored) == len(counted)
        for row, expected in zip(stored, counted, strict=True):
            # Sums of scores go through JSON: equal to the 15th significant digit.
            assert row == pytest.approx(expected, rel=1e-12)


def test_recompute_scores_builds_it(world, built):
    assert CampaignSummary.objects.filter(campaign=built.campaign, kind="*").exists()
    assert summary_rows(built.campaign, scope_q()) is not None
    agree(built.campaign, world.region)


def test_saves_and_ght_level_saves_keep_it_exact(world, built):
    save_answers(
        assessment=built.clinic,
        answers={"GOV-COMITE": "yes", "GOV-RSSI": {"name": "A B", "email": "a@b.fr"}},
        expected_version=0,
        user=user_with_role(Role.RSSI, world.clinic),
    )
    agree(built.campaign, world.region)
    save_answers(
        assessment=built.hospital,
        answers={"GHT-CONVERGENCE": True},
        expected_version=0,
        user=world.ght_lead,
    )
    agree(built.campaign, world.region)


def submit_hospital(world, built) -> None:
    """The hospital's assessment answered and submitted by its RSSI."""
    hospital = built.hospital
    save_answers(
        assessment=hospital,
        answers=given_by_ght_lead(hospital, complete_answers()),
        expected_version=0,
        user=world.rssi,
    )
    workflow.submit(assessment=hospital, user=world.rssi)


def test_transitions_keep_it_exact(world, built):
    hospital = built.hospital
    submit_hospital(world, built)
    agree(built.campaign, world.region)
    workflow.validate(assessment=hospital, user=world.director)
    agree(built.campaign, world.region)
    workflow.reopen(assessment=hospital, user=world.ars, comment="À revoir.")
    agree(built.campaign, world.region)


def test_a_partial_recompute_keeps_it_exact(world, built):
    Assessment.objects.filter(pk=built.nursing_home.pk).update(status=Assessment.Status.SUBMITTED)
    recompute_snapshots(Assessment.objects.filter(pk=built.nursing_home.pk))
    agree(built.campaign, world.region)


def test_a_recompute_over_many_groups_keeps_it_exact(world, built):
    """More groups than are named one by one: their departments are counted whole, and a
    group whose last active establishment left is removed."""
    statuses = [f"Statut {i}" for i in range(GROUPS_NAMED + 2)]
    made = [
        AssessmentFactory(
            establishment=EstablishmentFactory(
                department=world.hospital.department, legal_status=status
            ),
            campaign=built.campaign,
        )
        for status in statuses
    ]
    recompute_snapshots(Assessment.objects.filter(pk__in=[a.pk for a in made]))
    agree(built.campaign, world.region)
    Establishment.objects.filter(pk=made[0].establishment_id).update(is_active=False)
    Assessment.objects.filter(pk__in=[a.pk for a in made]).update(
        status=Assessment.Status.SUBMITTED
    )
    recompute_snapshots(Assessment.objects.filter(pk__in=[a.pk for a in made]))
    agree(built.campaign, world.region)
    assert not CampaignSummary.objects.filter(
        campaign=built.campaign, legal_status=statuses[0]
    ).exists()


def test_registry_changes_rebuild_it(world, built):
    Establishment.objects.filter(pk=world.clinic.pk).update(ght=None, legal_status="Autre")
    Establishment.objects.filter(pk=world.nursing_home.pk).update(is_active=False)
    EstablishmentFactory(department=world.hospital.department)
    with pytest.raises(AssertionError):
        agree(built.campaign, world.region)
    _registry_changed()
    agree(built.campaign, world.region)


def test_check_summary_reports_a_drift_and_rebuilds(world, built, capsys):
    call_command("check_summary")
    assert "synthèse conforme au décompte" in capsys.readouterr().out
    EstablishmentFactory(department=world.hospital.department)
    with pytest.raises(CommandError, match="en écart"):
        call_command("check_summary", campaign=2025)
    call_command("check_summary", campaign=2025, rebuild=True)
    call_command("check_summary", campaign=2025)


def test_without_a_build_the_dashboard_counts_live(client, world):
    campaign = build_campaign(world)
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    assert summary_rows(campaign.campaign, scope_q(), known_built=False) is None
    client.force_login(world.national)
    assert client.get(reverse("dashboards:national")).status_code == 200


@pytest.mark.parametrize("extra", [2, 30])
def test_built_dashboards_read_the_summary_in_the_same_queries_at_any_size(
    client, world, django_capture_on_commit_callbacks, extra
):
    campaign = build_campaign(world)
    for _ in range(extra):
        AssessmentFactory(
            establishment=EstablishmentFactory(department=world.hospital.department),
            campaign=campaign.campaign,
        )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute_scores", campaign=2025)
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=[world.region.code])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    assert any("dashboards_campaignsummary" in q for q in sql)
    assert len(sql) <= 14
    # The establishments of the region, counted: every one of them is on the page's total.
    total = Establishment.objects.filter(region=world.region, is_active=True).count()
    assert page.context["dashboard"].total.total == total


@pytest.mark.parametrize("page", ["national", "region"])
def test_a_fresh_process_reads_the_built_summary_from_its_first_page(client, world, built, page):
    # A restarted server (or an emptied cache) knows nothing of the build: the campaign row
    # says it, and the first page served reads the summary rather than counting live.
    cache.clear()
    client.force_login(world.national if page == "national" else world.ars)
    args = [] if page == "national" else [world.region.code]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"dashboards:{page}", args=args))
    assert response.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    assert any('FROM "dashboards_campaignsummary"' in q for q in sql)
    # No live grouped count of the establishments, assessments and snapshots.
    assert not any('GROUP BY "establishments_establishment"."' in q for q in sql)
    total = Establishment.objects.filter(is_active=True)
    if page == "region":
        total = total.filter(region=world.region)
    assert response.context["dashboard"].total.total == total.count()

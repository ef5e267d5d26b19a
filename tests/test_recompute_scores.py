"""Bulk recompute of a campaign's snapshots: agrees with a fresh computation for every assessment."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Answer, Assessment, ScoreSnapshot
from assessments.scoring.service import SNAPSHOT_FIELDS, compute_result, snapshot_values
from tests.factories import AssessmentFactory, EstablishmentFactory

pytestmark = pytest.mark.django_db


def answer(assessment, code, value, campaign):
    Answer.objects.update_or_create(
        assessment=assessment, requirement=campaign.requirements[code], defaults={"value": value}
    )


def assert_snapshots_match_fresh_computation():
    compared = 0
    for assessment in Assessment.objects.select_related("establishment", "campaign"):
        stored = ScoreSnapshot.objects.get(assessment=assessment)
        fresh = snapshot_values(
            compute_result(assessment), reference_date=assessment.effective_reference_date()
        )
        for field in SNAPSHOT_FIELDS:
            if field != "computed_at":
                assert getattr(stored, field) == fresh[field], (assessment, field)
        compared += 1
    return compared


def test_recompute_agrees_with_fresh_computation(world, campaign, capsys):
    answer(campaign.hospital, "GOV-RSSI", {"name": "Claire Martin", "email": "c@ch.fr"}, campaign)
    answer(campaign.hospital, "GHT-CONVERGENCE", True, campaign)
    answer(campaign.hospital, "D3-BASTION", "not_applicable", campaign)
    answer(campaign.clinic, "GOV-COMITE", "partial", campaign)
    answer(campaign.clinic, "GHT-CONVERGENCE", False, campaign)  # ignored: held by the support
    answer(campaign.nursing_home, "OG-EXERCICE", True, campaign)
    answer(campaign.other_hospital, "BUDGET", {"numerator": 1, "denominator": 100}, campaign)
    Assessment.objects.filter(pk=campaign.nursing_home.pk).update(status="submitted")

    call_command("recompute_scores", "--campaign", "2025")
    output = capsys.readouterr().out
    assert "4 instantanés de score recalculés" in output
    assert "auto-évaluations/s" in output
    assert assert_snapshots_match_fresh_computation() == 4
    clinic = ScoreSnapshot.objects.get(assessment=campaign.clinic)
    assert clinic.score_d1 == 100
    assert ScoreSnapshot.objects.get(assessment=campaign.nursing_home).detail["headline"][
        "submitted"
    ]

    # Run again after a change made behind the service's back: existing snapshots are updated.
    answer(campaign.hospital, "GHT-CONVERGENCE", False, campaign)
    call_command("recompute_scores", "--campaign", "2025", "--chunk-size", "1")
    assert assert_snapshots_match_fresh_computation() == 4
    assert ScoreSnapshot.objects.get(assessment=campaign.clinic).score_d1 == 0


def test_recompute_queries_do_not_grow_with_the_campaign(world, campaign):
    def queries_of_a_full_recompute() -> int:
        ScoreSnapshot.objects.all().delete()  # every snapshot to write
        with CaptureQueriesContext(connection) as captured:
            call_command("recompute_scores", "--campaign", "2025")
        return len(captured)

    for _ in range(10):
        AssessmentFactory(campaign=campaign.campaign, establishment=EstablishmentFactory())
    small = queries_of_a_full_recompute()
    for _ in range(30):
        AssessmentFactory(campaign=campaign.campaign, establishment=EstablishmentFactory())
    large = queries_of_a_full_recompute()
    assert ScoreSnapshot.objects.count() == 44
    # The run lock and the summary rebuild are a fixed cost; nothing is counted per assessment.
    assert large <= small <= 17


def test_unknown_campaign(world, campaign):
    with pytest.raises(CommandError, match="2031"):
        call_command("recompute_scores", "--campaign", "2031")


def test_unchanged_snapshots_are_not_written_again(world, campaign):
    from assessments.scoring.service import recompute_snapshots

    answer(campaign.clinic, "GOV-COMITE", "partial", campaign)
    recompute_snapshots(Assessment.objects.all())
    before = dict(ScoreSnapshot.objects.values_list("assessment_id", "computed_at"))
    answer(campaign.hospital, "GOV-COMITE", "yes", campaign)
    assert recompute_snapshots(Assessment.objects.all()) == 4
    after = dict(ScoreSnapshot.objects.values_list("assessment_id", "computed_at"))
    rewritten = {pk for pk in after if after[pk] != before[pk]}
    assert rewritten == {campaign.hospital.pk}
    assert ScoreSnapshot.objects.get(assessment=campaign.hospital).count_met == 1
    assert_snapshots_match_fresh_computation()

"""Peer benchmark: percentile of the global score among same kind, same region, same campaign,
submitted or validated assessments only."""

import pytest

from assessments.models import Assessment, ScoreSnapshot
from assessments.scoring.peers import peer_percentile
from tests.factories import AssessmentFactory, EstablishmentFactory

pytestmark = pytest.mark.django_db


def scored(assessment, score):
    """A submitted assessment with this global score (drafts are never peers)."""
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    assessment.status = Assessment.Status.SUBMITTED
    ScoreSnapshot.objects.create(assessment=assessment, score_global=score)
    return assessment


def test_percentile_among_peers(world, campaign):
    scored(campaign.hospital, 50)
    scored(campaign.clinic, 30)
    scored(campaign.nursing_home, 90)  # an ESSMS: not a peer of hospitals
    scored(campaign.other_hospital, 10)  # another region
    third = AssessmentFactory(
        campaign=campaign.campaign,
        establishment=EstablishmentFactory(department=world.hospital.department),
    )
    scored(third, 50)
    unscored = AssessmentFactory(
        campaign=campaign.campaign,
        establishment=EstablishmentFactory(department=world.hospital.department),
    )

    hospital = peer_percentile(campaign.hospital)
    # Above the clinic, level with the third hospital: (1 + ½) of 2 peers.
    assert (hospital.percentile, hospital.peers) == (75, 2)
    assert peer_percentile(campaign.clinic).percentile == 0
    assert peer_percentile(third).percentile == 75
    # Alone of its kind in its region; no score yet.
    assert peer_percentile(campaign.nursing_home).percentile is None
    assert peer_percentile(unscored).percentile is None
    assert peer_percentile(unscored).peers == 3


def test_best_of_its_region(world, campaign):
    scored(campaign.hospital, 80)
    scored(campaign.clinic, 20)
    assert peer_percentile(campaign.hospital).percentile == 100


def test_the_peer_count_reads_the_snapshots_alone(world, campaign):
    """Status, kind, region and category group are the snapshot's own copies: counting the
    peers joins neither the assessments nor the registry, whatever plan the database chooses."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scored(campaign.hospital, 50)
    scored(campaign.clinic, 30)
    with CaptureQueriesContext(connection) as captured:
        assert peer_percentile(campaign.hospital, score=50).peers == 1
    (sql,) = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert "JOIN" not in sql
    assert '"assessment_status" IN' in sql

"""Peers and trend never count a draft, in version 1 as in version 2; version 2 ranks peers on the
CaRE-targets score (the maturity score only a secondary figure)."""

import pytest

from assessments.answers import save_answers
from assessments.models import Assessment, ScoreSnapshot
from assessments.scoring.peers import peer_percentile, peer_position
from reports.content import build_report
from reports.pdf import render_report_pdf
from tests.campaigns import build_campaign
from tests.conftest import login
from tests.factories import AssessmentFactory, EstablishmentFactory
from tests.scoring_v2 import v2_assessment, v2_campaign
from tests.test_peer_position import pdf_words

pytestmark = pytest.mark.django_db

SUBMITTED = Assessment.Status.SUBMITTED


def peer(world, campaign, *, status=SUBMITTED, **scores) -> Assessment:
    """A hospital of world.hospital's region, kind and category, with a stored snapshot."""
    assessment = AssessmentFactory(
        establishment=EstablishmentFactory(department=world.hospital.department),
        campaign=campaign,
        status=status,
    )
    ScoreSnapshot.objects.create(assessment=assessment, **scores)
    return assessment


def submitted_with_score(assessment, **scores) -> Assessment:
    Assessment.objects.filter(pk=assessment.pk).update(status=SUBMITTED)
    assessment.refresh_from_db()
    ScoreSnapshot.objects.update_or_create(assessment=assessment, defaults=scores)
    return assessment


# --- version 1 ---------------------------------------------------------------------------------


def test_a_version_1_peers_draft_never_moves_a_neighbours_figure(client, world, campaign):
    own = submitted_with_score(campaign.hospital, score_global=50.0)
    for score in (10.0, 20.0, 60.0, 70.0, 80.0):
        peer(world, campaign.campaign, score_global=score)
    draft = peer(world, campaign.campaign, status=Assessment.Status.DRAFT, score_global=0.0)
    login(client, world.rssi)

    before = client.get(f"/api/assessments/{own.pk}/").json()["peers"]
    # The draft goes from 0 to 100: a figure that moved would tell how its answers changed.
    ScoreSnapshot.objects.filter(assessment=draft).update(score_global=100.0)
    after = client.get(f"/api/assessments/{own.pk}/").json()["peers"]

    assert before == after
    assert before["count"] == 5
    assert before["percentile"] == pytest.approx(40.0)
    text = pdf_words(render_report_pdf(own))
    position = text[text.index("5. Position") : text.index("Annexe A")]
    assert "supérieur à celui de 40 % des 5 établissements comparables" in position
    assert "transmises ou validées" in position


def test_version_1_below_five_transmitted_peers_is_withheld_even_with_drafts(world, campaign):
    own = submitted_with_score(campaign.hospital, score_global=50.0)
    for score in (10.0, 20.0, 60.0, 70.0):
        peer(world, campaign.campaign, score_global=score)
    for _ in range(3):
        peer(world, campaign.campaign, status=Assessment.Status.DRAFT, score_global=30.0)
    assert peer_percentile(own).peers == 4
    position = peer_position(own)
    assert position.withheld == "too_few_peers"
    assert "auto-évaluations transmises ou validées" in position.reason


def test_a_version_1_trend_never_starts_from_a_draft(world, campaign):
    previous = build_campaign(world, year=2024)
    save_answers(
        assessment=previous.hospital,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    assert build_report(campaign.hospital).trend is None
    text = pdf_words(render_report_pdf(campaign.hospital))
    assert "Seules les auto-évaluations transmises ou validées sont comparées." in text

    Assessment.objects.filter(pk=previous.hospital.pk).update(status=Assessment.Status.VALIDATED)
    trend = build_report(campaign.hospital).trend
    assert trend.year == 2024
    assert trend.lines[0].label == "Score global"


# --- version 2 ---------------------------------------------------------------------------------


def test_version_2_peers_rank_on_the_care_targets_score(world):
    campaign = v2_campaign()
    own = submitted_with_score(
        v2_assessment(world.hospital, campaign), score_care=50.0, score_global=10.0
    )
    # Every peer is above on maturity, and below on the CaRE targets.
    for care in (10.0, 20.0, 30.0, 40.0, 45.0):
        peer(world, campaign, score_care=care, score_global=90.0)

    position = peer_position(own)
    assert (position.percentile, position.peers) == (100.0, 5)
    assert position.score_label == "score cibles CaRE"
    assert "sur le score cibles CaRE" in position.basis
    text = pdf_words(render_report_pdf(own))
    section = text[text.index("5. Position") : text.index("Annexe A")]
    assert "Le score cibles CaRE de l'établissement est supérieur à celui de 100 %" in section


def test_version_2_peers_without_a_care_targets_score_are_not_counted(world):
    campaign = v2_campaign()
    own = submitted_with_score(v2_assessment(world.hospital, campaign), score_care=50.0)
    for care in (10.0, 20.0, 30.0, 40.0):
        peer(world, campaign, score_care=care, score_global=50.0)
    peer(world, campaign, score_care=None, score_global=50.0)
    assert peer_percentile(own).peers == 4

"""The position among peers as the API and the PDF show it: one rule, withheld below 5 peers."""

import subprocess

import pytest

from assessments.answers import save_answers
from assessments.models import Assessment, ScoreSnapshot
from assessments.scoring.peers import PEER_MINIMUM, peer_percentile, peer_position
from reports.pdf import render_report_pdf
from tests.factories import AssessmentFactory, EstablishmentFactory, ScoreSnapshotFactory

pytestmark = pytest.mark.django_db

RSSI = {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"}


def pdf_words(pdf: bytes) -> str:
    """The PDF's text on one line, spaces normalized."""
    text = subprocess.run(  # noqa: S603 - fixed arguments, poppler-utils on PATH
        ["pdftotext", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def scored(world, campaign):
    """The hospital's draft with a global score strictly between 0 and 100."""
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-RSSI": RSSI, "GOV-COMITE": "partial"},
        expected_version=0,
        user=world.rssi,
    )
    campaign.hospital.refresh_from_db()
    assert 0 < campaign.hospital.snapshot.score_global < 100
    return campaign.hospital


def add_peers(world, campaign, scores) -> list[ScoreSnapshot]:
    """Scored hospitals of the same kind, region and campaign as world.hospital, submitted
    (drafts are never peers)."""
    return [
        ScoreSnapshotFactory(
            assessment=AssessmentFactory(
                establishment=EstablishmentFactory(department=world.hospital.department),
                campaign=campaign.campaign,
                status=Assessment.Status.SUBMITTED,
            ),
            score_global=score,
        )
        for score in scores
    ]


def api_peers(client, world, assessment) -> dict:
    client.force_login(world.rssi)
    response = client.get(f"/api/assessments/{assessment.pk}/")
    assert response.status_code == 200
    return response.json()["peers"]


@pytest.mark.parametrize("count", [PEER_MINIMUM - 1, PEER_MINIMUM])
def test_api_and_pdf_agree_at_the_minimum(client, world, campaign, scored, count):
    add_peers(world, campaign, [10.0, 20.0, 80.0, 90.0, 95.0][:count])
    assert peer_percentile(scored).peers == count

    peers = api_peers(client, world, scored)
    text = pdf_words(render_report_pdf(scored))
    position = text[text.index("5. Position") : text.index("Annexe A")]
    if count < PEER_MINIMUM:
        assert peers["percentile"] is None
        assert peers["count"] is None
        assert peers["withheld"] == "too_few_peers"
        assert "il faut au moins 5 établissements comparables" in peers["reason"]
        assert peers["reason"] in position
        assert "supérieur à celui de" not in position
    else:
        assert peers["percentile"] == pytest.approx(peer_percentile(scored).percentile)
        assert (peers["count"], peers["withheld"], peers["reason"]) == (5, None, None)
        assert f"supérieur à celui de {peers['percentile']:.0f} % des 5 établissements" in position
        assert "Position non communiquée" not in position
    assert peers["minimum"] == PEER_MINIMUM


@pytest.mark.parametrize("count", range(1, PEER_MINIMUM))
def test_below_the_minimum_nothing_depends_on_the_peers_scores(
    client, world, campaign, scored, count
):
    # The peers all below, then all above the hospital: a percentile would go from 100 to 0.
    peers = add_peers(world, campaign, [0.0] * count)
    client.force_login(world.rssi)
    below = client.get(f"/api/assessments/{scored.pk}/").json()
    ScoreSnapshot.objects.filter(pk__in=[peer.pk for peer in peers]).update(score_global=100.0)
    above = client.get(f"/api/assessments/{scored.pk}/").json()

    assert below == above
    assert below["peers"]["percentile"] is None
    assert below["peers"]["count"] is None
    assert below["peers"]["withheld"] == "too_few_peers"


def test_saving_other_answers_does_not_narrow_a_neighbours_score(client, world, campaign, scored):
    add_peers(world, campaign, [40.0])
    client.force_login(world.rssi)
    seen = set()
    for version, answers in enumerate(
        [{"GOV-COMITE": "yes"}, {"GOV-COMITE": "no"}, {"GOV-RSSI": False}], start=1
    ):
        response = client.patch(
            f"/api/assessments/{scored.pk}/answers/",
            {"version": version, "answers": answers},
            content_type="application/json",
        )
        assert response.status_code == 200
        seen.add(tuple(sorted(response.json()["peers"].items())))
    assert len(seen) == 1
    assert dict(seen.pop())["percentile"] is None


def test_the_stale_version_answer_withholds_it_too(client, world, campaign, scored):
    add_peers(world, campaign, [40.0, 60.0])
    client.force_login(world.rssi)
    response = client.patch(
        f"/api/assessments/{scored.pk}/answers/",
        {"version": 0, "answers": {"GOV-COMITE": "yes"}},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["current"]["peers"]["percentile"] is None
    assert response.json()["current"]["peers"]["count"] is None


def test_an_unscored_assessment_has_no_position(world, campaign):
    add_peers(world, campaign, [10.0, 20.0, 30.0, 40.0, 50.0])
    position = peer_position(campaign.hospital)
    assert (position.percentile, position.shown, position.withheld) == (None, False, "not_scored")
    assert position.reason == (
        "Position non communiquée : l'auto-évaluation n'a pas encore de score global."
    )

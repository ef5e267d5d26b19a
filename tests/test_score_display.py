"""One score reads the same on every page that shows it: one decimal, as docs/scoring.md says."""

import pytest

from assessments.answers import save_answers
from assessments.models import Assessment, ScoreSnapshot
from care_portal.formats import format_score
from reports.pdf import render_report_pdf
from tests.test_mine import rows
from tests.test_report import pdf_text

pytestmark = pytest.mark.django_db

ANSWERS = {
    "GOV-RSSI": {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"},
    "GOV-COMITE": "partial",
}


def pages(client, world, assessment) -> dict[str, str]:
    client.force_login(world.rssi)
    shown = {
        "form side panel": client.get(f"/assessments/{assessment.pk}/").content.decode(),
        "status page": client.get(f"/assessments/{assessment.pk}/status/").content.decode(),
        "establishment page": client.get(
            f"/establishments/{assessment.establishment.finess}/"
        ).content.decode(),
    }
    client.force_login(world.ars)
    shown["regional dashboard"] = client.get("/dashboards/region/84/").content.decode()
    return shown


def test_a_saved_score_reads_the_same_on_every_page_and_in_the_pdf(client, world, campaign):
    assessment = campaign.hospital
    save_answers(assessment=assessment, answers=ANSWERS, expected_version=0, user=world.rssi)
    assessment = Assessment.objects.get(pk=assessment.pk)
    score = assessment.snapshot.score_global
    assert score is not None and score != round(score)  # a decimal to show
    expected = format_score(score)
    assert expected.endswith("\u00a0%") and "," in expected
    for page, html in pages(client, world, assessment).items():
        assert expected in html, page
    assert expected.replace("\u00a0", " ") in pdf_text(render_report_pdf(assessment), page=2)


def test_a_score_ending_in_5_rounds_the_same_way_on_every_page(client, world, campaign):
    """34.05 is just below 34.05 as a float: every page shows 34,1 %, none 34 % or 34,0 %."""
    assessment = campaign.hospital
    save_answers(assessment=assessment, answers=ANSWERS, expected_version=0, user=world.rssi)
    ScoreSnapshot.objects.filter(assessment=assessment).update(score_global=34.05)
    for page, html in pages(client, world, assessment).items():
        assert "34,1\u00a0%" in html, page
        assert "34,0\u00a0%" not in html and "34\u00a0%" not in html, page


def test_my_assessments_shows_the_score_with_one_decimal(client, world, campaign):
    assessment = campaign.hospital
    save_answers(assessment=assessment, answers=ANSWERS, expected_version=0, user=world.rssi)
    score = Assessment.objects.get(pk=assessment.pk).snapshot.score_global
    client.force_login(world.rssi)
    (row,) = rows(client.get("/assessments/mine/").content.decode())
    assert format_score(score) in row

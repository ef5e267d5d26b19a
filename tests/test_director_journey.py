"""The director reads on screen what the PDF says before validating; « Remplir » only to whoever
may write some answers now, « Consulter » to anyone else, on every page that links an assessment."""

import html

import pytest

from assessments import workflow
from assessments.answers import save_answers
from reports.content import build_report
from tests.answers import fill

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def submitted(world, campaign):
    fill(campaign.hospital, world.rssi)
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-COMITE": "no"},
        expected_version=campaign.hospital.version,
        user=world.rssi,
    )
    workflow.submit(assessment=campaign.hospital, user=world.rssi)
    campaign.hospital.refresh_from_db()
    return campaign.hospital


def test_the_director_reads_the_report_on_screen_before_validating(client, world, submitted):
    client.force_login(world.director)
    status = text(client.get(f"/assessments/{submitted.pk}/status/"))
    link = f"/assessments/{submitted.pk}/report/"
    assert f'href="{link}"' in status.split('id="validate-title"')[1]
    page = text(client.get(link))
    report = build_report(submitted)
    assert report.gaps, "the fixture has at least one gap"
    assert "Synthèse" in page
    for gap in report.gaps:
        assert gap.code in page and gap.label in page and gap.deadline_text in page
    assert f"{len(report.gaps)} écart" in page
    assert "Non applicable et réponses contradictoires" in page
    assert f'href="/assessments/{submitted.pk}/report.pdf"' in page


def test_the_on_screen_report_is_scoped(client, world, submitted):
    client.force_login(world.other_rssi)
    assert client.get(f"/assessments/{submitted.pk}/report/").status_code == 404
    client.force_login(world.ars)
    assert client.get(f"/assessments/{submitted.pk}/report/").status_code == 200


def _label(page: str, assessment) -> str:
    """The label of the action link to the questionnaire (the establishment's name, which
    links there too, aside)."""
    marker = f'href="/assessments/{assessment.pk}/"'
    links = [part.split("</a>")[0] for part in page.split(marker)[1:]]
    action = next(link for link in links if '<span class="fr-sr-only">' in link)
    return action.split("<span")[0].strip(">").strip()


@pytest.mark.parametrize(
    "who, expected", [("rssi", "Remplir"), ("director", "Consulter"), ("ars", "Consulter")]
)
def test_fill_or_read_follows_who_may_write(client, world, campaign, who, expected):
    client.force_login(getattr(world, who))
    page = text(client.get(f"/establishments/{world.hospital.finess}/"))
    assert _label(page, campaign.hospital) == expected
    if who != "ars":
        assert _label(text(client.get("/assessments/mine/")), campaign.hospital) == expected


def test_the_ght_lead_fills_the_support_but_reads_a_member(client, world, campaign):
    client.force_login(world.ght_lead)
    support = text(client.get(f"/establishments/{world.hospital.finess}/"))
    assert _label(support, campaign.hospital) == "Remplir"
    member = text(client.get(f"/establishments/{world.clinic.finess}/"))
    assert _label(member, campaign.clinic) == "Consulter"


def test_nobody_fills_a_submitted_assessment(client, world, submitted):
    client.force_login(world.rssi)
    assert _label(text(client.get("/assessments/mine/")), submitted) == "Consulter"
    assert _label(text(client.get(f"/establishments/{world.hospital.finess}/")), submitted) == (
        "Consulter"
    )

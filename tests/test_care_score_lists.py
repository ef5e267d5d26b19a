"""The CaRE-targets score on every list that shows a score, in the exports and the list API;
version-1 rows leave it empty. Source badges in the answers export."""

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.answers import save_answers
from assessments.scoring.service import compute_result
from care_portal.formats import format_score
from tests.conftest import login
from tests.scoring_v2 import answer_all, v2_assessment, v2_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def v2(world):
    """The hospital's 2026 assessment (version 2), every question answered."""
    assessment = v2_assessment(world.hospital, v2_campaign())
    answer_all(assessment, user=world.rssi)
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "yes", "GOV-CERTIFICATION-HAS": "yes"},
        expected_version=assessment.version,
        user=world.rssi,
    )
    assessment.refresh_from_db()
    result = compute_result(assessment)
    # Two different figures, so that one cannot pass for the other.
    assert result.score_care != result.score_global
    return assessment


def test_my_assessments_show_both_scores_for_version_2_only(client, world, campaign, v2):
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    login(client, world.rssi)
    html = client.get(reverse("assessments:mine")).content.decode()
    snapshot = v2.snapshot
    rows = html.split("<tr>")
    row_2026 = next(row for row in rows if ">2026<" in row or "2026<br>" in row)
    row_2025 = next(row for row in rows if ">2025<" in row or "2025<br>" in row)
    assert f"<strong>{format_score(snapshot.score_care)}</strong> " in row_2026
    assert "cibles CaRE" in row_2026
    assert f"maturité {format_score(snapshot.score_global)}" in row_2026
    assert "cibles CaRE" not in row_2025
    assert format_score(campaign.hospital.snapshot.score_global) in row_2025


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_the_dashboard_list_and_its_exports_carry_the_care_targets_score(client, world, v2):
    login(client, world.ars)
    snapshot = v2.snapshot
    page = client.get(reverse("dashboards:region", args=["84"]), {"q": world.hospital.finess})
    row = page.context["page_obj"][0]
    assert row["score_care"] == pytest.approx(snapshot.score_care)
    assert row["score"] == pytest.approx(snapshot.score_global)
    assert "Score cibles CaRE" in page.text and "Score de maturité" in page.text
    assert format_score(snapshot.score_care) in page.text

    export = reverse("dashboards:region_export", args=["84"])
    rows = read_csv(client.get(export, {"format": "csv"}))
    by_finess = {row["FINESS ET"]: row for row in rows}
    header = list(rows[0])
    assert header.index("Score cibles CaRE") == header.index("Score global") + 1
    assert by_finess[world.hospital.finess]["Score cibles CaRE"] == (
        f"{snapshot.score_care:.1f}".replace(".", ",")
    )
    # A site with no version-2 assessment: the column is empty.
    assert by_finess[world.clinic.finess]["Score cibles CaRE"] == ""

    sheet = load_workbook(
        io.BytesIO(client.get(export, {"format": "xlsx"}).getvalue()), read_only=True
    ).active
    lines = list(sheet.iter_rows(values_only=True))
    column = lines[0].index("Score cibles CaRE")
    hospital = next(line for line in lines[1:] if line[0] == world.hospital.finess)
    assert hospital[column] == pytest.approx(snapshot.score_care, abs=0.05)


def test_the_ght_page_list_shows_it_too(client, world, v2):
    login(client, world.ght_lead)
    page = client.get(reverse("dashboards:ght", args=[world.ght.code]))
    row = next(r for r in page.context["page_obj"] if r["finess"] == world.hospital.finess)
    assert row["score_care"] == pytest.approx(v2.snapshot.score_care)
    assert "Score cibles CaRE" in page.text


def test_the_list_api_gives_scores_care_where_the_detail_has_it(client, world, campaign, v2):
    login(client, world.rssi)
    listed = {
        (item["year"], item["establishment"]): item
        for item in client.get("/api/assessments/").json()["results"]
    }
    item_2026 = listed[(2026, world.hospital.finess)]
    detail = client.get(f"/api/assessments/{v2.pk}/").json()
    assert item_2026["scores"]["care"] == pytest.approx(detail["scores"]["care"])
    assert item_2026["scores"]["global"] == pytest.approx(detail["scores"]["global"])
    item_2025 = listed[(2025, world.hospital.finess)]
    assert "care" not in item_2025["scores"]
    assert "care" not in client.get(f"/api/assessments/{campaign.hospital.pk}/").json()["scores"]


def test_the_answers_export_gives_each_answers_source_and_never_the_ars_item(client, world, v2):
    login(client, world.ars)
    client.post(f"/assessments/{v2.pk}/ars/", {"version": v2.version, "GOV-CPOM": "true"})
    login(client, world.rssi)
    response = client.get(reverse("assessments:export", args=[v2.pk]))
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert data["sources"]["GOV-RSSI"] == "Cible CaRE 2-1"
    assert data["sources"]["GOV-CERTIFICATION-HAS"] == "Recommandation du portail"
    assert set(data["sources"]) == set(data["answers"])
    assert "GOV-CPOM" not in data["answers"]


def test_a_version_1_answers_export_has_no_sources(client, world, campaign):
    login(client, world.rssi)
    response = client.get(reverse("assessments:export", args=[campaign.hospital.pk]))
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert "sources" not in data

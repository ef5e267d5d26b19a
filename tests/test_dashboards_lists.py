"""The dashboards' establishment list and its exports: filters, order, pages, CSV and XLSX."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.dashboards_data import build_campaign


@pytest.fixture
def campaign_data(world):
    return build_campaign(world, extra=60)


def region_records(records):
    return [r for r in records if r.establishment.region_id == "84"]


def shown_finess(response) -> list[str]:
    return [row["finess"] for row in response.context["page_obj"]]


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def read_xlsx(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    # Empty trailing cells are not stored: pad each row to the header's length.
    return [
        dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in rows[1:]
    ]


FILTER_CASES = [
    ({"kind": "ESSMS"}, lambda r: r.kind == "ESSMS"),
    ({"department": "01"}, lambda r: r.establishment.department_id == "01"),
    ({"ght": "GHT-RHONE"}, lambda r: r.establishment.ght_id is not None),
    ({"ght": "-"}, lambda r: r.establishment.ght_id is None),
    ({"status": "not_started"}, lambda r: r.progress == "not_started"),
    ({"status": "draft"}, lambda r: r.progress == "draft"),
    ({"status": "validated"}, lambda r: r.progress == "validated"),
    ({"hl_rssi": "met"}, lambda r: r.flags.get("rssi") is True),
    ({"hl_rssi": "not_met"}, lambda r: r.flags.get("rssi") is False),
    ({"hl_budget": "unknown"}, lambda r: r.kind == "ES" and r.flags.get("budget") is None),
    ({"hl_submitted": "met"}, lambda r: r.status in ("submitted", "validated")),
    (
        {"score_min": "10", "score_max": "50"},
        lambda r: r.score is not None and 10 <= r.score <= 50,
    ),
    (
        {"kind": "ES", "hl_exercise": "not_met", "status": "submitted"},
        lambda r: r.kind == "ES" and r.flags.get("exercise") is False and r.status == "submitted",
    ),
]


@pytest.mark.parametrize(("params", "keep"), FILTER_CASES)
def test_filters_list_and_export_exactly_the_matching_rows(
    client, world, campaign_data, params, keep
):
    _campaign, records = campaign_data
    want = sorted(r.establishment.finess for r in region_records(records) if keep(r))
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]), params)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == len(want)
    export_url = reverse("dashboards:region_export", args=["84"])
    rows = read_csv(client.get(export_url, {**params, "format": "csv"}))
    assert sorted(row["FINESS ET"] for row in rows) == want
    rows = read_xlsx(client.get(export_url, {**params, "format": "xlsx"}))
    assert sorted(row["FINESS ET"] for row in rows) == want


def test_text_search(client, world, campaign_data):
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=["84"])
    assert shown_finess(client.get(url, {"q": "tilleuls"})) == [world.nursing_home.finess]
    assert shown_finess(client.get(url, {"q": world.clinic.finess})) == [world.clinic.finess]


def test_list_is_sorted_and_paginated(client, world, campaign_data):
    _campaign, records = campaign_data
    mine = region_records(records)
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=["84"])
    by_name = sorted(mine, key=lambda r: (r.establishment.name, r.establishment.finess))
    first = client.get(url)
    assert shown_finess(first) == [r.establishment.finess for r in by_name[:50]]
    second = client.get(url, {"page": "2"})
    assert shown_finess(second) == [r.establishment.finess for r in by_name[50:100]]
    assert 'aria-sort="ascending"' in first.text
    # Score, highest first; the establishments without a score come last.
    scored = [r for r in mine if r.progress != "not_started" and r.score is not None]
    response = client.get(url, {"sort": "-score", "status": "submitted"})
    scores = [row["score"] for row in response.context["page_obj"]]
    assert scores == sorted(scores, reverse=True)
    assert 'aria-sort="descending"' in response.text
    response = client.get(url, {"sort": "score"})
    shown = [row["score"] for row in response.context["page_obj"]]
    assert shown[: len(mine) - len(scored)] == [None] * min(50, len(mine) - len(scored))
    # An unknown sort key falls back to the name (one dash at most reverses a known one).
    for unknown in ("password", "--score", "-"):
        assert shown_finess(client.get(url, {"sort": unknown}))[:3] == [
            r.establishment.finess for r in by_name[:3]
        ]


def test_rows_link_to_the_assessment_and_its_report(client, world, campaign_data):
    _campaign, records = campaign_data
    assessment = records[0].assessment  # the hospital's
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]), {"q": world.hospital.finess})
    assert f'href="/assessments/{assessment.pk}/"' in response.text
    assert f'href="/assessments/{assessment.pk}/report.pdf"' in response.text
    rows = read_csv(
        client.get(
            reverse("dashboards:region_export", args=["84"]),
            {"format": "csv", "q": world.hospital.finess},
        )
    )
    assert rows[0]["Auto-évaluation"].endswith(f"/assessments/{assessment.pk}/")
    assert rows[0]["Rapport PDF"].endswith(f"/assessments/{assessment.pk}/report.pdf")
    assert rows[0]["RSSI nommé"] == "Oui"
    assert rows[0]["Budget numérique ≥ 2 %"] == "Non"
    assert rows[0]["Avancement"] == "Transmise"


def test_export_holds_the_figures_of_each_row(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.ars)
    rows = read_xlsx(
        client.get(reverse("dashboards:region_export", args=["84"]), {"format": "xlsx"})
    )
    by_finess = {row["FINESS ET"]: row for row in rows}
    for record in region_records(records):
        row = by_finess[record.establishment.finess]
        assert row["Établissement"] == record.establishment.name
        assert row["Type"] == record.kind
        assert row["Région"] == "Auvergne-Rhône-Alpes"
        if record.progress == "not_started":
            assert row["Score global"] is None
        else:
            assert row["Score global"] == pytest.approx(record.score, abs=0.05)
        if record.kind == "ESSMS":
            assert row["Budget numérique ≥ 2 %"] == "Non concerné"


def test_national_and_ght_exports_name_each_establishments_region(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.national)
    rows = read_csv(client.get(reverse("dashboards:national_export"), {"format": "csv"}))
    regions = {row["FINESS ET"]: row["Région"] for row in rows}
    for record in records:
        expected = record.establishment.region.name
        assert regions[record.establishment.finess] == expected
    assert {"Auvergne-Rhône-Alpes", "Île-de-France"} <= set(regions.values())
    ght = world.hospital.ght
    rows = read_csv(
        client.get(reverse("dashboards:ght_export", args=[ght.code]), {"format": "csv"})
    )
    assert rows and {row["Région"] for row in rows} == {ght.region.name}


def test_breakdown_exports(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.national)
    url = reverse("dashboards:national_export")
    rows = read_csv(client.get(url, {"format": "csv", "list": "regions"}))
    assert len(rows) == 18
    totals = {row["Région"]: int(row["Établissements"]) for row in rows}
    assert totals["Auvergne-Rhône-Alpes"] == len(region_records(records))
    assert totals["Île-de-France"] == 1
    rows = read_xlsx(client.get(url, {"format": "xlsx", "list": "kinds"}))
    assert {row["Type"]: row["Établissements"] for row in rows} == {
        f"{kind} — {label}": sum(1 for r in records if r.kind == kind)
        for kind, label in [
            ("ES", "Établissement de santé"),
            ("ESSMS", "Établissement social et médico-social"),
        ]
        if any(r.kind == kind for r in records)
    }


def test_exports_are_scoped_like_the_pages(client, world, campaign_data):
    client.force_login(world.ght_lead)
    rows = read_csv(
        client.get(reverse("dashboards:ght_export", args=["GHT-RHONE"]), {"format": "csv"})
    )
    assert {row["GHT"] for row in rows} == {"GHT-RHONE"}
    assert world.other_hospital.finess not in {row["FINESS ET"] for row in rows}


def test_bad_input_gets_a_clear_french_message(client, world, campaign_data):
    client.force_login(world.ars)
    page = reverse("dashboards:region", args=["84"])
    export = reverse("dashboards:region_export", args=["84"])
    response = client.get(page, {"score_min": "80", "score_max": "20"})
    assert response.status_code == 200
    assert "Le score maximum (20) doit être supérieur ou égal au minimum (80)." in response.text
    response = client.get(page, {"score_min": "abc"})
    assert "Saisissez un nombre entier." in response.text
    response = client.get(export, {"format": "csv", "score_min": "150"})
    assert response.status_code == 400
    assert "rien n’a été exporté" in response.content.decode()
    response = client.get(export, {"format": "pdf"})
    assert response.status_code == 400
    assert "choisissez csv ou xlsx" in response.content.decode()
    response = client.get(export, {"format": "csv", "list": "secrets"})
    assert response.status_code == 400


def test_csv_cells_cannot_run_as_formulas(client, world, campaign_data):
    world.clinic.name = '=HYPERLINK("http://example.com")'
    world.clinic.save()
    client.force_login(world.ars)
    rows = read_csv(
        client.get(
            reverse("dashboards:region_export", args=["84"]),
            {"format": "csv", "q": world.clinic.finess},
        )
    )
    assert rows[0]["Établissement"].startswith("'=")


def test_each_filter_keeps_what_was_typed_and_names_its_own_error(client, world, campaign_data):
    """A wrong filter is marked in error, its message tied to it for screen readers; what was
    typed comes back escaped, and a valid choice stays selected."""
    client.force_login(world.ars)
    page = reverse("dashboards:region", args=["84"])
    response = client.get(
        page, {"q": '<b>"Villefranche', "score_min": "abc", "department": "zz", "kind": "ES"}
    )
    html = response.text
    assert 'value="&lt;b&gt;&quot;Villefranche"' in html
    assert '<b>"Villefranche' not in html
    assert (
        '<input class="fr-input fr-input--error" id="id_score_min" name="score_min" value="abc"'
        ' type="number" min="0" max="100" inputmode="numeric" aria-describedby="id_score_min-errors">'
    ) in html
    assert (
        '<p id="id_score_min-errors" class="fr-error-text">Saisissez un nombre entier.</p>' in html
    )
    assert (
        '<select class="fr-select fr-select--error" id="id_department" name="department"'
        ' aria-describedby="id_department-errors">'
    ) in html
    assert 'id="id_department-errors" class="fr-error-text">Sélectionnez un choix valide.' in html
    assert '<option value="ES" selected>' in html
    assert 'id="id_score_max" name="score_max" value="" type="number"' in html
    assert 'aria-describedby="id_score_max-errors"' not in html


def test_every_column_header_sorts_the_list_by_it(client, world, campaign_data):
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=["84"])
    page = client.get(url, {"sort": "-score_care"}).text
    headers = re.findall(
        r'<th scope="col" aria-sort="(\w+)"><a class="care-sort" href="([^"]+)"', page
    )
    links = {href.split("sort=")[1].split("#")[0]: state for state, href in headers}
    # Each header links to its own order; the one in force to the reverse order.
    assert links == {
        "name": "none",
        "finess": "none",
        "kind": "none",
        "department": "none",
        "ght": "none",
        "status": "none",
        "score_care": "descending",
        "score": "none",
    }
    assert '<span aria-hidden="true">▼</span>' in page
    response = client.get(url, {"sort": "score_care"})
    shown = [row["score_care"] for row in response.context["page_obj"]]
    assert shown == sorted(shown, key=lambda v: (v is not None, v or 0))

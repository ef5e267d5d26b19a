"""The dashboards' tile maps, the chart legends' colours, and the order of a dashboard page."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from care_portal.charts import MAP_SCALE, TONES, Bar, Tile, bar_chart, map_class, tile_map
from dashboards.targets import TONE_LABELS
from establishments.geography import DEPARTMENTS, REGIONS
from establishments.map_grid import REGION_CELLS, REGION_SHORT_NAMES, department_cells
from tests.dashboards_data import build_campaign, expected

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def texts(root: ET.Element) -> list[str]:
    return [node.text for node in root.iter(f"{SVG}text")]


@pytest.fixture
def campaign_data(world):
    return build_campaign(world, extra=30)


def test_every_region_has_its_own_cell_and_short_name():
    codes = {region.code for region in REGIONS}
    assert set(REGION_CELLS) == codes == set(REGION_SHORT_NAMES)
    assert len(set(REGION_CELLS.values())) == len(codes)


@pytest.mark.parametrize("region", sorted({r.code for r in REGIONS}))
def test_a_regions_departments_take_distinct_cells(region):
    codes = [d.code for d in DEPARTMENTS if d.region_code == region]
    cells = department_cells(codes)
    assert set(cells) == set(codes)
    assert len(set(cells.values())) == len(codes)
    # Compact: no empty column or row between tiles.
    assert {c for c, _r in cells.values()} == set(range(max(c for c, _r in cells.values()) + 1))
    assert {r for _c, r in cells.values()} == set(range(max(r for _c, r in cells.values()) + 1))


def test_department_cells_keep_neighbours_in_place():
    cells = department_cells([d.code for d in DEPARTMENTS if d.region_code == "84"])
    # Allier (03) is north of Cantal (15); Savoie (73) east of Rhône (69).
    assert cells["03"][1] < cells["15"][1]
    assert cells["73"][0] > cells["69"][0]


@given(st.one_of(st.none(), st.floats(min_value=-10, max_value=200, allow_nan=False)))
def test_map_class_is_a_step_of_the_scale(value):
    step = map_class(value)
    if value is None:
        assert step is None
    else:
        assert 0 <= step < len(MAP_SCALE)
        clamped = min(max(value, 0), 100)
        assert step == min(4, int(clamped // 20))


def test_tile_map_writes_each_value_and_colours_it_from_the_scale():
    tiles = [
        Tile("Bretagne", "BRE", 0, 0, 10.0),
        Tile("Normandie", "NOR", 1, 0, 95.0),
        Tile("Corse", "COR", 1, 1, None),
    ]
    svg = tile_map(tiles, title="Part qui atteint la cible")
    root = parse(svg)
    shown = texts(root)
    for short in ("BRE", "NOR", "COR"):
        assert short in shown
    assert "10\u00a0%" in shown and "95\u00a0%" in shown and "—" in shown
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("stroke-width") == "1"]
    assert fills == [MAP_SCALE[0], MAP_SCALE[4], "#ffffff"]
    # The legend gives every step of the scale, as text, with a sample of its colour.
    legend = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("stroke-width") != "1"]
    assert legend == [*MAP_SCALE, "#ffffff"]
    assert "0 à 20\u00a0%" in shown and "80 à 100\u00a0%" in shown and "sans valeur" in shown
    desc = next(root.iter(f"{SVG}desc")).text
    assert "Bretagne : 10\u00a0%" in desc and "Corse : —" in desc


def test_target_chart_legend_has_the_colours_of_its_bars():
    bars = [
        Bar("RSSI nommé", 80, target=70, tone="success"),
        Bar("Budget", 40, target=100, tone="error"),
        Bar("Exercice", 30, target=80, tone="default"),
        Bar("Gouvernance", 55, tone="neutral"),
    ]
    root = parse(bar_chart(bars, title="Cibles", tone_labels=TONE_LABELS))
    bar_fills = {r.get("fill") for r in root.iter(f"{SVG}rect")} - {"#eeeeee"}
    legend_fills = {p.get("fill") for p in root.iter(f"{SVG}path")}
    assert bar_fills == legend_fills == {TONES[b.tone] for b in bars}
    shown = texts(root)
    for label in ("Cible atteinte", "En retard", "En bonne voie", "Sans cible nationale"):
        assert label in shown
    assert "Valeur" not in shown


def test_national_map_of_regions_sorted_by_value_on_request(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.national)
    url = reverse("dashboards:national")
    page = client.get(url, {"compare": "budget"})
    chart = str(page.context["map"].chart)
    root = parse(chart)
    assert "ARA" in texts(root) and "IDF" in texts(root)
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("stroke-width") == "1"]) == 18
    labels = [row.label for row in page.context["map"].rows]
    assert labels == sorted(labels)

    met, population = expected([r for r in records if r.establishment.region_id == "84"])[
        "targets"
    ]["budget"]
    by_value = client.get(url, {"compare": "budget", "order": "value"})
    rows = by_value.context["map"].rows
    assert rows[0].label == "Auvergne-Rhône-Alpes"
    assert rows[0].share == pytest.approx(100 * met / population)
    shares = [row.share for row in rows if row.share is not None]
    assert shares == sorted(shares, reverse=True)
    assert '<option value="value" selected>' in by_value.text
    assert "par valeur décroissante" in by_value.text


def test_regional_map_of_departments(client, world, campaign_data):
    client.force_login(world.ars)
    page = client.get(reverse("dashboards:region", args=["84"]))
    root = parse(str(page.context["map"].chart))
    assert {"69", "01"} <= set(texts(root))
    assert "Carte des départements" in page.text
    assert [row.label for row in page.context["map"].rows] == ["01 — Ain", "69 — Rhône"]


def test_dashboard_leads_with_targets_then_the_list_and_folds_breakdowns(
    client, world, campaign_data
):
    client.force_login(world.ars)
    text = client.get(reverse("dashboards:region", args=["84"])).text
    order = [
        text.index(marker)
        for marker in (
            'id="targets-title"',
            'id="map-title"',
            'id="establishments-title"',
            'id="breakdowns-title"',
        )
    ]
    assert order == sorted(order)
    folded = re.findall(r'aria-expanded="(\w+)" aria-controls="breakdown-(\w+)"', text)
    assert [name for _state, name in folded] == ["departments", "ghts", "kinds", "legal_statuses"]
    assert {state for state, _name in folded} == {"false"}


def test_establishment_names_link_to_their_assessment(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.ars)
    text = client.get(reverse("dashboards:region", args=["84"]), {"sort": "name"}).text
    with_assessment = next(r for r in records if r.assessment and r.establishment.region_id == "84")
    without = next((r for r in records if not r.assessment), None)
    assessment_url = reverse("assessments:form", args=[with_assessment.assessment.pk])
    assert f'<th scope="row"><a href="{assessment_url}">' in text
    if without is not None and without.establishment.region_id == "84":
        detail = reverse("establishments:detail", args=[without.establishment.finess])
        assert f'<th scope="row"><a href="{detail}">' in text

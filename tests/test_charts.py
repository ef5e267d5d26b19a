"""The server-side SVG charts: well-formed, accessible, holding every value, escaping labels."""

import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from care_portal.charts import (
    Bar,
    bar_chart,
    format_number,
    histogram,
    stacked_bar,
    stacked_bars,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [node.text for node in root.iter(f"{SVG}text")]


def accessible_name(root: ET.Element) -> tuple[str, str]:
    """The title and description the `aria-labelledby` attribute points at."""
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    by_id = {node.get("id"): node.text for node in root.iter() if node.get("id")}
    return by_id[title_id], by_id[desc_id]


def test_bar_chart_holds_title_values_and_targets():
    svg = bar_chart(
        [
            Bar("RSSI nommé", 62.5, target=70),
            Bar("Budget numérique ≥ 2 %", 100, target=100, tone="success"),
            Bar("Domaine 1", None),
        ],
        title="Cibles phares",
        description="Part des établissements.",
    )
    assert isinstance(svg, SafeString)
    root = parse(svg)
    title, desc = accessible_name(root)
    assert title == "Cibles phares"
    assert "RSSI nommé : 62,5\u00a0% (cible 70\u00a0%)" in desc
    assert "Domaine 1 : —" in desc
    assert desc.startswith("Part des établissements.")
    shown = texts(root)
    assert "62,5\u00a0%" in shown
    assert "100\u00a0%" in shown
    assert "Cible nationale" in shown
    # One track per bar, a filled bar for each bar with a positive value, one marker per target.
    rects = list(root.iter(f"{SVG}rect"))
    assert sum(1 for r in rects if r.get("fill") == "#18753c") == 1
    markers = [line for line in root.iter(f"{SVG}line") if line.get("stroke-width") == "3"]
    assert len(markers) == 1 + 2  # the legend's sample and the two targets


def test_bar_widths_are_proportional():
    root = parse(bar_chart([Bar("a", 25), Bar("b", 50)], title="t", width=600, label_width=200))
    filled = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("fill") == "#000091"]
    assert filled[1] == pytest.approx(2 * filled[0], rel=0.01)


def test_labels_and_title_are_escaped():
    evil = '<script>alert("x")</script> & Cie'
    svg = bar_chart([Bar(evil, 10)], title=evil, description=evil)
    assert "<script>" not in svg
    root = parse(svg)
    title, desc = accessible_name(root)
    assert title == evil
    assert evil in desc
    assert stacked_bar([(evil, 1)], title=evil).count("<script>") == 0
    assert histogram([(evil, 1)], title=evil).count("<script>") == 0


def test_long_labels_wrap_without_losing_text_in_the_description():
    label = "Une exigence dont l'intitulé est très long et ne tient pas sur une seule ligne du tout"
    root = parse(bar_chart([Bar(label, 40)], title="t", width=500))
    lines = [t for t in texts(root) if t and t not in {"40\u00a0%"} and "%" not in t]
    assert len(lines) >= 2
    _title, desc = accessible_name(root)
    assert label in desc


def test_histogram_counts_and_labels():
    buckets = [("0–20", 3), ("20–40", 0), ("40–60", 12), ("60–80", 7), ("80–100", 1)]
    root = parse(histogram(buckets, title="Répartition des scores", x_label="Score global"))
    title, desc = accessible_name(root)
    assert title == "Répartition des scores"
    assert "40–60 : 12" in desc and "20–40 : 0" in desc
    shown = texts(root)
    for label, count in buckets:
        assert label in shown
        assert str(count) in shown
    assert "Score global" in shown
    heights = {
        float(r.get("height")) for r in root.iter(f"{SVG}rect") if r.get("fill") == "#000091"
    }
    assert len(heights) == 4  # the empty bucket draws no bar


def test_histogram_of_nothing_is_still_valid():
    root = parse(histogram([("0–50", 0), ("50–100", 0)], title="Vide"))
    assert accessible_name(root)[0] == "Vide"


def test_stacked_bar_shares_and_legend():
    segments = [("Non commencée", 2), ("Brouillon", 3), ("Transmise", 4), ("Validée", 1)]
    root = parse(stacked_bar(segments, title="Avancement", width=600))
    _title, desc = accessible_name(root)
    assert "Non commencée 2 (20\u00a0%)" in desc
    assert "Transmise 4 (40\u00a0%)" in desc
    shown = texts(root)
    assert "Brouillon : 3 (30\u00a0%)" in shown
    widths = [
        float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("stroke") == "#ffffff"
    ]
    assert widths == pytest.approx([120, 180, 240, 60], abs=0.1)


def test_stacked_bars_one_row_per_label_and_empty_rows():
    root = parse(
        stacked_bars(
            ["A", "B"],
            [("Bretagne", [1, 1]), ("Corse", [0, 0])],
            title="Par région",
        )
    )
    _title, desc = accessible_name(root)
    assert "Bretagne : A 1 (50\u00a0%), B 1 (50\u00a0%)" in desc
    assert "Corse : A 0, B 0" in desc
    assert "Bretagne" in texts(root)


def test_charts_render_unescaped_in_templates_and_ids_are_distinct():
    first = bar_chart([Bar("a", 1)], title="Un")
    second = bar_chart([Bar("a", 2)], title="Un")
    html = Template("{{ first }}{{ second }}").render(Context({"first": first, "second": second}))
    assert html.count("<svg") == 2
    ids = [parse(svg).get("aria-labelledby") for svg in (first, second)]
    assert ids[0] != ids[1]


def test_format_number():
    assert format_number(None) == "—"
    assert format_number(12.345, "%") == "12,3\u00a0%"
    assert format_number(70.0, "%") == "70\u00a0%"
    assert format_number(-0.01) == "0"


def test_weasyprint_renders_the_charts():
    weasyprint = pytest.importorskip("weasyprint")
    html = (
        "<html><body>"
        + bar_chart([Bar("RSSI", 60, target=70)], title="Cibles")
        + histogram([("0–50", 1), ("50–100", 2)], title="Scores")
        + stacked_bar([("Brouillon", 1), ("Transmise", 2)], title="Avancement")
        + "</body></html>"
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")

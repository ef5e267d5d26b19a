"""The PDF gap report of an assessment: what a director downloads, signs and hands to the board.

One code path: :func:`render_report_pdf` gathers the report's content (``reports.content``, from
the scoring services: the same statuses, scores and gaps as the API), renders
``reports/report.html`` with its own print stylesheet and the charts of
``care_portal.charts``, and lets WeasyPrint turn it into a tagged PDF. The download view, the
``render_report`` command and the bulk reports all call it.
"""

from __future__ import annotations

import base64
import functools
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessments.models import Assessment
from care_portal.collection import collector_paused
from care_portal.formats import format_datetime
from reports.content import build_report

# What the report reads of an assessment, fetched with it.
REPORT_RELATED = (
    "establishment__region",
    "establishment__department",
    "establishment__ght",
    "campaign__referential",
    "submitted_by",
    "validated_by",
)
FONT_DIR = "dsfr/dist/fonts"
# The draft watermark: its width across the page (mm) and its colour, light enough to read through.
WATERMARK_WIDTH = 190
WATERMARK_COLOUR = "#f8d9d7"
# The report's stylesheet but for its pages' running texts: the same for every report, parsed
# once per process (and thread) with the fonts it declares (see `report_stylesheet`).
BODY_STYLESHEET = "reports/report_body.css"
# Tagged PDF for screen readers; title, language and author come from the HTML's head.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


# --- rendering --------------------------------------------------------------------------------


def _css_string(text: str) -> SafeString:
    """A CSS string literal (for the page margins' running texts)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return mark_safe(f'"{escaped}"')  # noqa: S308 - quoted and escaped for CSS above


@functools.cache
def _watermark_image(text: str) -> SafeString:
    """A page-sized SVG with the word across it, as a CSS url(). Drawn as the pages' background,
    under the content and outside the PDF's structure tree; its letters are outlines, so text
    extraction and screen readers never see it (the header says the same in words)."""
    drawing = _outlined(text, str(Path(font_directory() or ".") / "Marianne-Bold.woff2"))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        f'viewBox="0 0 210 297"><g fill="{WATERMARK_COLOUR}">{drawing}</g></svg>'
    )
    encoded = base64.b64encode(svg.encode()).decode()
    return mark_safe(f'url("data:image/svg+xml;base64,{encoded}")')  # noqa: S308 - base64


def _outlined(text: str, font_path: str) -> str:
    """SVG paths of `text` set in the font, centred on an A4 page and turned 55° upwards."""
    if not Path(font_path).is_file():
        return (
            '<text x="105" y="160" text-anchor="middle" transform="rotate(-55 105 148.5)" '
            f'font-size="34" font-weight="bold">{escape(text)}</text>'
        )
    font = TTFont(font_path)
    glyphs, cmap, metrics = font.getGlyphSet(), font.getBestCmap(), font["hmtx"]
    paths, x = [], 0
    for char in text:
        name = cmap.get(ord(char), ".notdef")
        pen = SVGPathPen(glyphs)
        glyphs[name].draw(pen)
        if commands := pen.getCommands():
            paths.append(f'<path transform="translate({x} 0)" d="{commands}"/>')
        x += metrics[name][0]
    cap_height = getattr(font["OS/2"], "sCapHeight", 0) or 700
    scale = WATERMARK_WIDTH / x
    return (
        f'<g transform="translate(105 148.5) rotate(-55) scale({scale:.5f} {-scale:.5f}) '
        f'translate({-x / 2:.0f} {-cap_height / 2:.0f})">{"".join(paths)}</g>'
    )


def font_directory() -> str | None:
    """The folder holding the Marianne typeface shipped with the DSFR (None if missing)."""
    found = finders.find(f"{FONT_DIR}/Marianne-Regular.woff2")
    return str(Path(found).parent) if found else None


def render_report_html(assessment: Assessment, *, inline_stylesheet: bool = True) -> str:
    """The report's HTML, print stylesheet included: a self-contained page.

    Without `inline_stylesheet`, only its pages' rules: what :func:`html_to_pdf` renders, the
    report's stylesheet (`report_stylesheet`) applied beneath them.
    """
    with translation.override("fr"):
        report = build_report(assessment)
        fonts = font_directory()
        context = {
            "report": report,
            "font_url": Path(fonts).as_uri() + "/" if fonts else None,
            "running_title": _css_string(report.title),
            "running_status": _css_string(report.status_notice) if report.status_notice else "none",
            "running_footer": _css_string(
                _("Généré le %(date)s · Référentiel %(code)s version %(version)s")
                % {
                    "date": format_datetime(report.generated_at),
                    "code": report.referential.code,
                    "version": report.referential.version,
                }
            ),
            "watermark_image": _watermark_image(report.watermark) if report.watermark else None,
            "inline_stylesheet": inline_stylesheet,
        }
        return render_to_string("reports/report.html", context)


def report_stylesheet_text() -> str:
    """The report's stylesheet without its pages' running texts: fonts and element rules."""
    fonts = font_directory()
    return render_to_string(
        BODY_STYLESHEET, {"font_url": Path(fonts).as_uri() + "/" if fonts else None}
    )


_parsed = threading.local()


def report_stylesheet() -> tuple[CSS, FontConfiguration]:
    """The report's stylesheet parsed by WeasyPrint, with the font configuration holding the
    Marianne faces it declares, decoded once.

    Kept per thread (WeasyPrint's font objects are not shared between threads) and rebuilt
    when the stylesheet's text changes (a new template or font folder). Every report's
    rendering otherwise parses the same 9 KB of CSS and decompresses the same WOFF2 fonts.
    """
    text = report_stylesheet_text()
    cached = getattr(_parsed, "stylesheet", None)
    if cached is None or cached[0] != text:
        fonts = FontConfiguration()
        css = CSS(
            string=text,
            font_config=fonts,
            url_fetcher=LocalFontsOnly(font_directory() or ""),
        )
        cached = _parsed.stylesheet = (text, css, fonts)
    return cached[1], cached[2]


class LocalFontsOnly(URLFetcher):
    """Reads the report's fonts from disk and refuses every other URL: a report never reaches
    the network, whatever its content."""

    def __init__(self, *allowed_dirs: str):
        super().__init__(allowed_protocols=("file", "data"))
        self.allowed_dirs = tuple(str(Path(d).resolve()) + "/" for d in allowed_dirs if d)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file":
            raise ValueError(f"Refused URL in a report: {url}")
        path = str(Path(url2pathname(unquote(parts.path))).resolve())
        if not path.startswith(self.allowed_dirs):
            raise ValueError(f"Refused file in a report: {url}")
        return URLFetcherResponse(url, _read(path))


@functools.cache
def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def header_scopes(_document, pdf: pydyf.PDF) -> None:
    """Give each table header cell of the structure tree its /Scope, which WeasyPrint leaves
    out: /Column for a header of the table's head (``<thead>``), /Row for one heading a row of
    its body (the templates' ``scope="col"`` and ``scope="row"``). Screen readers then tie
    every data cell to its headers (PDF/UA-1 §7.5)."""
    elements = {
        obj.reference: obj
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"
    }
    for element in elements.values():
        if element.get("S") != "/TH":
            continue
        row = elements.get(element.get("P"))
        group = elements.get(row.get("P")) if row is not None else None
        in_head = group is not None and group.get("S") == "/THead"
        attributes = element.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = element["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = "/Column" if in_head else "/Row"


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint's rendering of a report's HTML: tagged PDF/UA-1, local fonts only.

    The HTML carries its pages' rules (``reports/report_page.css``) and its own; the report's
    stylesheet (`report_stylesheet`, parsed once, with its fonts) applies beneath them, as a
    user stylesheet: the HTML's rules win over it. The garbage collector is off while WeasyPrint builds its many short-lived objects (a
    fifth to a third of the rendering's CPU otherwise), and back on afterwards, whatever happens.
    """
    document = HTML(string=html, url_fetcher=LocalFontsOnly(font_directory() or ""))
    stylesheet, fonts = report_stylesheet()
    with collector_paused():
        return document.write_pdf(
            stylesheets=[stylesheet], font_config=fonts, finisher=header_scopes, **PDF_OPTIONS
        )


def report_filename(assessment: Assessment) -> str:
    """rapport-care-2025-010000016.pdf"""
    return f"rapport-care-{assessment.campaign.year}-{assessment.establishment.finess}.pdf"


def render_report_pdf(assessment: Assessment) -> bytes:
    """The PDF gap report of an assessment (tagged PDF/UA-1, French)."""
    return html_to_pdf(render_report_html(assessment, inline_stylesheet=False))

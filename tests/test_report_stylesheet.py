"""The report's stylesheet, parsed once per process: the PDF reads as the self-contained page."""

import re
import threading
from io import BytesIO

import pytest
from django.template.loader import get_template
from pypdf import PdfReader
from weasyprint import HTML

from reports import pdf, stored
from reports.pdf import (
    PDF_OPTIONS,
    LocalFontsOnly,
    font_directory,
    render_report_html,
    render_report_pdf,
    report_stylesheet,
)
from tests import test_report
from tests.test_report import pdf_text

pytestmark = pytest.mark.django_db

# The hospital's partly answered draft of the report's tests.
answered = test_report.answered

# The report's generation time, in its two spellings (the two renderings may straddle a minute).
GENERATED_AT = re.compile(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}|\d{1,2}(er)? \w+ \d{4} à \d{2}:\d{2}")


def pages_text(data: bytes) -> list[str]:
    count = len(PdfReader(BytesIO(data)).pages)
    return [GENERATED_AT.sub("<date>", pdf_text(data, page=n)) for n in range(1, count + 1)]


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(BytesIO(data)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_the_pdf_reads_as_the_self_contained_page_through_weasyprint_alone(answered):
    """Page by page, the same text at the same places and the same fonts: the cover without
    the running title, the running texts, the draft's notice and watermark, every section."""
    page = render_report_html(answered)
    assert ".code { white-space: nowrap; }" in page and "@font-face" in page
    alone = HTML(string=page, url_fetcher=LocalFontsOnly(font_directory())).write_pdf(**PDF_OPTIONS)
    rendered = render_report_pdf(answered)
    assert pages_text(rendered) == pages_text(alone)
    assert font_names(rendered) == font_names(alone) >= {"Marianne", "Marianne-Bold"}
    cover = pdf_text(rendered, page=1)
    assert "Page 1 / " in cover and answered.establishment.name in cover


def test_the_pdf_html_leaves_the_stylesheet_to_the_one_parsed_once(answered):
    html = render_report_html(answered, inline_stylesheet=False)
    assert "@page" in html and "@font-face" not in html and ".code {" not in html


def test_the_stylesheet_and_fonts_are_parsed_once_per_thread(answered):
    stylesheet, fonts = report_stylesheet()
    render_report_pdf(answered)
    render_report_pdf(answered)
    assert report_stylesheet() == (stylesheet, fonts)

    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(report_stylesheet()))
    thread.start()
    thread.join()
    assert elsewhere[0][0] is not stylesheet and elsewhere[0][1] is not fonts


def test_a_changed_stylesheet_is_parsed_again(answered, monkeypatch):
    stylesheet, _ = report_stylesheet()
    text = pdf.report_stylesheet_text()
    monkeypatch.setattr(pdf, "report_stylesheet_text", lambda: text + "\n.answers { color: red; }")
    changed, _ = report_stylesheet()
    assert changed is not stylesheet
    assert report_stylesheet()[0] is changed


def test_the_stored_reports_version_covers_every_template_the_report_includes():
    """A change to any template or stylesheet the report is made of renders it again."""
    included, pending = set(), ["reports/report.html"]
    while pending:
        name = pending.pop()
        included.add(name)
        with open(get_template(name).origin.name, encoding="utf-8") as handle:
            found = re.findall(r'{%\s*include\s+"([^"]+)"', handle.read())
        pending.extend(set(found) - included)
    assert included >= {"reports/report_page.css", "reports/report_body.css"}
    assert included <= set(stored.TEMPLATE_NAMES)

"""No text cell of a CSV or XLSX export can run as a formula in a spreadsheet, whatever it holds."""

import csv
import io
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from care_portal.spreadsheets import safe_text
from dashboards.exports import CSV_PIECE, Column, csv_response, xlsx_response

# What spreadsheets may read as the start of a formula, written out here rather than imported.
FORMULA = "=+-@＝＋－＠"
CONTROLS = "\t\r\n"
# Blanks and invisible characters a spreadsheet may skip before the formula sign.
BLANKS = [" ", "\u00a0", "\u3000", "\t", "\r", "\n", "\x0b", "\u200b", "\ufeff", "\x01"]
# openpyxl cannot store these control characters in XLSX.
NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

dangerous = st.builds(
    lambda blanks, sign, rest: blanks + sign + rest,
    st.text(st.sampled_from(BLANKS), max_size=3),
    st.sampled_from(list(FORMULA + CONTROLS)),
    st.text(max_size=30),
)
cells = st.one_of(dangerous, st.text(max_size=30))
tables = st.lists(st.lists(cells, min_size=1, max_size=3), min_size=1, max_size=5)


def _runs(text: str) -> bool:
    """Whether a spreadsheet could take this cell's content for a formula (no apostrophe)."""
    if text.startswith("'"):
        return False
    visible = text.lstrip("".join(BLANKS) + "\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")
    return bool(text) and (text[0] in CONTROLS or (visible != "" and visible[0] in FORMULA))


def _columns(width: int) -> list[Column]:
    return [Column(f"col{i}", lambda row, i=i: row[i]) for i in range(width)]


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))[1:]


def _xlsx_cells(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    return [list(row) for row in sheet.iter_rows(min_row=2)]


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _padded(table):
    width = max(len(row) for row in table)
    return width, [row + [""] * (width - len(row)) for row in table]


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_csv_cell_runs_and_each_reads_back(table):
    width, rows = _padded(table)
    read = _csv_rows(csv_response(_columns(width), rows, "export"))
    assert len(read) == len(rows)
    for written, back in zip(rows, read, strict=True):
        for value, cell in zip(written, back, strict=True):
            assert not _runs(cell), repr(cell)
            assert cell in (value, "'" + value)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=6000), st.text(min_size=1, max_size=40))
def test_a_large_csv_goes_out_in_pieces_and_reads_back_whole(count, name):
    """Thousands of rows leave in pieces of about CSV_PIECE characters, not one per line."""
    rows = [[f"{name} {n}", str(n)] for n in range(count)]
    response = csv_response(_columns(2), rows, "export")
    pieces = [piece.decode("utf-8") for piece in response.streaming_content]
    text = "".join(pieces)
    assert len(pieces) <= len(text) // CSV_PIECE + 1
    assert all(len(piece) >= CSV_PIECE for piece in pieces[:-1])
    read = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))[1:]
    assert [row[1] for row in read] == [str(n) for n in range(count)]
    assert all(row[0] in (f"{name} {n}", f"'{name} {n}") for n, row in enumerate(read))


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_xlsx_cell_is_a_formula_and_each_reads_back(table):
    width, rows = _padded(table)
    read = _xlsx_cells(xlsx_response(_columns(width), rows, "export", "Liste"))
    assert len(read) == len(rows)
    for written, back in zip(rows, read, strict=True):
        for value, cell in zip(written + [None] * (width - len(back)), back, strict=False):
            assert cell.data_type != "f", repr(cell.value)
            text = cell.value or ""
            assert not _runs(text), repr(text)
            kept = NOT_IN_XLSX.sub("", value or "")
            # XML reads CR LF and a lone CR back as LF.
            assert _lines(text) in (_lines(kept), "'" + _lines(kept))


@pytest.mark.parametrize(
    "value",
    ["-1", "+33 4 72 00 00 00", "@acme", "\t=1+1", "\r=1", "\n=1", "  =1", "＝1+1", "－1"],
)
def test_safe_text_marks_what_could_run(value):
    assert safe_text(value) == "'" + value


@pytest.mark.parametrize("value", ["Centre hospitalier", "1 = 1", "e-mail", "'=déjà", ""])
def test_safe_text_leaves_ordinary_text_alone(value):
    assert safe_text(value) == value


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("prefix", ["=", "\t=", "\r=", "\n=", " =", "＝", "@", "+", "-"])
def test_an_establishment_name_cannot_run_in_an_export(client, world, campaign, fmt, prefix):
    world.clinic.name = f'{prefix}HYPERLINK("http://example.com")'
    world.clinic.save()
    client.force_login(world.ars)
    response = client.get(
        reverse("dashboards:region_export", args=["84"]), {"format": fmt, "q": world.clinic.finess}
    )
    assert response.status_code == 200
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))
        name = rows[0]["Établissement"]
    else:
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        header = [cell.value for cell in sheet[1]]
        cell = sheet.cell(row=2, column=header.index("Établissement") + 1)
        assert cell.data_type == "s"
        name = cell.value.replace("\n", "\r") if prefix == "\r=" else cell.value
    assert name == "'" + world.clinic.name

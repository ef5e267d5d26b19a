"""The streamed XLSX writer of the long lists (care_portal.spreadsheets.write_xlsx) writes what
openpyxl reads back: typed cells, the shared format rules, links as links, in constant memory."""

import io
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from care_portal import spreadsheets
from care_portal.spreadsheets import (
    DATE_FORMAT,
    DATE_TIME_FORMAT,
    SheetColumn,
    write_sheet,
    write_xlsx,
)
from dashboards.exports import Column, xlsx_response


def _written(columns, rows, title="Établissements"):
    buffer = io.BytesIO()
    count = write_xlsx(buffer, title, columns, rows)
    buffer.seek(0)
    return count, load_workbook(buffer)


def test_cells_keep_their_type_and_format():
    columns = [
        SheetColumn("Texte"),
        SheetColumn("Score", None, "0.0"),
        SheetColumn("Montant (€)", 16, '#,##0.00 "€"'),
        SheetColumn("Oui ?"),
        SheetColumn("Clôture"),
        SheetColumn("Modifié"),
        SheetColumn("Vide"),
    ]
    rows = [
        ["  <A & B>  ", 42.25, Decimal("3000.25"), True, date(2026, 3, 31), None, None],
        ["x", 7, Decimal("1E+2"), False, None, datetime(2026, 3, 31, 12, 30, tzinfo=UTC), None],
        ["nombres impossibles", float("nan"), float("inf"), None, None, None, ""],
    ]
    count, workbook = _written(columns, rows)
    sheet = workbook.active
    assert count == 3 and sheet.title == "Établissements"
    assert sheet["A2"].value == "  <A & B>  " and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 42.25 and sheet["B2"].number_format == "0.0"
    assert sheet["B3"].value == 7 and sheet["B3"].data_type == "n"
    assert sheet["C2"].value == pytest.approx(3000.25)
    assert sheet["C2"].number_format == '#,##0.00 "€"'
    assert sheet["C3"].value == 100
    assert sheet["D2"].value is True and sheet["D3"].value is False
    assert sheet["E2"].is_date and sheet["E2"].number_format == DATE_FORMAT
    assert sheet["E2"].value.date() == date(2026, 3, 31)
    # An aware time is shown at the portal's local time (Paris: UTC+2 on 31 March 2026).
    assert sheet["F3"].is_date and sheet["F3"].number_format == DATE_TIME_FORMAT
    assert sheet["F3"].value == datetime(2026, 3, 31, 14, 30)
    # What a cell cannot hold is left empty, not written as a broken number.
    assert sheet["B4"].value is None and sheet["C4"].value is None
    assert sheet["G2"].value is None


def test_the_format_rules_are_those_of_every_export():
    columns = [SheetColumn("Nom"), SheetColumn("Lien", 40), SheetColumn("Un intitulé " * 8)]
    rows = [
        ('=HYPERLINK("http://x")', "https://portail.example/a/1/", "a"),
        ("b", "javascript:alert(1)", "b"),
    ]
    _count, workbook = _written(columns, rows)
    sheet = workbook.active
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet.column_dimensions["A"].width == 10
    assert sheet.column_dimensions["B"].width == 40
    assert sheet.column_dimensions["C"].width == spreadsheets.MAX_WIDTH
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")' and sheet["A2"].data_type == "s"
    assert sheet["A2"].hyperlink is None
    assert sheet["B2"].hyperlink.target == "https://portail.example/a/1/"
    assert sheet["B2"].font.u == "single"
    assert sheet["B3"].hyperlink is None and sheet["B3"].value == "javascript:alert(1)"


def test_an_empty_list_still_has_its_header_and_filter():
    count, workbook = _written([SheetColumn("Nom"), SheetColumn("Score")], [])
    sheet = workbook.active
    assert count == 0 and sheet.max_row == 1
    assert [cell.value for cell in sheet[1]] == ["Nom", "Score"]
    assert sheet.auto_filter.ref == "A1:B1"


def test_links_past_what_a_sheet_can_open_stay_readable_text(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_LINKS", 2)
    long_url = "https://portail.example/" + "a" * spreadsheets.MAX_URL_LENGTH
    rows = [[f"https://portail.example/{i}"] for i in range(3)] + [[long_url]]
    _count, workbook = _written([SheetColumn("Lien")], rows)
    sheet = workbook.active
    assert [sheet.cell(row=r, column=1).hyperlink is not None for r in range(2, 6)] == [
        True,
        True,
        False,
        False,
    ]
    assert sheet["A4"].value == "https://portail.example/2" and sheet["A4"].font.u == "single"
    assert sheet["A5"].value == long_url


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(min_value=-1e300, max_value=1e300),  # Excel holds no larger number
    st.decimals(places=2, min_value=-(10**9), max_value=10**9),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.text(max_size=20),
)


def _cells(workbook, rows: int, width: int) -> list[list]:
    sheet = workbook.active
    values = [
        [sheet.cell(row=r, column=c).value for c in range(1, width + 1)] for r in range(2, rows + 2)
    ]
    return [[None if v == "" else v for v in row] for row in values]


def _kind(value) -> str:
    """What a spreadsheet shows: a whole number is a number, whether stored as 7 or 7.0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(values, min_size=3, max_size=3), min_size=1, max_size=5))
def test_any_row_reads_back_as_through_openpyxl(rows):
    """The same rows through openpyxl's own writer read back the same."""
    columns = [SheetColumn("a"), SheetColumn("b"), SheetColumn("c")]
    _count, streamed = _written(columns, rows)
    book = Workbook(write_only=True)
    write_sheet(book, "Établissements", columns, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    ours = _cells(streamed, len(rows), 3)
    theirs = _cells(load_workbook(buffer), len(rows), 3)
    for mine, reference in zip(ours, theirs, strict=True):
        assert [_kind(v) for v in mine] == [_kind(v) for v in reference]
        for value, expected in zip(mine, reference, strict=True):
            if _kind(value) == "number":
                assert value == pytest.approx(expected, rel=1e-15)
            else:
                assert value == expected


def _peak(count: int) -> int:
    """The peak memory of the dashboards' export of ``count`` rows, read to its end."""
    columns = [
        Column("Nom", lambda i: f"Centre hospitalier {i}"),
        Column("Score", lambda i: i * 1.5, number_format="0.0"),
        Column("Lien", lambda i: f"https://p.example/{i}"),
    ]
    tracemalloc.start()
    try:
        response = xlsx_response(columns, range(count), "export", "Liste")
        assert sum(len(chunk) for chunk in response.streaming_content) > count
        response.file_to_stream.close()  # the temporary file, without the request's signals
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows():
    """Rows and links go to the file as they come: four times the rows, the same peak."""
    small, large = _peak(1_000), _peak(4_000)
    assert large < small * 1.5 + 64 * 1024


def test_line_breaks_read_back_as_written():
    _count, workbook = _written([SheetColumn("Note")], [["ligne 1\r\nligne 2\rfin"]])
    assert workbook.active["A2"].value == "ligne 1\r\nligne 2\rfin"

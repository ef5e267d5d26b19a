"""Text cells of CSV and XLSX exports, written so that a spreadsheet shows them and runs nothing.

A spreadsheet reads a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (and
``=HYPERLINK(…)``, ``=cmd|…`` as a link or a command); some also after leading blanks or
control characters (tab, carriage return, line feed: the OWASP "CSV injection" list), and some,
in East Asian input modes, take the full-width ``＝＋－＠`` for the same. Any such text cell is
written with a leading apostrophe, which spreadsheets read as "this is text": the cell shows its
content, apostrophe included in CSV, and nothing runs. Numbers stay numbers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")  # and their full-width forms
CONTROL_STARTS = frozenset("\t\r\n")


def _first_visible(text: str) -> str:
    """The first character of ``text`` that is neither a blank nor a control/format character."""
    for char in text:
        if not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf")):
            return char
    return ""


def could_run(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula."""
    return bool(text) and (text[0] in CONTROL_STARTS or _first_visible(text) in FORMULA_STARTS)


def safe_text(text: str) -> str:
    """``text`` as a cell a spreadsheet shows literally (an apostrophe before a formula)."""
    return "'" + text if could_run(text) else text


def xlsx_value(value):
    """A value for an XLSX cell: text without the control characters XLSX cannot hold, and safe.

    openpyxl refuses those characters (a server error) and writes text starting with ``=`` as a
    formula; other values go through unchanged.
    """
    if not isinstance(value, str):
        return value
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))


# --- formatted sheets ---------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
LINK_FONT = Font(color="000091", underline="single")
LINK_STARTS = ("https://", "http://")
# Widths (in characters) a column takes from its content: at least its header's, at most this.
MAX_WIDTH = 60
# Dates as dates, shown the French way.
DATE_FORMAT = "dd/mm/yyyy"
DATE_TIME_FORMAT = "dd/mm/yyyy hh:mm"


@dataclass(frozen=True)
class SheetColumn:
    header: str
    width: int | None = None  # None: from the header
    number_format: str | None = None


def write_sheet(workbook: Workbook, title: str, columns: Sequence[SheetColumn], rows: Iterable):
    """One sheet of an export, as every export writes it: a bold header row, frozen and filtered,
    columns sized, typed number formats, web addresses as links; every text cell safe.

    Works on a write-only workbook (the big lists, streamed row by row) as on a normal one."""
    sheet = workbook.create_sheet(title=safe_text(title)[:31])
    for index, column in enumerate(columns, start=1):
        width = column.width or min(MAX_WIDTH, max(10, len(column.header) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=xlsx_value(column.header))
        cell.font = HEADER_FONT
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        cells, links = [], []
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = WriteOnlyCell(sheet, value=xlsx_value(value))
            if isinstance(value, str) and value.startswith(LINK_STARTS):
                cell.font = LINK_FONT
                links.append((index, value))
            if column.number_format and value is not None:
                cell.number_format = column.number_format
            elif isinstance(value, date):
                cell.number_format = (
                    DATE_TIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
                )
            cells.append(cell)
        if workbook.write_only:
            for index, url in links:
                cells[index - 1].hyperlink = url
        sheet.append(cells)
        count += 1
        if not workbook.write_only:
            # A normal sheet places a link once the cell has its coordinate.
            for index, url in links:
                sheet.cell(row=count + 1, column=index).hyperlink = url
    last = get_column_letter(max(1, len(columns)))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    return sheet

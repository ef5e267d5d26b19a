"""Text cells of CSV and XLSX exports, written so that a spreadsheet shows them and runs nothing.

A spreadsheet reads a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (and
``=HYPERLINK(…)``, ``=cmd|…`` as a link or a command); some also after leading blanks or
control characters (tab, carriage return, line feed: the OWASP "CSV injection" list), and some,
in East Asian input modes, take the full-width ``＝＋－＠`` for the same. Any such text cell is
written with a leading apostrophe, which spreadsheets read as "this is text": the cell shows its
content, apostrophe included in CSV, and nothing runs. Numbers stay numbers.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone
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
    if not text:
        return False
    # Most cells (names, codes, figures) start with a letter or digit: visible, no formula sign.
    if text[0].isalnum():
        return False
    return text[0] in CONTROL_STARTS or _first_visible(text) in FORMULA_STARTS


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


# --- the format rules, shared by both writers ----------------------------------------------------


def sheet_title(title: str) -> str:
    """A sheet's name: safe, and no longer than the 31 characters XLSX allows."""
    return safe_text(title)[:31]


def column_width(column: SheetColumn) -> int:
    """A column's width in characters: its own, else its header's (10 to MAX_WIDTH)."""
    return column.width or min(MAX_WIDTH, max(10, len(column.header) + 2))


def is_link(value) -> bool:
    """Only web addresses become links (never ``javascript:`` or ``file:``)."""
    return isinstance(value, str) and value.startswith(LINK_STARTS)


def number_format(column: SheetColumn, value) -> str | None:
    """The cell's number format: the column's for a value, dates and times the French way."""
    if value is None:
        return None
    if column.number_format:
        return column.number_format
    if isinstance(value, datetime):
        return DATE_TIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    return None


def write_sheet(workbook: Workbook, title: str, columns: Sequence[SheetColumn], rows: Iterable):
    """One sheet of an export, as every export writes it: a bold header row, frozen and filtered,
    columns sized, typed number formats, web addresses as links; every text cell safe.

    Works on an openpyxl write-only workbook as on a normal one (the long lists are written by
    `write_xlsx`, with the same rules)."""
    sheet = workbook.create_sheet(title=sheet_title(title))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width(column)
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
            if is_link(value):
                cell.font = LINK_FONT
                links.append((index, value))
            cell_format = number_format(column, value)
            if cell_format:
                cell.number_format = cell_format
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


# --- the long lists, streamed -------------------------------------------------------------------

# Excel opens at most this many links in one sheet, each at most this long; further web
# addresses stay text (styled as links, and still working once copied).
MAX_LINKS = 65_530
MAX_URL_LENGTH = 2_079
# What XML 1.0 cannot hold at all (XLSX's control characters are removed by `xlsx_value`).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_EPOCH = datetime(1899, 12, 30)
_DISTINCT_LABELS = 256
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STATIC_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
}


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attribute(text: str) -> str:
    return _escape(text).replace('"', "&quot;")


def _text_cell(value: str) -> str:
    """The end of a text cell's XML after its reference: the text made safe, then escaped."""
    text = _escape(_NOT_XML.sub("", xlsx_value(value)))
    return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _serial(value: date) -> str:
    """A date or time as Excel's day number (days since 30/12/1899), local time, no zone."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        return repr((value - _EPOCH).total_seconds() / 86400)
    return str((value - _EPOCH.date()).days)


def _number(value: int | float | Decimal) -> str | None:
    """A number as XML writes it; None for what a cell cannot hold (not a number, infinite)."""
    if isinstance(value, int):
        return str(int(value))
    if not math.isfinite(value):
        return None
    return repr(float(value)) if isinstance(value, float) else str(value)


def _styles(number_formats: Sequence[str]) -> str:
    """Style 1 the bold header, 2 a link, 3 on one per number format."""
    formats = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode="{_attribute(code)}"/>'
        for i, code in enumerate(number_formats)
    )
    plain = 'fillId="0" borderId="0" xfId="0"'
    xfs = "".join(
        f'<xf numFmtId="{164 + i}" fontId="0" {plain} applyNumberFormat="1"/>'
        for i in range(len(number_formats))
    )
    font = '<sz val="11"/><name val="Calibri"/>'
    return (
        f'<styleSheet xmlns="{_MAIN}">'
        + (f'<numFmts count="{len(number_formats)}">{formats}</numFmts>' if formats else "")
        + f'<fonts count="3"><font>{font}</font><font><b/>{font}</font>'
        f'<font><u/><color rgb="FF{LINK_FONT.color.rgb[-6:]}"/>{font}</font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        f'<cellXfs count="{3 + len(number_formats)}"><xf numFmtId="0" fontId="0" {plain}/>'
        f'<xf numFmtId="0" fontId="1" {plain} applyFont="1"/>'
        f'<xf numFmtId="0" fontId="2" {plain} applyFont="1"/>{xfs}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def write_xlsx(file: BinaryIO, title: str, columns: Sequence[SheetColumn], rows: Iterable) -> int:
    """A one-sheet XLSX file written into ``file`` as the rows come, formatted as `write_sheet`
    formats (same rules, same safe text): for the long lists, several times faster than openpyxl.

    Each row goes straight into the compressed sheet; only the links wait (at most MAX_LINKS,
    in a temporary file), so memory stays the same whatever the rows. Every cell is typed from
    its value, never guessed from text: text is text (never a formula), numbers and booleans
    are numbers and booleans, dates are dates. Returns the number of rows."""
    number_formats = list(
        dict.fromkeys(
            [c.number_format for c in columns if c.number_format] + [DATE_FORMAT, DATE_TIME_FORMAT]
        )
    )
    style_of = {code: 3 + i for i, code in enumerate(number_formats)}
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)] or ["A"]
    column_styles = [style_of.get(c.number_format or "", 0) for c in columns]
    date_style, time_style = style_of[DATE_FORMAT], style_of[DATE_TIME_FORMAT]
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{column_width(c)}" customWidth="1"/>'
        for i, c in enumerate(columns, start=1)
    )
    name = sheet_title(title)
    count = links = 0
    texts: list[dict[str, str] | None] = [{} for _column in columns]
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as link_refs,
        tempfile.TemporaryFile("w+", encoding="utf-8") as link_targets,
        zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package,
    ):
        for part, xml in _STATIC_PARTS.items():
            package.writestr(part, _HEAD + xml)
        package.writestr("xl/styles.xml", _HEAD + _styles(number_formats))
        package.writestr(
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><bookViews><workbookView/>'
            f'</bookViews><sheets><sheet name="{_attribute(name)}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        with io.TextIOWrapper(
            package.open("xl/worksheets/sheet1.xml", "w"), encoding="utf-8"
        ) as sheet:
            sheet.write(
                f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheetViews>'
                '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                'activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>'
                '<row r="1">'
                + "".join(
                    f'<c r="{letter}1" t="inlineStr" s="1"><is><t xml:space="preserve">'
                    f"{_escape(_NOT_XML.sub('', xlsx_value(c.header)))}</t></is></c>"
                    for letter, c in zip(letters, columns, strict=False)
                )
                + "</row>"
            )
            for count, row in enumerate(rows, start=2):  # noqa: B007 - the count is returned
                cells = []
                for index, (letter, style, value) in enumerate(
                    zip(letters, column_styles, row, strict=True)
                ):
                    if value is None:
                        continue
                    ref = f"{letter}{count}"
                    if isinstance(value, str):
                        if is_link(value):
                            links += 1
                            if links <= MAX_LINKS and len(value) <= MAX_URL_LENGTH:
                                link_refs.write(f'<hyperlink ref="{ref}" r:id="rId{links}"/>')
                                link_targets.write(
                                    f'<Relationship Id="rId{links}" Type="{_RELS}/hyperlink" '
                                    f'Target="{_attribute(_NOT_XML.sub("", value))}" '
                                    'TargetMode="External"/>'
                                )
                            cells.append(f'<c r="{ref}" s="2"{_text_cell(value)}')
                            continue
                        # Lists repeat their labels (kinds, statuses, flags): a column's text
                        # is made safe and escaped once per distinct value, until the column
                        # proves to hold more distinct values than labels (names, numbers).
                        known = texts[index]
                        if known is None:
                            cells.append(f'<c r="{ref}"{_text_cell(value)}')
                            continue
                        body = known.get(value)
                        if body is None:
                            body = known[value] = _text_cell(value)
                            if len(known) > _DISTINCT_LABELS:
                                texts[index] = None
                        cells.append(f'<c r="{ref}"{body}')
                    elif isinstance(value, bool):
                        cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
                    elif isinstance(value, int | float | Decimal):
                        number = _number(value)
                        if number is None:
                            continue
                        mark = f' s="{style}"' if style else ""
                        cells.append(f'<c r="{ref}"{mark}><v>{number}</v></c>')
                    elif isinstance(value, date):
                        moment = time_style if isinstance(value, datetime) else date_style
                        style_id = style or moment
                        cells.append(f'<c r="{ref}" s="{style_id}"><v>{_serial(value)}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}"{_text_cell(str(value))}')
                sheet.write(f'<row r="{count}">{"".join(cells)}</row>')
            count = max(1, count)
            sheet.write(f'</sheetData><autoFilter ref="A1:{letters[-1]}{count}"/>')
            if links:
                sheet.write("<hyperlinks>")
                link_refs.seek(0)
                shutil.copyfileobj(link_refs, sheet)
                sheet.write("</hyperlinks>")
            sheet.write("</worksheet>")
        if links:
            with io.TextIOWrapper(
                package.open("xl/worksheets/_rels/sheet1.xml.rels", "w"), encoding="utf-8"
            ) as rels:
                rels.write(f'{_HEAD}<Relationships xmlns="{_PACKAGE_RELS}">')
                link_targets.seek(0)
                shutil.copyfileobj(link_targets, rels)
                rels.write("</Relationships>")
    return count - 1

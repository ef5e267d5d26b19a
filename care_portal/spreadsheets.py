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

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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

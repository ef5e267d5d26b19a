"""How numbers, scores, percentages, amounts and dates read in French, on every medium.

One set of functions for the pages, the PDF report, the charts, the exports and the e-mails
(the template filters of ``care_portal.template_formats`` call them):

- decimal comma, a narrow no-break space (U+202F) between thousands, a no-break space before
  the unit, the minus sign U+2212, "—" for no value (never 0);
- rounding half away from zero on the number as written (34.05 → "34,1"), the same on every
  page: a float is read through its shortest decimal form, not its binary expansion;
- a score always shows one decimal (``docs/scoring.md``): "34,0 %".

Imports no app of the project, so that every app may use it.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils import formats, timezone

EMPTY = "—"
NBSP = "\u00a0"  # between a figure and its unit
THOUSANDS = "\u202f"  # narrow no-break space, between groups of three digits
DECIMAL = ","
MINUS = "\u2212"
SHORT_DATE = "d/m/Y"
LONG_DATE = "j F Y"
# A score is shown with this many decimals, whatever the page.
SCORE_DECIMALS = 1


def rounded(value: float | int | Decimal | None, decimals: int = 1) -> Decimal | None:
    """The value rounded half away from zero to `decimals` places, as it is displayed; None
    when there is no value (None, NaN, infinity)."""
    if value is None or isinstance(value, bool):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return None
    with localcontext() as context:
        # Enough digits for any magnitude: quantize never runs out of precision.
        context.prec = max(28, number.adjusted() + decimals + 3)
        result = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return result if result else abs(result)  # no "−0"


def _grouped(digits: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return THOUSANDS.join(groups)


def _rounded_parts(value: int | float, decimals: int) -> tuple[bool, str, str] | None:
    """(negative, integer digits, `decimals` fraction digits) of `value` rounded half away
    from zero on its shortest decimal form, as :func:`rounded` does; None for NaN or infinity."""
    written = repr(value)
    if type(value) is float:
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if "e" in written or "E" in written:  # very large or small: the general way
            number = rounded(value, decimals)
            integer, _, fraction = f"{abs(number):f}".partition(".")
            return number < 0, integer, fraction
    negative = written.startswith("-")
    integer, _, fraction = written.lstrip("-").partition(".")
    kept = int(integer + fraction[:decimals].ljust(decimals, "0"))
    if len(fraction) > decimals and fraction[decimals] >= "5":
        kept += 1
    digits = str(kept).rjust(decimals + 1, "0")
    if decimals:
        integer, fraction = digits[:-decimals], digits[-decimals:]
    else:
        integer, fraction = digits, ""
    return negative and kept != 0, integer, fraction


# Figures already written, by (type, value, unit, decimals, fixed): a dashboard writes the same
# counts and shares many times over (a national page, thousands of cells). Bounded: emptied
# when full.
_WRITTEN: dict[tuple, str] = {}
_WRITTEN_MAX = 20_000


def format_number(
    value: float | int | Decimal | None, unit: str = "", *, decimals: int = 1, fixed: bool = False
) -> str:
    """A figure in French: "1 250 000", "12,3", "−4,5 pts"; at most `decimals` decimals
    (trailing zeros dropped) or exactly that many with `fixed`; "—" for no value."""
    kind = type(value)
    if kind is int or kind is float:
        key = (kind, value, unit, decimals, fixed)
        text = _WRITTEN.get(key)
        if text is None:
            text = _format_number(value, unit, decimals, fixed)
            if len(_WRITTEN) >= _WRITTEN_MAX:
                _WRITTEN.clear()
            _WRITTEN[key] = text
        return text
    return _format_number(value, unit, decimals, fixed)


def _format_number(value, unit: str, decimals: int, fixed: bool) -> str:
    if decimals >= 0 and type(value) in (int, float):
        # The dashboards write thousands of counts and shares: round their shortest decimal
        # form as written, without going through Decimal (the same digits).
        parts = _rounded_parts(value, decimals)
        if parts is None:
            return EMPTY
        negative, integer, fraction = parts
    else:
        number = rounded(value, decimals)
        if number is None:
            return EMPTY
        negative = number < 0
        integer, _, fraction = f"{abs(number):f}".partition(".")
    if not fixed:
        fraction = fraction.rstrip("0")
    text = (MINUS if negative else "") + _grouped(integer)
    if fraction:
        text += DECIMAL + fraction
    return f"{text}{NBSP}{unit}" if unit else text


MEGABYTE = 1024 * 1024


def format_file_size(size: int | None) -> str:
    """A file size, always in Mo (one decimal at most): "2,4 Mo", "10 Mo"; "moins de 0,1 Mo" for a
    small file; "—" when unknown."""
    if size is None:
        return EMPTY
    if 0 < size < MEGABYTE / 10:
        return f"moins de {format_number(0.1, 'Mo')}"
    return format_number(size / MEGABYTE, "Mo")


def format_count(value: int | None, singular: str, plural: str) -> str:
    """A count and its noun, agreed in French (0 and 1 take the singular): "1 réponse",
    "19 réponses", "1 250 établissements"; "—" when there is no count."""
    if value is None or isinstance(value, bool):
        return EMPTY
    noun = singular if abs(value) <= 1 else plural
    return f"{format_number(value, decimals=0)} {noun}"


def format_score(value: float | None) -> str:
    """A score out of 100, always with one decimal: "34,0 %"; "—" when there is none."""
    return format_number(value, "%", decimals=SCORE_DECIMALS, fixed=True)


def format_percent(value: float | None, decimals: int = 1) -> str:
    """A share or a threshold (not a score): "62,5 %", "70 %"; "—" when there is none."""
    return format_number(value, "%", decimals=decimals)


def format_decimal(value: float | int | Decimal | None, decimals: int = 2) -> str:
    """A typed figure written back: a whole number without decimals, any other with exactly
    `decimals` ("1 250 000", "92,50"), so that it reads as entered."""
    number = rounded(value, decimals)
    if number is None:
        return EMPTY
    whole = number == number.to_integral_value()
    return format_number(number, decimals=0 if whole else decimals, fixed=True)


def format_amount(value: float | int | Decimal | None, *, euro: bool = True) -> str:
    """An amount in euros: "1 250 000 €", with the cents when there are any ("1 250,50 €")."""
    text = format_decimal(value, 2)
    return f"{text}{NBSP}€" if euro and text != EMPTY else text


def _local(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _long_day(value: dt.date) -> str:
    """ "30 juin 2025"; the first of the month is an ordinal in French: "1er juillet 2025"."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {formats.date_format(value, LONG_DATE.removeprefix('j '))}"


def format_date(value: dt.date | None, *, long: bool = False) -> str:
    """A day: "30/06/2025", or "30 juin 2025" ("1er juillet 2025") with `long`; "—" when
    there is none. An aware date-time is read in the portal's time zone."""
    if value is None:
        return EMPTY
    value = _local(value)
    return _long_day(value) if long else formats.date_format(value, SHORT_DATE)


def format_datetime(value: dt.datetime | None, *, long: bool = False) -> str:
    """A moment: "30/06/2025 à 14:05", or "30 juin 2025 à 14:05" (the first of the month:
    "1er juillet 2025 à 14:05") with `long`."""
    if value is None:
        return EMPTY
    value = _local(value)
    day = _long_day(value) if long else formats.date_format(value, SHORT_DATE)
    return f"{day} à {formats.date_format(value, 'H:i')}"

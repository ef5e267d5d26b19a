"""How numbers are read from what people send: typed text, and the numbers of JSON documents.

One rule for every way in (form fields, the API, the JSON import): a number is written in plain
digits, with an optional sign and decimal part. Scientific notation ("1e6"), NaN and infinities,
more than :data:`MAX_NUMBER_CHARS` characters or more than :data:`MAX_DECIMALS` decimals are
refused with a French message, before any arithmetic is done on them, so that reading a number
takes time bounded by its length.

JSON documents are read by :func:`load_json`: nesting deeper than :data:`MAX_JSON_DEPTH` is
refused before parsing, and a number literal that breaks the rule becomes a
:class:`RefusedNumber`, which every answer rule refuses with the literal's reason, next to the
answer it was given for.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.utils.translation import gettext as _

# Characters of a number once spaces and the unit are removed: "-100000000000,25" is 16.
MAX_NUMBER_CHARS = 24
# Four decimals keep every accepted number written in plain digits when it is exported again.
MAX_DECIMALS = 4
# The documents read here nest three levels; this leaves room without risking deep recursion.
MAX_JSON_DEPTH = 32

_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.([0-9]*))?|\.([0-9]+))")
_EXPONENT = re.compile(r"\d\.?\d*[eE][+-]?\d|^[+-]?\.?\d*[eE]")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_SHOWN_CHARS = 30
_TOO_LARGE = 10**MAX_NUMBER_CHARS


class NumberRefused(ValueError):
    """A number that is not read; ``reason`` says why in French (a clause, no full stop)."""

    def __init__(self, text: str, reason: str):
        super().__init__(reason)
        self.text = text
        self.reason = reason


def shown(text: str) -> str:
    """The text as quoted in a message: long input is cut, never echoed whole."""
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def read_number(text: str) -> int | float:
    """The number written in ``text`` (digits, optional sign, "." before the decimals).

    Whole numbers come back as int, others as float. Raises NumberRefused.
    """
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberRefused(
            text,
            _("un nombre s'écrit en %(max)d caractères au plus") % {"max": MAX_NUMBER_CHARS},
        )
    match = _PLAIN.fullmatch(text)
    if match is None:
        if _EXPONENT.search(text):
            reason = _(
                "la notation scientifique (avec « e ») n'est pas acceptée, "
                "écrivez le nombre en chiffres"
            )
        elif _NOT_FINITE.fullmatch(text):
            reason = _("NaN et l'infini ne sont pas des nombres acceptés")
        else:
            reason = _("écrivez un nombre en chiffres")
        raise NumberRefused(text, reason)
    decimals = match.group(1) or match.group(2) or ""
    if len(decimals) > MAX_DECIMALS:
        raise NumberRefused(
            text,
            _("%(max)d chiffres après la virgule au plus") % {"max": MAX_DECIMALS},
        )
    if not decimals.strip("0"):
        return int(text.split(".")[0] or "0")
    return float(text)


def number_problem(value: Any) -> str | None:
    """Why a value given as a JSON number cannot be taken as one (French clause), or None."""
    if isinstance(value, RefusedNumber):
        return value.reason
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _("ce n'est pas un nombre")
    if isinstance(value, float) and not math.isfinite(value):
        return _("NaN et l'infini ne sont pas des nombres acceptés")
    if abs(value) >= _TOO_LARGE:
        return _("un nombre s'écrit en %(max)d caractères au plus") % {"max": MAX_NUMBER_CHARS}
    return None


def shown_value(value: Any) -> str:
    """A value as quoted in a message, cut when long (and never a huge number written out)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _TOO_LARGE:
        return _("un nombre de plus de %(max)d chiffres") % {"max": MAX_NUMBER_CHARS}
    if isinstance(value, RefusedNumber):
        return value.literal
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        text = type(value).__name__
    return shown(text)


# --- JSON -------------------------------------------------------------------------------------


class RefusedNumber(float):
    """A number literal of a JSON document that breaks the rule: NaN, with the reason kept.

    Being a NaN float, it fails every numeric check (``math.isfinite``); rules quote its reason.
    """

    literal: str
    reason: str

    def __new__(cls, literal: str, reason: str):
        number = super().__new__(cls, "nan")
        number.literal = shown(literal)
        number.reason = reason
        return number

    def __repr__(self) -> str:
        return self.literal

    __str__ = __repr__


class JSONRefused(ValueError):
    """A JSON document that is not read; the message is in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _literal(text: str) -> int | float:
    try:
        return read_number(text)
    except NumberRefused as refused:
        return RefusedNumber(text, refused.reason)


def _constant(name: str) -> RefusedNumber:
    return RefusedNumber(name, _("NaN et l'infini ne sont pas des nombres acceptés"))


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\[\]|\{\}")


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the brackets of a JSON text nest deeper than ``limit``, told without parsing it.

    Each pass removes the innermost pairs (in linear time); brackets left after ``limit`` passes
    that a further pass still reduces nest deeper. Unbalanced brackets are left to the parser.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _pass in range(limit):
        brackets, removed = _EMPTY_PAIR.subn("", brackets)
        if not brackets or not removed:
            return False
    return bool(_EMPTY_PAIR.search(brackets))


def load_json(text: str) -> Any:
    """A JSON document read under the rules above; raises JSONRefused or json.JSONDecodeError."""
    if too_deep(text):
        raise JSONRefused(
            _("Le JSON est trop imbriqué (plus de %(max)d niveaux) : il ne peut pas être lu.")
            % {"max": MAX_JSON_DEPTH}
        )
    try:
        return json.loads(text, parse_int=_literal, parse_float=_literal, parse_constant=_constant)
    except RecursionError:
        raise JSONRefused(_("Le JSON est trop imbriqué : il ne peut pas être lu.")) from None

"""Database ids read from requests: ASCII digits within the 64-bit range of the primary keys.

Python's ``int()`` accepts other scripts' digits (``٣``) but not every character that
``str.isdigit()`` accepts (``²``), refuses more than 4,300 digits, and SQLite refuses to bind an
integer past 64 bits: each was a server error. Everything that reads an id from a URL or a form
goes through ``parse_id``: the ``<id:…>`` path converter (registered here, used by every URL
with an id), the routers' lookups (``ID_PATTERN``) and ``IdListField`` for ids in forms.
"""

from __future__ import annotations

import re

from django import forms
from django.urls import register_converter
from django.utils.translation import gettext_lazy

MAX_ID = 2**63 - 1


def _at_most(limit: str) -> str:
    """A regular expression for the strings of len(limit) ASCII digits not above ``limit``."""
    alternatives = []
    for position, digit in enumerate(limit):
        if digit != "0":
            rest = len(limit) - position - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            alternatives.append(f"{limit[:position]}[0-{int(digit) - 1}]{tail}")
    return "|".join([*alternatives, limit])


# 0 to MAX_ID in ASCII digits, as a pattern routers and converters can use.
ID_PATTERN = f"(?:[0-9]{{1,{len(str(MAX_ID)) - 1}}}|{_at_most(str(MAX_ID))})"
_ID = re.compile(ID_PATTERN)


def parse_id(value: str) -> int | None:
    """The id written in ``value`` (ASCII digits, at most MAX_ID), or None."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    return int(value)


class IdConverter:
    """``<id:pk>``: like ``<int:pk>``, but a number beyond the ids' range does not match (404)."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # the URL does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(IdConverter, "id")


class IdListField(forms.Field):
    """Ids sent as repeated parameters (``establishment=12&establishment=40``), as a list of ints."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": gettext_lazy("« %(value)s » n’est pas un identifiant valide."),
        "too_many": gettext_lazy("Au plus %(max)s identifiants peuvent être envoyés à la fois."),
    }

    def __init__(self, *, max_count: int = 10_000, **kwargs):
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) > self.max_count:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": self.max_count}
            )
        ids = []
        for raw in values:
            number = parse_id(raw)
            if number is None:
                shown = str(raw)[:20] + ("…" if len(str(raw)) > 20 else "")
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": shown}
                )
            ids.append(number)
        return ids

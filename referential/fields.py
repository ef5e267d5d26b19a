"""Typed reads of one YAML mapping of a referential, collecting errors instead of stopping."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _


def is_number(value: Any) -> bool:
    """A finite int or float, never a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class Fields:
    """Reads the fields of one mapping, collecting errors prefixed by where the mapping is."""

    def __init__(self, data: Mapping, where: str, errors: list[str]):
        self.data = data
        self.where = where
        self.errors = errors
        self.ok = True

    def error(self, message: str) -> None:
        self.ok = False
        self.errors.append(f"{self.where} : {message}")

    def unknown_keys(self, allowed: set[str]) -> None:
        unknown = sorted(str(key) for key in self.data if key not in allowed)
        if unknown:
            self.error(_("champ(s) inconnu(s) %(names)s.") % {"names": ", ".join(unknown)})

    def text(self, name: str, *, required: bool = True, max_length: int | None = None) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(_("le champ « %(name)s » est obligatoire.") % {"name": name})
            return ""
        if not isinstance(value, str):
            self.error(
                _("le champ « %(name)s » doit être un texte (reçu : %(value)r).")
                % {"name": name, "value": value}
            )
            return ""
        value = value.strip()
        if required and not value:
            self.error(_("le champ « %(name)s » est vide.") % {"name": name})
        if max_length and len(value) > max_length:
            self.error(
                _("le champ « %(name)s » dépasse %(max)s caractères.")
                % {"name": name, "max": max_length}
            )
        return value

    def integer(self, name: str) -> int:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.error(
                _(
                    "le champ « %(name)s » doit être un entier strictement positif (reçu : %(value)r)."
                )
                % {"name": name, "value": value}
            )
            return 0
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(
                _("le champ « %(name)s » doit valoir true ou false (reçu : %(value)r).")
                % {"name": name, "value": value}
            )
            return default
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, label: str) -> str:
        """A value among ``choices``, or null (returned as "")."""
        value = self.data.get(name)
        if value is None:
            return ""
        if value not in choices:
            self.error(
                _("%(label)s inconnu(e) « %(value)s » ; valeurs possibles : %(choices)s.")
                % {"label": label, "value": value, "choices": ", ".join(choices)}
            )
            return ""
        return value

    def date(self, name: str, *, key_required: bool) -> date | None:
        if name not in self.data:
            if key_required:
                self.error(
                    _(
                        "le champ « %(name)s » est obligatoire : indiquez la date du plan, ou "
                        "« %(name)s: null » si le plan n'en fixe pas."
                    )
                    % {"name": name}
                )
            return None
        value = self.data[name]
        if value is None:
            return None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        if isinstance(value, datetime) or not isinstance(value, date):
            self.error(
                _("le champ « %(name)s » doit être une date AAAA-MM-JJ ou null (reçu : %(value)r).")
                % {"name": name, "value": value}
            )
            return None
        return value

    def mapping(self, name: str, keys: set[str]) -> Mapping | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.error(_("le champ « %(name)s » doit être un objet ou null.") % {"name": name})
            return None
        unknown = sorted(str(key) for key in value if key not in keys)
        if unknown:
            self.error(
                _("« %(name)s » : champ(s) inconnu(s) %(names)s.")
                % {"name": name, "names": ", ".join(unknown)}
            )
        return value

    def items(self, name: str, *, allow_empty: bool) -> list:
        value = self.data.get(name)
        if value is None and allow_empty:
            return []
        if not isinstance(value, list) or (not value and not allow_empty):
            self.error(_("le champ « %(name)s » doit être une liste non vide.") % {"name": name})
            return []
        return value

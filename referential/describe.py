"""Plain-French descriptions of a requirement's rule, target and condition, for people to read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care_portal.formats import format_number

ANSWER_WORDS = {
    True: gettext_lazy("oui"),
    False: gettext_lazy("non"),
    "yes": gettext_lazy("oui"),
    "partial": gettext_lazy("partiellement"),
    "no": gettext_lazy("non"),
    "not_applicable": gettext_lazy("non applicable"),
}


def _percent(value: float) -> str:
    return f"{format_number(value)} %"


def describe_rule(rule: Mapping[str, Any]) -> str:
    """What the answer is and when the requirement is met, e.g. for the budget ratio:
    "Deux montants ; atteint à partir de 2 %, partiellement à partir de 1 %."."""
    kind = rule.get("type")
    partial = rule.get("partial")
    if kind == "boolean":
        return _("Oui ou non ; atteint si oui.")
    if kind == "tristate":
        return _("Oui, partiellement ou non ; partiellement compte pour moitié.")
    if kind == "person_named":
        return _("Nom et adresse e-mail de la personne ; atteint si les deux sont donnés.")
    if kind in ("ratio_at_least", "percent_at_least"):
        scale = 100 if kind == "ratio_at_least" else 1
        text = (
            _("Deux montants (part du total) ; atteint à partir de %(met)s")
            if kind == "ratio_at_least"
            else _("Pourcentage ; atteint à partir de %(met)s")
        ) % {"met": _percent(rule["met"] * scale)}
        if partial is not None:
            text += _(", partiellement à partir de %(partial)s") % {
                "partial": _percent(partial * scale)
            }
        return text + "."
    if kind == "within_days":
        text = _("Date ; atteint si elle date de %(met)s jours au plus") % {"met": rule["met"]}
        if partial is not None:
            text += _(", partiellement jusqu'à %(partial)s jours") % {"partial": partial}
        return text + "."
    if kind == "date":
        return _(
            "Date (passée ou à venir) ; atteint dès qu'elle est donnée, non atteint tant qu'elle n'est pas fixée."
        )
    if kind == "level":
        choices = rule.get("choices", {})
        met = [key for key, score in choices.items() if score >= 1]
        partial_levels = [key for key, score in choices.items() if 0 < score < 1]
        text = _("Un niveau parmi %(levels)s ; atteint au niveau %(met)s") % {
            "levels": ", ".join(choices),
            "met": ", ".join(met),
        }
        if partial_levels:
            text += _(", partiellement au niveau %(partial)s") % {
                "partial": ", ".join(partial_levels)
            }
        return text + "."
    return ""


def describe_answer(value: Any) -> str:
    """An answer value as a person would say it ("oui", "partiellement", ...)."""
    word = ANSWER_WORDS.get(value) if isinstance(value, bool | str) else None
    return str(word) if word else str(value)


def describe_condition(condition: Mapping[str, Any] | None) -> str:
    if not condition:
        return ""
    return _("Posée seulement si la réponse à %(code)s est : %(values)s.") % {
        "code": condition.get("requirement"),
        "values": _(" ou ").join(describe_answer(value) for value in condition.get("in", [])),
    }


def describe_target(share: float | None, population: str) -> str:
    if share is None:
        return population
    return f"{_percent(share)} {population}".strip()


UNIT_WORDS = {
    "ET": gettext_lazy("établissements (FINESS ET)"),
    "EJ": gettext_lazy("entités juridiques (FINESS EJ)"),
    "PMSI": gettext_lazy(
        "unités PMSI (entité juridique d'un établissement public, établissement d'un privé)"
    ),
    "OG": gettext_lazy("organismes gestionnaires"),
    "GHT": gettext_lazy("GHT"),
}


def describe_unit(unit: str) -> str:
    """What a headline target counts, e.g. "candidats de l'appel D1"."""
    if unit.startswith("candidates:"):
        return _("candidats de l'appel %(call)s") % {"call": unit.split(":", 1)[1]}
    return str(UNIT_WORDS.get(unit, unit))


def has_partial_step(rule: Mapping[str, Any]) -> bool:
    """The rule gives half or partial credit somewhere (always a choice of the portal)."""
    if rule.get("type") == "tristate" or rule.get("partial") is not None:
        return True
    return any(0 < score < 1 for score in rule.get("choices", {}).values())

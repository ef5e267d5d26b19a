"""Checking a funding-calls file (``care-2026.funding-calls.yaml``) against its referential version.

The file holds one key, ``funding_calls``: a list of calls, each with ``code``, ``title`` (as the
ARS name it), ``plan`` (the plan's objective and domain it funds), ``domain`` (a domain of the
version), ``arrete_date``, ``amount_eur`` (or null), ``source``, the five ``stages`` in their
order (``candidacy``, ``instruction``, ``declaration``, ``control``, ``payment``: each with
``label``, ``opens_on``, ``closes_on``, ``source``, and a ``note`` saying why a date is unknown),
``prerequisites`` (they gate eligibility, they are never averaged), ``objectives`` (``code``,
``label``, ``threshold``, ``threshold_source``, ``requirements``, ``documents`` to provide,
``source``) and ``ght_rule`` (or null). Every problem of the whole file is reported with its
line; the checked calls are plain JSON values (dates as ``YYYY-MM-DD``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from funding.models import STAGE_CODES, CandidacyDocument

CALL_KEYS = {
    "code",
    "title",
    "plan",
    "domain",
    "arrete_date",
    "amount_eur",
    "source",
    "stages",
    "prerequisites",
    "objectives",
    "ght_rule",
}
STAGE_KEYS = {"code", "label", "opens_on", "closes_on", "source", "note"}
PREREQUISITE_KEYS = {"code", "label", "requirements", "documents", "source"}
OBJECTIVE_KEYS = {
    "code",
    "label",
    "threshold",
    "threshold_source",
    "requirements",
    "documents",
    "source",
}
DOCUMENT_KEYS = {"code", "label", "source"}
GHT_RULE_KEYS = {"label", "activity_share_at_least", "objectives", "source"}
THRESHOLD_SOURCES = ("call", "portal")
CALL_CODE = re.compile(r"^[A-Z][A-Z0-9]*$")
ITEM_CODE = re.compile(r"^[A-Z0-9][A-Z0-9.-]*$")
DOCUMENT_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _stored_length(field: str) -> int:
    """How long a code may be where a candidacy's document stores it (objective, document)."""
    return CandidacyDocument._meta.get_field(field).max_length


def _line(data: Any) -> int | None:
    return getattr(data, "line", None)


def _where(kind: str, ident: Any, line: int | None) -> str:
    where = f"{kind} « {ident} »"
    return f"{where} ({_('ligne')} {line})" if line else where


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


class CallsParser:
    """Checks every call of one file; ``requirements`` are the version's codes, ``domains`` its
    domains {code: arrêté date (ISO) or None}: a call is the domain of the same code that has an
    arrêté, with the same date, and every such domain has its call (the action plan and the
    dashboards name a call by its domain's code)."""

    def __init__(self, *, requirements: set[str], domains: dict[str, str | None]):
        self.requirements = requirements
        self.domains = domains
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where} : {message}")

    def parse(self, data: Any) -> list[dict]:
        if not isinstance(data, dict) or set(data) != {"funding_calls"}:
            self.errors.append(_("Le fichier doit contenir la seule clé « funding_calls »."))
            return []
        calls = data["funding_calls"]
        if not isinstance(calls, list) or not calls:
            self.errors.append(_("« funding_calls » doit être une liste d'appels non vide."))
            return []
        parsed, seen = [], {}
        for index, call in enumerate(calls, start=1):
            result = self.call(call, index)
            if result is None:
                continue
            if result["code"] in seen:
                self.error(
                    _where(_("Appel"), result["code"], _line(call)),
                    _("code déjà utilisé ligne %(line)s") % {"line": seen[result["code"]]},
                )
            seen[result["code"]] = _line(call)
            parsed.append(result)
        for code, arrete in self.domains.items():
            if arrete and code not in seen:
                self.errors.append(
                    _(
                        "Le domaine « %(domain)s » du référentiel a un arrêté (%(date)s) "
                        "mais aucun appel ne le finance dans ce fichier."
                    )
                    % {"domain": code, "date": arrete}
                )
        return parsed

    # --- helpers ------------------------------------------------------------------------------

    def _mapping(self, data: Any, keys: set[str], where: str) -> bool:
        if not isinstance(data, dict):
            self.error(where, _("une table (clé: valeur) est attendue"))
            return False
        unknown = sorted(set(data) - keys)
        missing = sorted(keys - set(data))
        if unknown:
            self.error(where, _("clés inconnues : %(keys)s") % {"keys": ", ".join(unknown)})
        if missing:
            self.error(where, _("clés manquantes : %(keys)s") % {"keys": ", ".join(missing)})
        return not missing

    def _text(self, data: dict, key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.error(where, _("« %(key)s » doit être un texte non vide") % {"key": key})
            return ""
        return value.strip()

    def _date(self, data: dict, key: str, where: str) -> date | None:
        value = data.get(key)
        if value is not None and not isinstance(value, date):
            self.error(
                where,
                _("« %(key)s » doit être une date AAAA-MM-JJ ou null") % {"key": key},
            )
            return None
        return value

    def _codes(self, data: dict, key: str, where: str, *, allow_empty: bool = False) -> list[str]:
        value = data.get(key)
        if not isinstance(value, list) or (not value and not allow_empty):
            self.error(where, _("« %(key)s » doit être une liste non vide") % {"key": key})
            return []
        codes = []
        for code in value:
            if not isinstance(code, str) or code not in self.requirements:
                self.error(
                    where,
                    _("exigence « %(code)s » inconnue dans ce référentiel") % {"code": code},
                )
            else:
                codes.append(code)
        return codes

    def _documents(self, data: dict, where: str, *, required: bool) -> list[dict]:
        value = data.get("documents")
        if value is None and not required:
            return []
        if not isinstance(value, list) or not value:
            self.error(where, _("la liste des pièces à fournir (« documents ») manque ou est vide"))
            return []
        documents, seen = [], set()
        for document in value:
            ident = document.get("code") if isinstance(document, dict) else "?"
            dwhere = _where(_("pièce"), ident, _line(document))
            dwhere = f"{where}, {dwhere}"
            if not self._mapping(document, DOCUMENT_KEYS, dwhere):
                continue
            code = document["code"]
            if not isinstance(code, str) or not DOCUMENT_CODE.match(code):
                self.error(dwhere, _("code de pièce invalide (minuscules, chiffres, _)"))
                continue
            if len(code) > _stored_length("document"):
                self.error(
                    dwhere,
                    _("code de pièce trop long (%(max)s caractères au plus)")
                    % {"max": _stored_length("document")},
                )
                continue
            if code in seen:
                self.error(dwhere, _("pièce en double"))
                continue
            seen.add(code)
            documents.append(
                {
                    "code": code,
                    "label": self._text(document, "label", dwhere),
                    "source": self._text(document, "source", dwhere),
                }
            )
        return documents

    # --- one call -----------------------------------------------------------------------------

    def call(self, data: Any, index: int) -> dict | None:
        ident = data.get("code") if isinstance(data, dict) else index
        where = _where(_("Appel"), ident, _line(data))
        if not self._mapping(data, CALL_KEYS, where):
            return None
        code = data["code"]
        if not isinstance(code, str) or not CALL_CODE.match(code):
            self.error(where, _("code d'appel invalide (majuscules et chiffres)"))
        domain = data["domain"]
        if domain not in self.domains:
            self.error(
                where,
                _("domaine « %(domain)s » absent de la section « domains » du référentiel")
                % {"domain": domain},
            )
        elif code != domain:
            self.error(
                where,
                _("le code de l'appel doit être celui de son domaine (« %(domain)s »)")
                % {"domain": domain},
            )
        amount = data["amount_eur"]
        if amount is not None and (
            isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0
        ):
            self.error(
                where, _("« amount_eur » doit être un nombre entier d'euros positif ou null")
            )
            amount = None
        arrete = self._date(data, "arrete_date", where)
        if domain in self.domains and _iso(arrete) != self.domains[domain]:
            self.error(
                where,
                _(
                    "date de l'arrêté %(call)s différente de celle du domaine dans le référentiel (%(domain)s)"
                )
                % {"call": _iso(arrete) or "null", "domain": self.domains[domain] or "null"},
            )
        stages = self.stages(data["stages"], where)
        objectives = self.objectives(data["objectives"], where)
        return {
            "code": code,
            "title": self._text(data, "title", where),
            "plan": self._text(data, "plan", where),
            "domain": data["domain"],
            "arrete_date": _iso(arrete),
            "amount_eur": amount,
            "source": self._text(data, "source", where),
            "stages": stages,
            "prerequisites": self.prerequisites(data["prerequisites"], where),
            "objectives": objectives,
            "ght_rule": self.ght_rule(data["ght_rule"], where, objectives),
        }

    def stages(self, data: Any, where: str) -> list[dict]:
        if not isinstance(data, list):
            self.error(where, _("« stages » doit être une liste"))
            return []
        codes = [stage.get("code") if isinstance(stage, dict) else None for stage in data]
        if codes != list(STAGE_CODES):
            self.error(
                where,
                _("les étapes doivent être, dans cet ordre : %(expected)s (trouvé : %(found)s)")
                % {"expected": ", ".join(STAGE_CODES), "found": ", ".join(map(str, codes))},
            )
        stages = []
        # The latest opening and closing dates of the stages before: a stage may overlap the one
        # before it, but neither open nor close before it.
        before: dict[str, tuple[str, date]] = {}
        for stage in data:
            swhere = _where(
                _("étape"), stage.get("code") if isinstance(stage, dict) else "?", _line(stage)
            )
            swhere = f"{where}, {swhere}"
            if not self._mapping(stage, STAGE_KEYS, swhere):
                continue
            opens = self._date(stage, "opens_on", swhere)
            closes = self._date(stage, "closes_on", swhere)
            if opens and closes and closes < opens:
                self.error(swhere, _("la clôture précède l'ouverture"))
            if (opens is None or closes is None) and not (
                isinstance(stage["note"], str) and stage["note"].strip()
            ):
                self.error(swhere, _("une date inconnue (null) doit être expliquée par « note »"))
            for key, value in (("opens_on", opens), ("closes_on", closes)):
                if value is None:
                    continue
                previous = before.get(key)
                if previous and value < previous[1]:
                    self.error(
                        swhere,
                        _(
                            "étape hors d'ordre : %(key)s %(date)s précède celle de l'étape "
                            "« %(stage)s » (%(before)s)"
                        )
                        % {
                            "key": key,
                            "date": value.isoformat(),
                            "stage": previous[0],
                            "before": previous[1].isoformat(),
                        },
                    )
                else:
                    before[key] = (stage["code"], value)
            stages.append(
                {
                    "code": stage["code"],
                    "label": self._text(stage, "label", swhere),
                    "opens_on": _iso(opens),
                    "closes_on": _iso(closes),
                    "source": self._text(stage, "source", swhere),
                    "note": self._text(stage, "note", swhere, required=False),
                }
            )
        return stages

    def prerequisites(self, data: Any, where: str) -> list[dict]:
        if not isinstance(data, list):
            self.error(where, _("« prerequisites » doit être une liste (vide s'il n'y en a pas)"))
            return []
        result = []
        for item in data:
            pwhere = f"{where}, " + _where(
                _("prérequis"), item.get("code") if isinstance(item, dict) else "?", _line(item)
            )
            if not self._mapping(item, PREREQUISITE_KEYS, pwhere):
                continue
            result.append(
                {
                    "code": str(item["code"]),
                    "label": self._text(item, "label", pwhere),
                    "requirements": self._codes(item, "requirements", pwhere),
                    "documents": self._documents(item, pwhere, required=False),
                    "source": self._text(item, "source", pwhere),
                }
            )
        return result

    def objectives(self, data: Any, where: str) -> list[dict]:
        if not isinstance(data, list) or not data:
            self.error(where, _("« objectives » doit être une liste non vide"))
            return []
        result, seen = [], set()
        for item in data:
            owhere = f"{where}, " + _where(
                _("objectif"), item.get("code") if isinstance(item, dict) else "?", _line(item)
            )
            if not isinstance(item, dict):
                self.error(owhere, _("une table (clé: valeur) est attendue"))
                continue
            # The documents list is checked even when other keys are missing: it is the point.
            documents = self._documents(item, owhere, required=True)
            if not self._mapping(item, OBJECTIVE_KEYS, owhere):
                continue
            code = item["code"]
            if not isinstance(code, str) or not ITEM_CODE.match(code) or code in seen:
                self.error(owhere, _("code d'objectif invalide ou en double"))
                continue
            if len(code) > _stored_length("objective"):
                self.error(
                    owhere,
                    _("code d'objectif trop long (%(max)s caractères au plus)")
                    % {"max": _stored_length("objective")},
                )
                continue
            seen.add(code)
            if item["threshold_source"] not in THRESHOLD_SOURCES:
                self.error(
                    owhere,
                    _("« threshold_source » doit valoir %(values)s")
                    % {"values": " ou ".join(THRESHOLD_SOURCES)},
                )
            result.append(
                {
                    "code": code,
                    "label": self._text(item, "label", owhere),
                    "threshold": self._text(item, "threshold", owhere),
                    "threshold_source": item["threshold_source"],
                    "requirements": self._codes(item, "requirements", owhere),
                    "documents": documents,
                    "source": self._text(item, "source", owhere),
                }
            )
        return result

    def ght_rule(self, data: Any, where: str, objectives: list[dict]) -> dict | None:
        if data is None:
            return None
        gwhere = f"{where}, " + _where(_("règle GHT"), "ght_rule", _line(data))
        if not self._mapping(data, GHT_RULE_KEYS, gwhere):
            return None
        share = data["activity_share_at_least"]
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 100:
            self.error(gwhere, _("« activity_share_at_least » doit être un pourcentage (0–100]"))
            share = None
        known = {objective["code"] for objective in objectives}
        codes = data["objectives"] if isinstance(data["objectives"], list) else []
        if not codes:
            self.error(gwhere, _("« objectives » doit lister les objectifs concernés"))
        for code in codes:
            if code not in known:
                self.error(
                    gwhere, _("objectif « %(code)s » inconnu dans cet appel") % {"code": code}
                )
        return {
            "label": self._text(data, "label", gwhere),
            "activity_share_at_least": share,
            "objectives": [code for code in codes if code in known],
            "source": self._text(data, "source", gwhere),
        }


def parse_funding_calls(
    data: Any, *, requirements: set[str], domains: dict[str, str | None]
) -> list[dict]:
    """The checked calls, or ReferentialFileError listing every problem of the file."""
    from referential.data import ReferentialFileError

    parser = CallsParser(requirements=requirements, domains=domains)
    calls = parser.parse(data)
    if parser.errors:
        raise ReferentialFileError(parser.errors)
    return calls

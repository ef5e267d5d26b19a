"""Checking the sections of a referential file beside its axes (version 2 on).

- ``domains``: the technical domains as the funding calls name them, the plan's numbering beside;
- ``targets``: the headline targets of the plan, each with its action, deadline, national share,
  the kinds of structure it concerns, the unit it counts and the requirements that feed it;
- ``milestones``: national and regional milestones (they bind the State, the HAS, the ANS, the
  ARS...): context, never an establishment's requirement;
- ``code_map``: which requirement of the previous version each requirement continues, and what
  does not carry over and why;
- ``consistency``: pairs of answers that contradict each other, with the message to show.

Each section is checked completely, errors are collected with the item and its line, as for the
requirements (:mod:`referential.schema`). The checked sections are plain JSON values (dates as
``YYYY-MM-DD``), stored as such on the version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from referential.fields import Fields, is_number
from referential.headlines import Headline
from referential.mappings import parse_mappings
from referential.models import CANDIDATES_UNIT, AnsweredBy, Source, TargetUnit
from referential.priorities import parse_priorities
from referential.resources import parse_resources
from referential.rules import AnswerError, Rule

# One action of the plan: "3-3", "19".
PLAN_ACTION = re.compile(r"^\d+(-\d+)?$")
# A funding call, alone or with one of its objectives: "D1", "D2:O1.C", "D2:P2".
FUNDING_CALL_REF = re.compile(r"^[A-Z][A-Z0-9]*(:[A-Z0-9][A-Z0-9.]*)?$")
DOMAIN_CODE = re.compile(r"^[A-Z][A-Z0-9]*$")
TARGET_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
RULE_CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
KINDS = ("ES", "ESSMS", "GHT")
UNITS = tuple(TargetUnit.values)
TARGET_SOURCES = (Source.PLAN.value, Source.FUNDING_CALL.value)

DOMAIN_KEYS = {"code", "title", "plan", "funding_call", "arrete_date"}
TARGET_KEYS = {
    "code",
    "label",
    "source",
    "action",
    "deadline",
    "deadline_label",
    "national_share",
    "population",
    "note",
    "kinds",
    "unit",
    "requirements",
    "from_status",
}
MILESTONE_KEYS = {"action", "label", "owner", "date", "date_label"}
CODE_MAP_KEYS = {"from", "codes", "not_carried"}
CODE_MAP_FROM_KEYS = {"code", "version"}
MAPPING_KEYS = {"code", "from", "note"}
NOT_CARRIED_KEYS = {"from", "reason"}
CONSISTENCY_KEYS = {"code", "answers", "message"}
ANSWER_KEYS = {"requirement", "in"}

# {requirement code: rule type} of an earlier version, or None when it cannot be found.
PreviousVersion = Callable[[str, int], "dict[str, str] | None"]


def _line(data: Any) -> int | None:
    return getattr(data, "line", None)


def _where(kind: str, ident: Any, line: int | None) -> str:
    where = f"{kind} « {ident} »"
    return f"{where} ({_('ligne')} {line})" if line else where


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def check_answers(
    rule: Rule | None,
    values: list,
    *,
    where: str,
    target: str,
    what: str,
    errors: list[str],
) -> None:
    """Each value is an answer the requirement ``target`` (of rule ``rule``) can take."""
    for value in values if rule else ():
        try:
            rule.clean(value, reference_date=timezone.localdate())
        except AnswerError as error:
            errors.append(
                _(
                    "%(where)s : %(what)s attend « %(value)s », réponse impossible à "
                    "« %(target)s » (%(message)s)"
                )
                % {
                    "where": where,
                    "what": what,
                    "value": value,
                    "target": target,
                    "message": error.message,
                }
            )


class SectionParser:
    """Checks the sections of one file; the requirements are those the schema has read."""

    def __init__(
        self,
        data: Mapping,
        *,
        requirements: dict,
        requirement_where: dict[str, str],
        rules: dict[str, Rule],
        errors: list[str],
        previous: PreviousVersion | None,
    ):
        self.data = data
        self.requirements = requirements
        self.requirement_where = requirement_where
        self.rules = rules
        self.errors = errors
        self.previous = previous
        self.domains: list[dict] = []
        self.domain_titles: dict[str, str] | None = None
        self.targets: list[dict] = []
        self.target_lines: dict[str, str] = {}
        self.milestones: list[dict] = []
        self.code_map: dict = {}
        self.consistency: list[dict] = []
        self.top = Fields(data, _("En-tête"), errors)

    # --- reading ---------------------------------------------------------------------------

    def _items(self, key: str, label: str) -> list[tuple[int, Any]]:
        if key not in self.data:
            return []
        value = self.data[key]
        if not isinstance(value, list) or not value:
            self.errors.append(
                _("Section « %(key)s » : doit être une liste non vide (%(label)s).")
                % {"key": key, "label": label}
            )
            return []
        return list(enumerate(value, start=1))

    def _mapping(self, raw: Any, kind: str, ident: Any) -> Fields | None:
        if not isinstance(raw, Mapping):
            self.errors.append(
                _("%(where)s : doit être un objet.") % {"where": _where(kind, ident, None)}
            )
            return None
        return Fields(raw, _where(kind, raw.get("code", ident), _line(raw)), self.errors)

    def parse_domains(self) -> None:
        """The version's technical domains, read before the requirements that name them."""
        if "domains" not in self.data:
            return
        self.domain_titles = {}
        for index, raw in self._items("domains", _("les domaines techniques")):
            fields = self._mapping(raw, _("Domaine"), index)
            if fields is None:
                continue
            fields.unknown_keys(DOMAIN_KEYS)
            code = fields.text("code", max_length=20)
            if code and not DOMAIN_CODE.match(code):
                fields.error(
                    _("le code doit être en majuscules et chiffres (ex. D2, HOSPICONNECT).")
                )
            if code in self.domain_titles:
                fields.error(_("code de domaine en double."))
            domain = {
                "code": code,
                "title": fields.text("title", max_length=255),
                "plan": fields.text("plan"),
                "funding_call": fields.text("funding_call", required=False) or None,
                "arrete_date": _iso(fields.date("arrete_date", key_required=True)),
            }
            if code and fields.ok:
                self.domain_titles[code] = domain["title"]
            self.domains.append(domain)

    def parse(self, *, published_on: date | None) -> dict[str, Any]:
        """Every other section, checked; returns the sections as stored."""
        self._check_publication(published_on)
        self._parse_targets()
        self._parse_milestones()
        self._parse_code_map()
        self._parse_consistency()
        sections: dict[str, Any] = {}
        if "domains" in self.data:
            sections["domains"] = self.domains
        if "targets" in self.data:
            sections["targets"] = self.targets
        if "milestones" in self.data:
            sections["milestones"] = self.milestones
        if "code_map" in self.data:
            sections["code_map"] = self.code_map
        if "consistency" in self.data:
            sections["consistency"] = self.consistency
        if "priorities" in self.data:
            sections["priorities"] = parse_priorities(
                self.data["priorities"], requirements=self.requirements, errors=self.errors
            )
        if "mappings" in self.data:
            sections["mappings"] = parse_mappings(
                self.data["mappings"], requirements=self.requirements, errors=self.errors
            )
        if "resources" in self.data:
            sections["resources"] = parse_resources(
                self.data["resources"], plan_action=PLAN_ACTION, errors=self.errors
            )
        return sections

    def _check_publication(self, published_on: date | None) -> None:
        """A version cannot be published before the funding calls it cites."""
        dated = [d for d in self.domains if d["arrete_date"]]
        if not published_on or not dated:
            return
        latest = max(dated, key=lambda d: d["arrete_date"])
        if published_on.isoformat() < latest["arrete_date"]:
            self.top.error(
                _(
                    "la date de publication (%(published)s) précède l'arrêté du domaine "
                    "« %(domain)s » (%(arrete)s) que cette version cite."
                )
                % {
                    "published": published_on.isoformat(),
                    "domain": latest["code"],
                    "arrete": latest["arrete_date"],
                }
            )

    def _kinds(self, fields: Fields) -> list[str]:
        value = fields.data.get("kinds")
        if not isinstance(value, list) or not value or any(k not in KINDS for k in value):
            fields.error(
                _("« kinds » doit lister au moins un type parmi %(kinds)s.")
                % {"kinds": ", ".join(KINDS)}
            )
            return []
        return [kind for kind in KINDS if kind in value]

    def _unit(self, fields: Fields, kinds: list[str]) -> str:
        unit = fields.data.get("unit")
        if isinstance(unit, str) and unit.startswith(CANDIDATES_UNIT):
            call = unit[len(CANDIDATES_UNIT) :]
            if not self.domain_titles or call not in self.domain_titles:
                fields.error(
                    _(
                        "l'unité « %(unit)s » nomme un appel qui n'est pas un domaine de cette "
                        "version (section « domains »)."
                    )
                    % {"unit": unit}
                )
            return unit
        if unit not in UNITS:
            fields.error(
                _(
                    "unité inconnue « %(unit)s » ; valeurs possibles : %(units)s, ou "
                    "candidates:<code de l'appel>."
                )
                % {"unit": unit, "units": ", ".join(UNITS)}
            )
            return ""
        expected = {"GHT": ["GHT"], "PMSI": ["ES"], "OG": ["ESSMS"]}.get(unit)
        if expected and kinds and kinds != expected:
            fields.error(
                _("l'unité %(unit)s ne compte que des structures de type %(kinds)s.")
                % {"unit": unit, "kinds": ", ".join(expected)}
            )
        if unit in ("ET", "EJ") and "GHT" in kinds:
            fields.error(_("un GHT se compte avec l'unité GHT."))
        return unit

    def _share(self, fields: Fields) -> float | None:
        if "national_share" not in fields.data:
            fields.error(
                _(
                    "le champ « national_share » est obligatoire : la part visée (0 à 1), ou "
                    "« national_share: null » avec une « note » qui dit pourquoi."
                )
            )
            return None
        share = fields.data["national_share"]
        if share is not None and (not is_number(share) or not 0 < share <= 1):
            fields.error(
                _("la part nationale doit être un nombre de 0 à 1 (reçu : %(value)r).")
                % {"value": share}
            )
            return None
        return share

    def _parse_targets(self) -> None:
        codes: set[str] = set()
        for index, raw in self._items("targets", _("les cibles phares")):
            fields = self._mapping(raw, _("Cible"), index)
            if fields is None:
                continue
            fields.unknown_keys(TARGET_KEYS)
            code = fields.text("code", max_length=40)
            if code and not TARGET_CODE.match(code):
                fields.error(_("le code doit être en minuscules (ex. exercise_yearly)."))
            if code in codes:
                fields.error(_("code de cible en double."))
            codes.add(code)
            action = fields.text("action")
            if action and not PLAN_ACTION.match(action):
                fields.error(
                    _("action du plan « %(action)s » invalide (ex. « 3-3 »).") % {"action": action}
                )
            source = fields.choice("source", TARGET_SOURCES, label=_("source"))
            if not source:
                fields.error(_("une cible phare vient du plan ou d'un appel (source: plan)."))
            kinds = self._kinds(fields)
            share = self._share(fields)
            note = fields.text("note", required=False)
            if (
                "national_share" in fields.data
                and fields.data["national_share"] is None
                and not note
            ):
                fields.error(
                    _("sans part nationale chiffrée, une « note » dit ce que le plan fixe.")
                )
            requirements = fields.data.get("requirements")
            from_status = fields.boolean("from_status", False)
            if not isinstance(requirements, list) or not all(
                isinstance(r, str) for r in requirements
            ):
                fields.error(_("« requirements » doit lister des codes d'exigence."))
                requirements = []
            if from_status and requirements:
                fields.error(_("une cible lue du statut de l'auto-évaluation n'a pas d'exigence."))
            if not from_status and not requirements:
                fields.error(_("« requirements » doit lister au moins une exigence."))
            target = {
                "code": code,
                "label": fields.text("label", max_length=255),
                "source": source,
                "action": action,
                "deadline": _iso(fields.date("deadline", key_required=True)),
                "deadline_label": fields.text("deadline_label"),
                "national_share": share,
                "population": fields.text("population"),
                "note": note,
                "kinds": kinds,
                "unit": self._unit(fields, kinds),
                "requirements": list(requirements),
                "from_status": from_status,
            }
            self.target_lines[code] = fields.where
            self.targets.append(target)

    def _parse_milestones(self) -> None:
        for index, raw in self._items("milestones", _("les jalons nationaux")):
            if not isinstance(raw, Mapping):
                self._mapping(raw, _("Jalon"), index)
                continue
            fields = Fields(
                raw, _where(_("Jalon"), raw.get("action", index), _line(raw)), self.errors
            )
            fields.unknown_keys(MILESTONE_KEYS)
            action = fields.text("action")
            if action and not all(PLAN_ACTION.match(a) for a in action.split(", ")):
                fields.error(
                    _("action du plan « %(action)s » invalide (ex. « 2-3 », « 6-1, 6-2 »).")
                    % {"action": action}
                )
            self.milestones.append(
                {
                    "action": action,
                    "label": fields.text("label"),
                    "owner": fields.text("owner", max_length=40),
                    "date": _iso(fields.date("date", key_required=True)),
                    "date_label": fields.text("date_label", max_length=80),
                }
            )

    def _parse_code_map(self) -> None:
        if "code_map" not in self.data:
            return
        raw = self.data["code_map"]
        where = _where(_("Correspondance"), "code_map", _line(raw))
        if not isinstance(raw, Mapping):
            self.errors.append(_("%(where)s : doit être un objet.") % {"where": where})
            return
        fields = Fields(raw, where, self.errors)
        fields.unknown_keys(CODE_MAP_KEYS)
        origin = fields.mapping("from", CODE_MAP_FROM_KEYS) or {}
        from_code, from_version = origin.get("code"), origin.get("version")
        if (
            not isinstance(from_code, str)
            or isinstance(from_version, bool)
            or not isinstance(from_version, int)
        ):
            fields.error(_("« from » nomme la version précédente : {code: CARE, version: 1}."))
            return
        previous = self.previous(from_code, from_version) if self.previous else None
        if previous is None:
            fields.error(
                _(
                    "la version %(label)s est introuvable : chargez-la d'abord, ou placez son "
                    "fichier à côté de celui-ci."
                )
                % {"label": f"{from_code}:{from_version}"}
            )
        codes, not_carried = [], []
        seen_from: dict[str, str] = {}
        seen_to: set[str] = set()
        for index, item in enumerate(fields.items("codes", allow_empty=False), start=1):
            entry = self._map_entry(item, index, MAPPING_KEYS, seen_from, previous)
            if entry is None:
                continue
            to = entry.code
            if to and to not in self.requirements:
                entry.error(
                    _("« %(code)s » n'est pas une exigence de cette version.") % {"code": to}
                )
            if to in seen_to:
                entry.error(_("« %(code)s » reçoit déjà une autre exigence.") % {"code": to})
            seen_to.add(to)
            old_type = (previous or {}).get(entry.source)
            new = self.requirements.get(to)
            if old_type and new and new.answer_type and old_type != new.answer_type:
                entry.error(
                    _(
                        "les réponses ne se reportent pas : « %(old)s » attend une réponse "
                        "%(old_type)s, « %(new)s » une réponse %(new_type)s ; mettez-la dans "
                        "« not_carried »."
                    )
                    % {
                        "old": entry.source,
                        "old_type": old_type,
                        "new": to,
                        "new_type": new.answer_type,
                    }
                )
            codes.append({"code": to, "from": entry.source, "note": entry.note})
        for index, item in enumerate(fields.items("not_carried", allow_empty=True), start=1):
            entry = self._map_entry(item, index, NOT_CARRIED_KEYS, seen_from, previous)
            if entry is not None:
                if not entry.reason:
                    entry.error(_("dites pourquoi elle ne se reporte pas (« reason »)."))
                not_carried.append({"from": entry.source, "reason": entry.reason})
        if previous is not None:
            missing = sorted(set(previous) - set(seen_from))
            if missing:
                fields.error(
                    _(
                        "chaque exigence de %(label)s se reporte (« codes ») ou dit pourquoi "
                        "non (« not_carried ») ; manquent : %(codes)s."
                    )
                    % {"label": f"{from_code}:{from_version}", "codes": ", ".join(missing)}
                )
        self.code_map = {
            "from": {"code": from_code, "version": from_version},
            "codes": codes,
            "not_carried": not_carried,
        }

    def _map_entry(self, item, index, keys, seen_from, previous) -> _MapEntry | None:
        ident = item.get("from", index) if isinstance(item, Mapping) else index
        where = _where(_("Correspondance"), ident, _line(item))
        if not isinstance(item, Mapping):
            self.errors.append(_("%(where)s : doit être un objet.") % {"where": where})
            return None
        fields = Fields(item, where, self.errors)
        fields.unknown_keys(keys)
        entry = _MapEntry(
            fields,
            source=fields.text("from"),
            code=fields.text("code") if "code" in keys else "",
            note=fields.text("note", required=False) if "note" in keys else "",
            reason=fields.text("reason", required=False) if "reason" in keys else "",
        )
        if entry.source in seen_from:
            entry.error(
                _("« %(code)s » figure deux fois (déjà : %(where)s).")
                % {"code": entry.source, "where": seen_from[entry.source]}
            )
        elif previous is not None and entry.source and entry.source not in previous:
            entry.error(
                _("« %(code)s » n'est pas une exigence de la version précédente.")
                % {"code": entry.source}
            )
        seen_from.setdefault(entry.source, where)
        return entry

    def _parse_consistency(self) -> None:
        codes: set[str] = set()
        for index, raw in self._items("consistency", _("les règles de cohérence")):
            fields = self._mapping(raw, _("Règle de cohérence"), index)
            if fields is None:
                continue
            fields.unknown_keys(CONSISTENCY_KEYS)
            code = fields.text("code", max_length=40)
            if code and not RULE_CODE.match(code):
                fields.error(_("le code doit être en majuscules, chiffres et tirets."))
            if code in codes:
                fields.error(_("code de règle en double."))
            codes.add(code)
            answers = fields.data.get("answers")
            conditions = []
            if not isinstance(answers, list) or len(answers) != 2:
                fields.error(
                    _(
                        "« answers » liste exactement deux réponses qui se contredisent "
                        "({requirement: CODE, in: [...]})."
                    )
                )
                answers = []
            for answer in answers:
                if not isinstance(answer, Mapping) or set(answer) != ANSWER_KEYS:
                    fields.error(_("chaque réponse s'écrit {requirement: CODE, in: [...]}."))
                    continue
                values = answer["in"]
                if not isinstance(values, list) or not values:
                    fields.error(_("« in » doit lister au moins une réponse."))
                    values = []
                conditions.append({"requirement": answer["requirement"], "in": list(values)})
            self.consistency.append(
                {"code": code, "answers": conditions, "message": fields.text("message")}
            )
            self._check_consistency(fields, conditions)

    def _check_consistency(self, fields: Fields, conditions: list[dict]) -> None:
        found = []
        for condition in conditions:
            target = condition["requirement"]
            requirement = self.requirements.get(target) if isinstance(target, str) else None
            if requirement is None:
                fields.error(_("exigence inconnue « %(code)s ».") % {"code": target})
                continue
            found.append(requirement)
            check_answers(
                self.rules.get(target),
                condition["in"],
                where=fields.where,
                target=target,
                what=_("la règle"),
                errors=self.errors,
            )
        if len(found) == 2:
            first, second = found
            if first.code == second.code:
                fields.error(_("les deux réponses portent sur la même exigence."))
            elif not set(first.applies_to) & set(second.applies_to):
                fields.error(
                    _("« %(a)s » et « %(b)s » ne sont jamais posées ensemble.")
                    % {"a": first.code, "b": second.code}
                )

    # --- across the file -------------------------------------------------------------------

    def check_requirements(self) -> None:
        """Targets name establishment items of the plan; milestones are never requirements."""
        fed: dict[str, list[dict]] = {}
        for target in self.targets:
            where = self.target_lines[target["code"]]
            for code in target["requirements"]:
                requirement = self.requirements.get(code)
                if requirement is None:
                    self.errors.append(
                        _("%(where)s : exigence inconnue « %(code)s ».")
                        % {"where": where, "code": code}
                    )
                    continue
                fed.setdefault(code, []).append(target)
                if requirement.source == Source.PORTAL:
                    self.errors.append(
                        _(
                            "%(where)s : « %(code)s » est une recommandation du portail : elle "
                            "ne nourrit pas une cible CaRE."
                        )
                        % {"where": where, "code": code}
                    )
                if requirement.answered_by != AnsweredBy.ESTABLISHMENT:
                    self.errors.append(
                        _("%(where)s : « %(code)s » n'est pas renseignée par l'établissement.")
                        % {"where": where, "code": code}
                    )
                if target["kinds"] and not set(requirement.applies_to) & set(target["kinds"]):
                    self.errors.append(
                        _("%(where)s : « %(code)s » ne s'applique à aucun type de la cible.")
                        % {"where": where, "code": code}
                    )
            self._check_headline(target, where)
        for code, targets in fed.items():
            requirement = self.requirements[code]
            where = self.requirement_where[code]
            deadlines = {t["deadline"] for t in targets}
            if _iso(requirement.deadline) not in deadlines:
                self.errors.append(
                    _(
                        "%(where)s : l'échéance (%(deadline)s) n'est celle d'aucune des cibles "
                        "qu'elle nourrit (%(targets)s)."
                    )
                    % {
                        "where": where,
                        "deadline": _iso(requirement.deadline),
                        "targets": ", ".join(t["code"] for t in targets),
                    }
                )
        if "targets" in self.data:
            for code, requirement in self.requirements.items():
                if requirement.national_target_share is not None or (
                    requirement.national_target_population
                ):
                    self.errors.append(
                        _(
                            "%(where)s : cette version donne ses cibles nationales dans la "
                            "section « targets » : « national_target: null »."
                        )
                        % {"where": self.requirement_where[code]}
                    )
        self._check_milestones()

    def _check_headline(self, target: dict, where: str) -> None:
        """A target named as a headline is fed by exactly the requirements marked with it."""
        code = target["code"]
        if code not in Headline.values:
            return
        if Headline(code).from_status != target["from_status"]:
            self.errors.append(
                _("%(where)s : la cible « %(code)s » se lit %(how)s.")
                % {
                    "where": where,
                    "code": code,
                    "how": _("du statut de l'auto-évaluation (from_status: true)")
                    if Headline(code).from_status
                    else _("des réponses (from_status: false)"),
                }
            )
        marked = {c for c, r in self.requirements.items() if r.headline == code}
        if not Headline(code).from_status and marked != set(target["requirements"]):
            self.errors.append(
                _(
                    "%(where)s : la cible « %(code)s » doit lister les exigences marquées "
                    "« headline: %(code)s » (%(marked)s)."
                )
                % {"where": where, "code": code, "marked": ", ".join(sorted(marked)) or "-"}
            )

    def _check_milestones(self) -> None:
        """An action that is only a milestone is never a plan target of an establishment."""
        target_actions = {t["action"] for t in self.targets}
        for milestone in self.milestones:
            actions = set(milestone["action"].split(", ")) - target_actions
            for code, requirement in self.requirements.items():
                refs = {requirement.source_ref} if requirement.source == Source.PLAN else set()
                refs |= set(requirement.also_feeds)
                if requirement.answered_by == AnsweredBy.ESTABLISHMENT and refs & actions:
                    self.errors.append(
                        _(
                            "%(where)s : « %(code)s » fait d'un jalon (%(owner)s, %(date)s) une "
                            "cible de l'établissement ; un jalon est du contexte : une question "
                            "qui s'en inspire est une recommandation du portail (source: "
                            "portal)."
                        )
                        % {
                            "where": self.requirement_where[code],
                            "code": code,
                            "owner": milestone["owner"],
                            "date": milestone["date_label"],
                        }
                    )


class _MapEntry:
    def __init__(self, fields: Fields, *, source: str, code: str, note: str, reason: str):
        self.fields = fields
        self.source = source
        self.code = code
        self.note = note
        self.reason = reason

    def error(self, message: str) -> None:
        self.fields.error(message)

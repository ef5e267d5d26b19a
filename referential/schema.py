"""Checking a referential version read from YAML, before anything is stored.

:func:`parse_referential` checks the whole structure and either returns a
:class:`ReferentialData` ready to store, or raises :class:`ReferentialFileError` listing every
problem found, each naming the requirement (or axis, objective) and its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from referential.data import (
    AxisData,
    ObjectiveData,
    ReferentialData,
    ReferentialFileError,
    RequirementData,
)
from referential.fields import Fields, is_number, max_length
from referential.headlines import ANSWERED_HEADLINES
from referential.models import (
    AnsweredAt,
    AnsweredBy,
    Domain,
    Objective,
    ReferentialVersion,
    Requirement,
    Source,
)
from referential.resources import resolve_citations
from referential.rules import Rule, RuleParamError, get_rule
from referential.sections import (
    FUNDING_CALL_REF,
    PLAN_ACTION,
    SectionParser,
    check_answers,
)

KINDS = ("ES", "ESSMS", "GHT")
# The headline "submitted" comes from the assessment's status, never from an answer.
HEADLINES = ANSWERED_HEADLINES
DOMAINS = tuple(Domain.values)
SOURCES = tuple(Source.values)
ANSWERED_BY = tuple(AnsweredBy.values)
ANSWERED_AT = tuple(AnsweredAt.values)
# Rule types whose parameters set a threshold someone chose (the plan, a call or the portal).
THRESHOLD_RULES = ("ratio_at_least", "percent_at_least", "within_days", "level")
STATUSES = tuple(ReferentialVersion.Status.values)

REFERENTIAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
REQUIREMENT_CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
# "2-1", "14", or several actions: "6-1, 6-2".
CARE_ACTION = re.compile(r"^\d+(-\d+)?(, \d+(-\d+)?)*$")

# The sections beside the axes (version 2 on), by YAML key; see referential.sections.
SECTION_KEYS = (
    "domains",
    "targets",
    "milestones",
    "code_map",
    "consistency",
    "priorities",
    "mappings",
    "resources",
)
TOP_KEYS = {"code", "version", "title", "published_on", "source", "status", "axes", *SECTION_KEYS}
AXIS_KEYS = {"number", "code", "title", "objectives"}
OBJECTIVE_KEYS = {"number", "code", "title", "national_only", "requirements"}
REQUIREMENT_KEYS = {
    "code",
    "label",
    "help",
    "care_action",
    "applies_to",
    "answer_type",
    "rule",
    "weight",
    "deadline",
    "deadline_label",
    "national_target",
    "domain",
    "funding_call",
    "not_applicable_allowed",
    "required",
    "headline",
    "prerequisite",
    "condition",
    "recommendation",
    "source",
    "source_ref",
    "also_feeds",
    "threshold_source",
    "answered_by",
    "reason_required_for_na",
    "answered_at",
    "due_date_from",
    "resources",
}
TARGET_KEYS = {"share", "population"}
CONDITION_KEYS = {"requirement", "in"}


def _where(kind: str, ident: Any, line: int | None) -> str:
    where = f"{kind} « {ident} »"
    return f"{where} ({_('ligne')} {line})" if line else where


def _line(data: Any) -> int | None:
    return getattr(data, "line", None)


class _Parser:
    def __init__(self, previous=None) -> None:
        self.previous = previous
        self.errors: list[str] = []
        self.rules: dict[str, Rule] = {}
        self.requirements: dict[str, RequirementData] = {}
        self.requirement_where: dict[str, str] = {}
        self.order = 0
        # {requirement code: (the resource codes it cites, where it is)}, resolved at the end.
        self.citations: dict[str, tuple[list[str], str]] = {}

    def parse(self, data: Any) -> ReferentialData:
        if not isinstance(data, Mapping):
            raise ReferentialFileError(
                [
                    _(
                        "Le fichier doit décrire un référentiel (un objet YAML avec code, version, axes)."
                    )
                ]
            )
        top = Fields(data, _("En-tête"), self.errors)
        top.unknown_keys(TOP_KEYS)
        # The domains first: requirements name them.
        self.sections = SectionParser(
            data,
            requirements=self.requirements,
            requirement_where=self.requirement_where,
            rules=self.rules,
            errors=self.errors,
            previous=self.previous,
        )
        self.sections.parse_domains()
        code = top.text("code", max_length=max_length(ReferentialVersion, "code"))
        if code and not REFERENTIAL_CODE.match(code):
            top.error(
                _("le code « %(code)s » doit être en majuscules (A-Z, 0-9, -, _).") % {"code": code}
            )
        referential = ReferentialData(
            code=code,
            version=top.integer("version"),
            title=top.text("title", max_length=max_length(ReferentialVersion, "title")),
            published_on=top.date("published_on", key_required=False),
            source=top.text("source", required=False),
            status=self._status(top),
            axes=[],
        )
        axis_numbers: set[int] = set()
        objective_codes: set[str] = set()
        for index, raw_axis in enumerate(top.items("axes", allow_empty=False), start=1):
            axis = self._axis(raw_axis, index, objective_codes)
            if axis is None:
                continue
            if axis.number in axis_numbers:
                self.errors.append(
                    _("%(where)s : numéro d'axe en double.")
                    % {"where": _where(_("Axe"), axis.number, axis.line)}
                )
            axis_numbers.add(axis.number)
            referential.axes.append(axis)
        self._check_conditions()
        self._check_due_dates()
        referential.sections = self.sections.parse(published_on=referential.published_on)
        self._check_requirement_sources()
        self._resolve_resources(referential.sections.get("resources", []))
        if self.errors:
            raise ReferentialFileError(self.errors)
        return referential

    def _status(self, top: Fields) -> str:
        status = top.data.get("status", ReferentialVersion.Status.DRAFT)
        if status not in STATUSES:
            top.error(
                _("statut inconnu « %(value)s » ; valeurs possibles : %(choices)s.")
                % {"value": status, "choices": ", ".join(STATUSES)}
            )
        return status

    def _axis(self, raw: Any, index: int, objective_codes: set[str]) -> AxisData | None:
        if not isinstance(raw, Mapping):
            self.errors.append(_("Axe n° %(index)s : doit être un objet.") % {"index": index})
            return None
        fields = Fields(raw, _where(_("Axe"), raw.get("code", index), _line(raw)), self.errors)
        fields.unknown_keys(AXIS_KEYS)
        axis = AxisData(
            number=fields.integer("number"),
            code=fields.text("code", max_length=10),
            title=fields.text("title", max_length=255),
            objectives=[],
            line=_line(raw),
        )
        for position, raw_objective in enumerate(
            fields.items("objectives", allow_empty=False), start=1
        ):
            objective = self._objective(raw_objective, axis, position)
            if objective is None:
                continue
            if objective.code in objective_codes:
                self.errors.append(
                    _("%(where)s : code d'objectif en double.")
                    % {"where": _where(_("Objectif"), objective.code, objective.line)}
                )
            objective_codes.add(objective.code)
            axis.objectives.append(objective)
        return axis

    def _objective(self, raw: Any, axis: AxisData, position: int) -> ObjectiveData | None:
        if not isinstance(raw, Mapping):
            self.errors.append(
                _("Axe « %(axis)s », objectif n° %(index)s : doit être un objet.")
                % {"axis": axis.code, "index": position}
            )
            return None
        where = _where(_("Objectif"), raw.get("code", position), _line(raw))
        fields = Fields(raw, where, self.errors)
        fields.unknown_keys(OBJECTIVE_KEYS)
        objective = ObjectiveData(
            number=fields.integer("number"),
            code=fields.text("code", max_length=max_length(Objective, "code")),
            title=fields.text("title", max_length=max_length(Objective, "title")),
            national_only=fields.boolean("national_only", False),
            requirements=[],
            line=_line(raw),
        )
        raw_requirements = fields.items("requirements", allow_empty=True)
        if objective.national_only and raw_requirements:
            fields.error(
                _(
                    "un objectif national (national_only: true) ne porte aucune exigence d'établissement."
                )
            )
        for index, raw_requirement in enumerate(raw_requirements, start=1):
            requirement = self._requirement(raw_requirement, objective, index)
            if requirement is not None:
                objective.requirements.append(requirement)
        return objective

    def _requirement(
        self, raw: Any, objective: ObjectiveData, index: int
    ) -> RequirementData | None:
        code = raw.get("code") if isinstance(raw, Mapping) else None
        ident = (
            code
            if isinstance(code, str) and code
            else _("n° %(index)s de l'objectif %(objective)s")
            % {"index": index, "objective": objective.code}
        )
        where = _where(_("Exigence"), ident, _line(raw))
        if not isinstance(raw, Mapping):
            self.errors.append(_("%(where)s : doit être un objet.") % {"where": where})
            return None
        fields = Fields(raw, where, self.errors)
        fields.unknown_keys(REQUIREMENT_KEYS)
        code = fields.text("code", max_length=max_length(Requirement, "code"))
        if code and not REQUIREMENT_CODE.match(code):
            fields.error(_("le code doit être en majuscules, chiffres et tirets (ex. GOV-RSSI)."))
        if code in self.requirements:
            fields.error(
                _("code d'exigence en double (déjà utilisé : %(where)s).")
                % {"where": self.requirement_where[code]}
            )
        rule, answer_type = self._rule(fields)
        share, population = self._target(fields)
        self.order += 1
        requirement = RequirementData(
            code=code,
            label=fields.text("label"),
            help_text=fields.text("help", required=False),
            care_action=self._care_action(fields, objective),
            applies_to=self._applies_to(fields),
            answer_type=answer_type,
            rule=rule,
            weight=self._weight(fields),
            deadline=fields.date("deadline", key_required=True),
            deadline_label=fields.text(
                "deadline_label",
                required=False,
                max_length=max_length(Requirement, "deadline_label"),
            ),
            national_target_share=share,
            national_target_population=population,
            domain=self._domain(fields),
            funding_call=fields.text(
                "funding_call", required=False, max_length=max_length(Requirement, "funding_call")
            ),
            not_applicable_allowed=fields.boolean("not_applicable_allowed", False),
            required=fields.boolean("required", True),
            headline=fields.choice("headline", HEADLINES, label=_("cible phare")),
            prerequisite=fields.boolean("prerequisite", False),
            condition=self._condition(fields),
            recommendation=fields.text("recommendation"),
            order=self.order,
            source=fields.choice("source", SOURCES, label=_("source")),
            source_ref=fields.text(
                "source_ref", required=False, max_length=max_length(Requirement, "source_ref")
            ),
            also_feeds=self._also_feeds(fields),
            threshold_source=fields.choice("threshold_source", SOURCES, label=_("source du seuil")),
            answered_by=fields.choice("answered_by", ANSWERED_BY, label=_("« answered_by »"))
            or AnsweredBy.ESTABLISHMENT,
            reason_required_for_na=fields.boolean("reason_required_for_na", False),
            answered_at=fields.choice("answered_at", ANSWERED_AT, label=_("« answered_at »")),
            due_date_from=fields.text(
                "due_date_from", required=False, max_length=max_length(Requirement, "due_date_from")
            ),
            line=_line(raw),
        )
        if requirement.domain and self.sections.domain_titles:
            requirement.domain_title = self.sections.domain_titles[requirement.domain]
        if requirement.prerequisite and not requirement.domain:
            fields.error(_("un prérequis (prerequisite: true) doit indiquer son domaine."))
        self._check_own_fields(fields, requirement)
        if code and code not in self.requirements:
            self.requirements[code] = requirement
            self.requirement_where[code] = where
            self.citations[code] = (self._cited_resources(fields), where)
        return requirement

    def _cited_resources(self, fields: Fields) -> list[str]:
        """The codes of the resources an item cites (a list of texts, possibly absent)."""
        codes = fields.items("resources", allow_empty=True)
        if not all(isinstance(code, str) and code for code in codes):
            fields.error(_("« resources » est une liste de codes de ressources."))
            return []
        return codes

    def _resolve_resources(self, resources: list[dict]) -> None:
        """Each item gets the resources it cites, as the ``resources`` section gives them."""
        resolved = resolve_citations(self.citations, resources, errors=self.errors)
        for code, cited in resolved.items():
            self.requirements[code].resources = cited

    def _domain(self, fields: Fields) -> str:
        """A domain of the version's ``domains`` section, or of version 1's (D1..D4)."""
        titles = self.sections.domain_titles
        return fields.choice("domain", tuple(titles) if titles else DOMAINS, label=_("domaine"))

    def _also_feeds(self, fields: Fields) -> list[str]:
        value = fields.data.get("also_feeds")
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(ref, str) for ref in value):
            fields.error(_("« also_feeds » doit lister des références (ex. « 3-2 », « D2:P2 »)."))
            return []
        for ref in value:
            if not (PLAN_ACTION.match(ref) or FUNDING_CALL_REF.match(ref)):
                fields.error(
                    _(
                        "« also_feeds » : référence « %(ref)s » invalide : une action du plan "
                        "(« 3-2 ») ou un appel et son objectif (« D2:O1.B »)."
                    )
                    % {"ref": ref}
                )
        return list(value)

    def _check_own_fields(self, fields: Fields, requirement: RequirementData) -> None:
        """What a requirement says of itself: its source, who answers it, its N/A reason."""
        if requirement.reason_required_for_na and not requirement.not_applicable_allowed:
            fields.error(
                _(
                    "« reason_required_for_na » n'a de sens que si « non applicable » est "
                    "autorisé (not_applicable_allowed: true)."
                )
            )
        if requirement.answered_at == AnsweredAt.EJ and (
            requirement.applies_to == ["GHT"] or requirement.answered_by != AnsweredBy.ESTABLISHMENT
        ):
            fields.error(
                _(
                    "« answered_at: EJ » : une réponse par entité juridique se donne par "
                    "l'établissement, pour ses sites (ni exigence de niveau GHT, ni exigence "
                    "renseignée par l'ARS)."
                )
            )
        if requirement.answered_by == AnsweredBy.ARS:
            if requirement.required or requirement.headline:
                fields.error(
                    _(
                        "une exigence renseignée par l'ARS (answered_by: ars) n'est pas posée à "
                        "l'établissement : « required: false » et « headline: null »."
                    )
                )
            if requirement.deadline is not None:
                fields.error(
                    _(
                        "une exigence renseignée par l'ARS n'est jamais une échéance de "
                        "l'établissement : « deadline: null »."
                    )
                )
        source, ref = requirement.source, requirement.source_ref
        if source == Source.PLAN and not PLAN_ACTION.match(ref):
            fields.error(
                _(
                    "une cible du plan (source: plan) donne son action dans « source_ref » "
                    "(ex. « 3-3 ») ; reçu : %(ref)r."
                )
                % {"ref": ref or None}
            )
        elif source == Source.PLAN and ref.split("-")[0] != requirement.care_action.split("-")[0]:
            fields.error(
                _("« source_ref » %(ref)s n'est pas une action de « care_action » (%(action)s).")
                % {"ref": ref, "action": requirement.care_action}
            )
        if source == Source.FUNDING_CALL and not FUNDING_CALL_REF.match(ref):
            fields.error(
                _(
                    "un objectif d'appel à financement (source: funding_call) donne l'appel et "
                    "l'objectif dans « source_ref » (ex. « D2:O1.C ») ; reçu : %(ref)r."
                )
                % {"ref": ref or None}
            )
        if source == Source.PORTAL and ref:
            fields.error(
                _(
                    "une recommandation du portail (source: portal) ne cite ni action ni appel : "
                    "« source_ref: null »."
                )
            )
        if not source and (ref or requirement.threshold_source or requirement.also_feeds):
            fields.error(
                _("« source_ref », « threshold_source » et « also_feeds » demandent « source ».")
            )
        has_threshold = requirement.answer_type in THRESHOLD_RULES
        if source and has_threshold and not requirement.threshold_source:
            fields.error(
                _(
                    "la règle fixe un seuil : dites qui l'a fixé (threshold_source: plan, "
                    "funding_call ou portal)."
                )
            )
        if requirement.threshold_source and not has_threshold:
            fields.error(_("la règle ne fixe aucun seuil : « threshold_source: null »."))
        if source == Source.PORTAL and requirement.threshold_source not in ("", Source.PORTAL):
            fields.error(
                _("le seuil d'une recommandation du portail est celui du portail (portal).")
            )

    def _check_requirement_sources(self) -> None:
        """Across the file: every item says its source or none does; domains and targets agree."""
        with_source = [code for code, r in self.requirements.items() if r.source]
        if with_source and len(with_source) != len(self.requirements):
            missing = [code for code, r in self.requirements.items() if not r.source]
            self.errors.append(
                _(
                    "Exigences : cette version donne la source de ses exigences ; il manque "
                    "« source » à %(codes)s."
                )
                % {"codes": ", ".join(missing)}
            )
        domain_titles = self.sections.domain_titles
        for code, requirement in self.requirements.items():
            where = self.requirement_where[code]
            calls = [requirement.source_ref] if requirement.source == Source.FUNDING_CALL else []
            calls += [ref for ref in requirement.also_feeds if FUNDING_CALL_REF.match(ref)]
            for ref in calls:
                call = ref.split(":")[0]
                if domain_titles is None or call not in domain_titles:
                    self.errors.append(
                        _(
                            "%(where)s : l'appel « %(call)s » n'est pas un domaine de cette "
                            "version (section « domains »)."
                        )
                        % {"where": where, "call": call}
                    )
        self.sections.check_requirements()

    def _rule(self, fields: Fields) -> tuple[dict[str, Any], str]:
        raw = fields.data.get("rule")
        if raw is None:
            fields.error(_("le champ « rule » est obligatoire."))
            return {}, ""
        try:
            rule = get_rule(raw)
            rule.check_params()
        except RuleParamError as error:
            fields.error(error.message)
            return {}, ""
        answer_type = fields.data.get("answer_type", rule.type)
        if answer_type != rule.type:
            fields.error(
                _("« answer_type » (%(answer_type)s) doit être le type de la règle (%(type)s).")
                % {"answer_type": answer_type, "type": rule.type}
            )
        self.rules[fields.data.get("code")] = rule
        return dict(rule.params), rule.type

    def _care_action(self, fields: Fields, objective: ObjectiveData) -> str:
        action = fields.text("care_action", max_length=max_length(Requirement, "care_action"))
        if not action:
            return ""
        if not CARE_ACTION.match(action):
            fields.error(
                _(
                    "numéro d'action CaRE « %(action)s » invalide (ex. « 2-1 », « 14 », « 6-1, 6-2 »)."
                )
                % {"action": action}
            )
        elif any(part.split("-")[0] != objective.code for part in action.split(", ")):
            fields.error(
                _("l'action CaRE « %(action)s » n'appartient pas à l'objectif %(objective)s.")
                % {"action": action, "objective": objective.code}
            )
        return action

    def _applies_to(self, fields: Fields) -> list[str]:
        value = fields.data.get("applies_to")
        if not isinstance(value, list) or not value:
            fields.error(
                _("« applies_to » doit lister au moins un type parmi %(kinds)s.")
                % {"kinds": ", ".join(KINDS)}
            )
            return []
        unknown = [str(kind) for kind in value if kind not in KINDS]
        if unknown:
            fields.error(
                _("type d'établissement inconnu %(unknown)s ; valeurs possibles : %(kinds)s.")
                % {"unknown": ", ".join(unknown), "kinds": ", ".join(KINDS)}
            )
        if len(set(value)) != len(value):
            fields.error(_("« applies_to » cite deux fois le même type."))
        return [kind for kind in KINDS if kind in value]

    def _weight(self, fields: Fields) -> float:
        value = fields.data.get("weight")
        if not is_number(value) or value <= 0:
            fields.error(
                _("le poids (weight) doit être un nombre strictement positif (reçu : %(value)r).")
                % {"value": value}
            )
            return 0.0
        return value

    def _target(self, fields: Fields) -> tuple[float | None, str]:
        if "national_target" not in fields.data:
            return None, ""
        target = fields.mapping("national_target", TARGET_KEYS)
        if target is None:
            return None, ""
        share = target.get("share")
        if share is not None and (not is_number(share) or not 0 <= share <= 100):
            fields.error(
                _(
                    "la part de la cible nationale doit être un nombre de 0 à 100 (reçu : %(value)r)."
                )
                % {"value": share}
            )
            share = None
        population = target.get("population")
        limit = max_length(Requirement, "national_target_population")
        if not isinstance(population, str) or not population.strip() or len(population) > limit:
            fields.error(
                _(
                    "la cible nationale doit nommer sa population (texte de %(max)s caractères au plus)."
                )
                % {"max": limit}
            )
            population = ""
        return share, population.strip()

    def _condition(self, fields: Fields) -> dict[str, Any] | None:
        condition = fields.mapping("condition", CONDITION_KEYS)
        if condition is None:
            return None
        target = condition.get("requirement")
        values = condition.get("in")
        if not isinstance(target, str) or not target:
            fields.error(
                _("la condition doit nommer l'exigence dont elle dépend (« requirement »).")
            )
        if not isinstance(values, list) or not values:
            fields.error(_("la condition doit lister les réponses qui la déclenchent (« in »)."))
            values = []
        return {"requirement": target, "in": list(values)}

    def _check_due_dates(self) -> None:
        """``due_date_from`` names another requirement of the file whose answer is a date."""
        for code, requirement in self.requirements.items():
            target_code = requirement.due_date_from
            if not target_code:
                continue
            where = self.requirement_where[code]
            target = self.requirements.get(target_code)
            if target_code == code or target is None:
                self.errors.append(
                    _(
                        "%(where)s : « due_date_from » nomme une exigence inconnue « %(target)s » "
                        "(une autre exigence de ce fichier, de type « date »)."
                    )
                    % {"where": where, "target": target_code}
                )
            elif target.answer_type != "date":
                self.errors.append(
                    _(
                        "%(where)s : « due_date_from » nomme « %(target)s », dont la réponse "
                        "n'est pas une date (answer_type: date)."
                    )
                    % {"where": where, "target": target_code}
                )
            if requirement.deadline is not None:
                self.errors.append(
                    _("%(where)s : l'échéance vient de « due_date_from » : « deadline: null ».")
                    % {"where": where}
                )

    def _check_conditions(self) -> None:
        """Conditions name an existing requirement, valid answers of it, and make no loop."""
        for code, requirement in self.requirements.items():
            condition = requirement.condition
            if not condition or not isinstance(condition["requirement"], str):
                continue
            where = self.requirement_where[code]
            target_code = condition["requirement"]
            target = self.requirements.get(target_code)
            if target_code == code:
                self.errors.append(
                    _("%(where)s : la condition ne peut pas porter sur l'exigence elle-même.")
                    % {"where": where}
                )
                continue
            if target is None:
                self.errors.append(
                    _("%(where)s : la condition porte sur une exigence inconnue « %(target)s ».")
                    % {"where": where, "target": target_code}
                )
                continue
            missing = set(requirement.applies_to) - set(target.applies_to)
            if missing:
                self.errors.append(
                    _(
                        "%(where)s : la condition porte sur « %(target)s », qui ne s'applique "
                        "pas à %(kinds)s."
                    )
                    % {"where": where, "target": target_code, "kinds": ", ".join(sorted(missing))}
                )
            check_answers(
                self.rules.get(target_code),
                condition["in"],
                where=where,
                target=target_code,
                what=_("la condition"),
                errors=self.errors,
            )
        self._check_condition_loops()

    def _check_condition_loops(self) -> None:
        reported: set[str] = set()
        for code in self.requirements:
            path = [code]
            while True:
                condition = self.requirements[path[-1]].condition
                next_code = condition and condition.get("requirement")
                if next_code not in self.requirements or next_code == path[-1]:
                    break
                if next_code in path:
                    loop = path[path.index(next_code) :]
                    if not reported & set(loop):
                        reported.update(loop)
                        self.errors.append(
                            _("%(where)s : conditions en boucle (%(path)s).")
                            % {
                                "where": self.requirement_where[next_code],
                                "path": " → ".join([*loop, next_code]),
                            }
                        )
                    break
                path.append(next_code)


def parse_referential(data: Any, *, previous=None) -> ReferentialData:
    """Check a referential read from YAML; raise ReferentialFileError listing every problem.

    ``previous(code, version)`` gives the requirements of an earlier version as {code: rule
    type}, or None when it is unknown: the code map of the file is checked against it.
    """
    return _Parser(previous).parse(data)

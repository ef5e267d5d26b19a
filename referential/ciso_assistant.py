"""A referential version as a CISO Assistant library, and such a library as a draft version.

CISO Assistant (intuitem) loads frameworks from YAML *libraries*::

    urn: urn:care:risk:library:care-v2
    locale: fr
    ref_id: CARE-2
    name: ...                      description, copyright, version, publication_date,
    provider: ...                  packager, dependencies
    objects:
      framework:
        urn: urn:care:risk:framework:care-v2
        ref_id: CARE-2
        name: ...
        implementation_groups_definition: [{ref_id: ES, name: ...}, ...]
        requirement_nodes:
          - urn: urn:care:risk:req_node:care-v2:axe-1       # an axis: depth 1
            assessable: false
            depth: 1
            ref_id: "1"
            name: ...
          - urn: urn:care:risk:req_node:care-v2:objectif-2  # an objective: depth 2
            parent_urn: urn:care:risk:req_node:care-v2:axe-1
            ...
          - urn: urn:care:risk:req_node:care-v2:gov-rssi    # a requirement: depth 3
            assessable: true
            implementation_groups: [ES, ESSMS]
            questions: {<urn>:question:1: {type: unique_choice, text: ..., choices: [...]}}
      requirement_mapping_sets: [...]                        # the version's mappings

URNs follow CISO Assistant's grammar (``urn:<packager>:risk:<type>:<id>``, lower case). Each
node also carries a ``care_portal`` key with what the portal needs to rebuild it (its rule,
weight, deadline…): CISO Assistant ignores keys it does not know, and importing the file back
gives the same requirements.

Importing a library creates a **draft** version (the next free number of its code): the
requirements without a ``care_portal`` rule arrive as yes / partially / no items whose
recommendation says they are to be reviewed before publishing. The whole file is checked
first; any problem (naming the key and the node) and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from referential.data import ReferentialFileError
from referential.loader import LoadResult, load_referential
from referential.mappings import EQUAL
from referential.models import ReferentialVersion, Requirement
from referential.rules import get_rule
from referential.schema import REFERENTIAL_CODE, REQUIREMENT_CODE
from referential.yaml_file import read_referential_yaml

PACKAGER = "care"
MAX_LIBRARY_BYTES = 5 * 1024 * 1024
MAX_NODES = 5000
# CISO Assistant's URN grammar (core.models.URN_REGEX), in the lower case it stores.
URN = re.compile(
    r"^urn:([a-z0-9_-]+):([a-z0-9_-]+):([a-z0-9_-]+)(?::([a-z0-9_-]+))?:([0-9a-z\[\]()\-._:]+)$"
)
LIBRARY_REQUIRED = ("urn", "locale", "ref_id", "objects", "version")
FRAMEWORK_REQUIRED = ("urn", "ref_id")
KINDS = {
    "ES": "Établissements de santé",
    "ESSMS": "Établissements et services sociaux et médico-sociaux",
    "GHT": "Groupements hospitaliers de territoire (niveau GHT)",
}
REVIEW_NOTE = (
    "À revoir avant publication : exigence importée d'une bibliothèque CISO Assistant sans "
    "règle du portail, notée oui / partiellement / non."
)
# CISO Assistant's results of an answer choice.
COMPLIANT, PARTIAL, NON_COMPLIANT, NOT_APPLICABLE = (
    "compliant",
    "partially_compliant",
    "non_compliant",
    "not_applicable",
)


class LibraryRejected(ReferentialFileError):
    """The file is not a CISO Assistant library the portal can import; nothing was written."""


# --- export -----------------------------------------------------------------------------------


def framework_id(referential: ReferentialVersion) -> str:
    return f"{referential.code.lower()}-v{referential.version}"


def _urn(kind: str, ident: str) -> str:
    return f"urn:{PACKAGER}:risk:{kind}:{ident}".lower()


def _node_urn(referential, ident: str) -> str:
    return _urn("req_node", f"{framework_id(referential)}:{ident}")


def _requirement_fields(requirement: Requirement) -> dict[str, Any]:
    """The requirement as the portal's YAML writes it (see docs/referential.md)."""
    fields: dict[str, Any] = {
        "code": requirement.code,
        "label": requirement.label,
        "care_action": requirement.care_action,
        "applies_to": list(requirement.applies_to),
        "answer_type": requirement.answer_type,
        "rule": dict(requirement.rule),
        "weight": requirement.weight,
        "deadline": requirement.deadline.isoformat() if requirement.deadline else None,
        "recommendation": requirement.recommendation,
    }
    optional = {
        "help": requirement.help_text,
        "deadline_label": requirement.deadline_label,
        "domain": requirement.domain,
        "funding_call": requirement.funding_call,
        "headline": requirement.headline,
        "condition": requirement.condition,
        "source": requirement.source,
        "source_ref": requirement.source_ref,
        "also_feeds": list(requirement.also_feeds or []),
        "threshold_source": requirement.threshold_source,
        "answered_at": requirement.answered_at,
        "due_date_from": requirement.due_date_from,
        "resources": [resource["code"] for resource in requirement.resources or ()],
    }
    fields.update({key: value for key, value in optional.items() if value})
    if requirement.national_target_share is not None or requirement.national_target_population:
        fields["national_target"] = {
            "share": requirement.national_target_share,
            "population": requirement.national_target_population,
        }
    for key, default in (
        ("not_applicable_allowed", False),
        ("required", True),
        ("prerequisite", False),
        ("reason_required_for_na", False),
    ):
        if getattr(requirement, key) != default:
            fields[key] = getattr(requirement, key)
    if requirement.answered_by != "establishment":
        fields["answered_by"] = requirement.answered_by
    return fields


def _choice(question_urn: str, number: int, value: str, result: str) -> dict[str, str]:
    return {"urn": f"{question_urn}:choice:{number}", "value": value, "compute_result": result}


def _level_result(score: float) -> str:
    return COMPLIANT if score >= 1 else NON_COMPLIANT if score <= 0 else PARTIAL


def _questions(requirement: Requirement, node_urn: str) -> dict[str, dict]:
    """The answer(s) asked, as CISO Assistant questions with their choices."""
    rule = get_rule(requirement.rule)
    urn = f"{node_urn}:question:1"
    question: dict[str, Any] = {"text": requirement.label}
    if rule.type in ("boolean", "tristate", "level"):
        if rule.type == "boolean":
            options = [("Oui", COMPLIANT), ("Non", NON_COMPLIANT)]
        elif rule.type == "tristate":
            options = [("Oui", COMPLIANT), ("Partiellement", PARTIAL), ("Non", NON_COMPLIANT)]
        else:
            labels = rule.params.get("labels") or {}
            options = [
                (labels.get(key) or f"Niveau {key}", _level_result(score))
                for key, score in rule.params["choices"].items()
            ]
        if requirement.not_applicable_allowed:
            options.append(("Non applicable", NOT_APPLICABLE))
        question.update(
            type="unique_choice",
            choices=[
                _choice(urn, number, value, result)
                for number, (value, result) in enumerate(options, start=1)
            ],
        )
        return {urn: question}
    if rule.type == "ratio_at_least":
        return {
            urn: {"type": "number", "text": f"{requirement.label} — montant mesuré (€)"},
            f"{node_urn}:question:2": {
                "type": "number",
                "text": f"{requirement.label} — montant total de référence (€)",
            },
        }
    question["type"] = {
        "percent_at_least": "number",
        "within_days": "date",
        "date": "date",
        "person_named": "text",
    }[rule.type]
    return {urn: question}


def export_library(referential: ReferentialVersion, *, with_mappings: bool = True) -> dict:
    """The version as a CISO Assistant library (a dict ready to write as YAML)."""
    referential = ReferentialVersion.objects.with_content().get(pk=referential.pk)
    ident = framework_id(referential)
    framework_urn = _urn("framework", ident)
    nodes: list[dict[str, Any]] = []
    urn_of: dict[str, str] = {}
    for axis in referential.axes.all():
        axis_urn = _node_urn(referential, f"axe-{axis.code}")
        nodes.append(
            {
                "urn": axis_urn,
                "assessable": False,
                "depth": 1,
                "ref_id": axis.code,
                "name": f"Axe {axis.number} — {axis.title}",
                "care_portal": {"number": axis.number, "code": axis.code, "title": axis.title},
            }
        )
        for objective in axis.objectives.all():
            objective_urn = _node_urn(referential, f"objectif-{objective.code}")
            nodes.append(
                {
                    "urn": objective_urn,
                    "assessable": False,
                    "depth": 2,
                    "parent_urn": axis_urn,
                    "ref_id": f"{axis.code}.{objective.code}",
                    "name": f"Objectif {objective.number} — {objective.title}",
                    "care_portal": {
                        "number": objective.number,
                        "code": objective.code,
                        "title": objective.title,
                        "national_only": objective.national_only,
                    },
                }
            )
            for requirement in objective.requirements.all():
                node_urn = _node_urn(referential, requirement.code)
                urn_of[requirement.code] = node_urn
                node = {
                    "urn": node_urn,
                    "assessable": True,
                    "depth": 3,
                    "parent_urn": objective_urn,
                    "ref_id": requirement.code,
                    "name": requirement.label,
                    "description": requirement.recommendation,
                    "implementation_groups": [
                        kind for kind in requirement.applies_to if kind in KINDS
                    ],
                    "questions": _questions(requirement, node_urn),
                    "care_portal": _requirement_fields(requirement),
                }
                if requirement.help_text:
                    node["typical_evidence"] = requirement.help_text
                nodes.append(node)
    library: dict[str, Any] = {
        "urn": _urn("library", ident),
        "locale": "fr",
        "ref_id": f"{referential.code}-{referential.version}",
        "name": referential.title,
        "description": _("Référentiel %(label)s du portail CaRE : %(title)s.")
        % {"label": referential.label, "title": referential.title},
        "copyright": referential.source or _("Programme CaRE"),
        "version": referential.version,
        "provider": referential.source or "CaRE",
        "packager": PACKAGER,
    }
    if referential.published_on:
        library["publication_date"] = referential.published_on
    library["care_portal"] = {
        "code": referential.code,
        "version": referential.version,
        "title": referential.title,
        "source": referential.source,
        **({"domains": referential.domains} if referential.domains else {}),
        **({"resources": referential.resources} if referential.resources else {}),
    }
    library["objects"] = {
        "framework": {
            "urn": framework_urn,
            "ref_id": f"{referential.code}-{referential.version}",
            "name": referential.title,
            "description": library["description"],
            "implementation_groups_definition": [
                {"ref_id": kind, "name": name, "description": None} for kind, name in KINDS.items()
            ],
            "requirement_nodes": nodes,
        }
    }
    mapping_sets = _mapping_sets(referential, framework_urn, urn_of) if with_mappings else []
    if mapping_sets:
        library["objects"]["requirement_mapping_sets"] = mapping_sets
        library["dependencies"] = sorted(
            {s["target_framework_urn"].replace(":framework:", ":library:") for s in mapping_sets}
        )
    return library


def _mapping_sets(referential, framework_urn: str, urn_of: dict[str, str]) -> list[dict]:
    """The version's mappings to frameworks CISO Assistant knows by URN (requirement_mapping_sets)."""
    sets = []
    for framework in referential.mappings or ():
        if not (framework.get("framework_urn") and framework.get("node_urn_prefix")):
            continue
        prefix = framework["node_urn_prefix"]
        mappings = [
            {
                "source_requirement_urn": urn_of[item["requirement"]],
                "target_requirement_urn": f"{prefix}:{target}".lower(),
                "relationship": "equal" if item["relationship"] == EQUAL else "intersect",
                **({"annotation": item["note"]} if item["note"] else {}),
            }
            for item in framework["items"]
            if item["requirement"] in urn_of
            for target in item["targets"]
        ]
        ident = f"{framework_id(referential)}-{framework['framework']}"
        sets.append(
            {
                "urn": _urn("req_mapping_set", ident),
                "ref_id": ident,
                "name": f"{referential.code} v{referential.version} ↔ {framework['name']}",
                "description": framework["source"],
                "source_framework_urn": framework_urn,
                "target_framework_urn": framework["framework_urn"],
                "requirement_mappings": mappings,
            }
        )
    return sets


def library_yaml(referential: ReferentialVersion, *, with_mappings: bool = True) -> str:
    return yaml.safe_dump(
        export_library(referential, with_mappings=with_mappings),
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )


def library_filename(referential: ReferentialVersion) -> str:
    return f"ciso-assistant-{framework_id(referential)}.yaml"


# --- import -----------------------------------------------------------------------------------


def _line_of(data: Any) -> str:
    line = getattr(data, "line", None)
    return f" ({_('ligne')} {line})" if line else ""


class _Checker:
    """Collects the problems of a library file, each naming its key and node."""

    def __init__(self):
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where} : {message}")

    def text(self, data: Mapping, key: str, where: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(where, _("la clé « %(key)s » est obligatoire.") % {"key": key})
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(
                where,
                _("la clé « %(key)s » doit être un texte (reçu : %(value)r).")
                % {
                    "key": key,
                    "value": value,
                },
            )
            return ""
        return str(value).strip()

    def urn(self, data: Mapping, key: str, where: str, kind: str | None = None) -> str:
        value = self.text(data, key, where, required=True)
        if not value:
            return ""
        match = URN.match(value.lower())
        if not match:
            self.error(
                where,
                _(
                    "« %(key)s » n'est pas une URN de CISO Assistant "
                    "(urn:fournisseur:risk:type:identifiant) : %(value)s."
                )
                % {"key": key, "value": value},
            )
        elif kind and match.group(3) != kind:
            self.error(
                where,
                _("« %(key)s » doit être une URN de type « %(kind)s » : %(value)s.")
                % {"key": key, "kind": kind, "value": value},
            )
        return value.lower()


def _read_library_text(source: str | Path | bytes) -> str:
    if isinstance(source, bytes):
        raw = source
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_LIBRARY_BYTES:
                raise LibraryRejected(
                    [_("Le fichier dépasse 5 Mo : ce n'est pas une bibliothèque.")]
                )
            raw = path.read_bytes()
        except FileNotFoundError:
            raise LibraryRejected([_("Fichier introuvable : %(path)s.") % {"path": path}]) from None
    if len(raw) > MAX_LIBRARY_BYTES:
        raise LibraryRejected([_("Le fichier dépasse 5 Mo : ce n'est pas une bibliothèque.")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LibraryRejected(
            [_("Le fichier doit être encodé en UTF-8 (octet %(pos)s).") % {"pos": error.start}]
        ) from None


def _framework_of(library: Mapping, check: _Checker) -> Mapping | None:
    objects = library.get("objects")
    if not isinstance(objects, Mapping):
        return None  # reported with the required keys
    framework = objects.get("framework")
    frameworks = objects.get("frameworks")
    if framework is None and isinstance(frameworks, list) and len(frameworks) == 1:
        framework = frameworks[0]
    elif framework is None and isinstance(frameworks, list) and len(frameworks) > 1:
        check.error(
            "objects.frameworks",
            _("la bibliothèque contient %(count)d référentiels ; le portail en importe un seul.")
            % {"count": len(frameworks)},
        )
        return None
    if not isinstance(framework, Mapping):
        check.error(
            "objects",
            _(
                "aucun référentiel (clé « framework ») : cette bibliothèque ne décrit pas "
                "d'exigences (matrice de risques, mesures, correspondances…)."
            ),
        )
        return None
    return framework


def _sanitized_code(ref_id: str) -> str:
    code = re.sub(r"[^A-Z0-9]+", "-", ref_id.upper()).strip("-")
    return code


class _Importer:
    def __init__(self, library: Any):
        self.check = _Checker()
        self.library = library

    def parse(self) -> dict[str, Any]:
        library = self.library
        check = self.check
        if not isinstance(library, Mapping):
            raise LibraryRejected(
                [
                    _(
                        "Le fichier n'est pas une bibliothèque CISO Assistant (un objet YAML avec urn, "
                        "locale, ref_id, version, objects)."
                    )
                ]
            )
        where = _("Bibliothèque") + _line_of(library)
        for key in LIBRARY_REQUIRED:
            if key not in library:
                check.error(where, _("la clé « %(key)s » est obligatoire.") % {"key": key})
        library_urn = check.urn(library, "urn", where, "library") if "urn" in library else ""
        version = library.get("version")
        if "version" in library and (
            isinstance(version, bool) or not isinstance(version, int) or version <= 0
        ):
            check.error(
                where,
                _("« version » doit être un entier positif (reçu : %(value)r).")
                % {"value": version},
            )
        extension = (
            library.get("care_portal") if isinstance(library.get("care_portal"), Mapping) else {}
        )
        framework = _framework_of(library, check) if "objects" in library else None
        if framework is None:
            raise LibraryRejected(check.errors)
        fw_where = _("Référentiel « %(ref)s »") % {"ref": framework.get("ref_id", "?")} + _line_of(
            framework
        )
        for key in FRAMEWORK_REQUIRED:
            if key not in framework:
                check.error(fw_where, _("la clé « %(key)s » est obligatoire.") % {"key": key})
        if "urn" in framework:
            check.urn(framework, "urn", fw_where, "framework")
        ref_id = check.text(framework, "ref_id", fw_where)
        name = check.text(framework, "name", fw_where) or ref_id
        nodes = framework.get("requirement_nodes")
        if not isinstance(nodes, list) or not nodes:
            check.error(
                fw_where,
                _("« requirement_nodes » doit lister les nœuds d'exigences du référentiel."),
            )
            raise LibraryRejected(check.errors)
        if len(nodes) > MAX_NODES:
            check.error(
                fw_where,
                _("plus de %(max)d nœuds : ce n'est pas un référentiel que le portail importe.")
                % {"max": MAX_NODES},
            )
            raise LibraryRejected(check.errors)
        parsed_nodes = self._nodes(nodes)
        code = str(extension.get("code") or "") or _sanitized_code(ref_id)
        if code and not REFERENTIAL_CODE.match(code):
            check.error(
                fw_where,
                _("« ref_id » « %(ref)s » ne donne pas un code de référentiel valide.")
                % {"ref": ref_id},
            )
        if check.errors:
            raise LibraryRejected(check.errors)
        source = _("Bibliothèque CISO Assistant %(urn)s, version %(version)s") % {
            "urn": library_urn,
            "version": version,
        }
        provider = self.check.text(library, "provider", where)
        if provider:
            source += f" ({provider})"
        data: dict[str, Any] = {
            "code": code,
            "version": 0,  # set when writing: the next free number
            "title": str(extension.get("title") or name)[:255],
            "published_on": None,
            "source": source,
            "status": ReferentialVersion.Status.DRAFT,
            "axes": self._axes(parsed_nodes, name),
        }
        for section in ("domains", "resources"):
            if isinstance(extension.get(section), list):
                data[section] = extension[section]
        return data

    def _nodes(self, nodes: list) -> list[dict]:
        check = self.check
        seen: dict[str, int] = {}
        parsed = []
        for index, node in enumerate(nodes, start=1):
            if not isinstance(node, Mapping):
                check.error(
                    _("Nœud n° %(index)d") % {"index": index}, _("doit être un objet YAML.")
                )
                continue
            label = node.get("ref_id") or node.get("urn") or index
            where = _("Nœud « %(node)s »") % {"node": label} + _line_of(node)
            urn = check.urn(node, "urn", where, "req_node")
            if urn in seen:
                check.error(
                    where, _("URN en double (déjà le nœud n° %(index)d).") % {"index": seen[urn]}
                )
            seen[urn] = index
            parent = node.get("parent_urn")
            if parent is not None:
                parent = check.urn(node, "parent_urn", where, "req_node")
                if parent and parent not in seen:
                    check.error(
                        where,
                        _("« parent_urn » %(parent)s ne désigne aucun nœud qui le précède.")
                        % {"parent": parent},
                    )
            assessable = node.get("assessable", False)
            if not isinstance(assessable, bool):
                check.error(
                    where,
                    _("« assessable » vaut true ou false (reçu : %(value)r).")
                    % {"value": assessable},
                )
                assessable = False
            depth = node.get("depth")
            if depth is not None and (
                isinstance(depth, bool) or not isinstance(depth, int) or depth < 1
            ):
                check.error(
                    where,
                    _("« depth » doit être un entier positif (reçu : %(value)r).")
                    % {"value": depth},
                )
            groups = node.get("implementation_groups")
            if groups is not None and (
                not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)
            ):
                check.error(
                    where, _("« implementation_groups » doit lister des identifiants de groupes.")
                )
                groups = None
            questions = node.get("questions")
            if questions is not None and not isinstance(questions, Mapping):
                check.error(
                    where, _("« questions » doit être un objet {urn de la question : question}.")
                )
            extension = node.get("care_portal")
            if extension is not None and not isinstance(extension, Mapping):
                check.error(where, _("« care_portal » doit être un objet."))
                extension = None
            parsed.append(
                {
                    "urn": urn,
                    "parent": parent,
                    "assessable": assessable,
                    "ref_id": check.text(node, "ref_id", where),
                    "name": check.text(node, "name", where),
                    "description": check.text(node, "description", where),
                    "evidence": check.text(node, "typical_evidence", where),
                    "groups": groups,
                    "extension": extension,
                    "where": where,
                    "line": getattr(node, "line", None),
                }
            )
            if assessable and not (parsed[-1]["name"] or parsed[-1]["description"] or extension):
                check.error(where, _("une exigence sans « name » ni « description »."))
        return parsed

    def _axes(self, nodes: list[dict], framework_name: str) -> list[dict]:
        """Axes, objectives and requirements from the tree of nodes."""
        by_urn = {node["urn"]: node for node in nodes}

        def top(node):
            while node["parent"] and node["parent"] in by_urn:
                node = by_urn[node["parent"]]
            return node

        def group_of(node):
            parent = by_urn.get(node["parent"]) if node["parent"] else None
            while parent is not None and parent["assessable"]:
                parent = by_urn.get(parent["parent"]) if parent["parent"] else None
            return parent

        axes: dict[str, dict] = {}
        objectives: dict[str, dict] = {}
        codes: dict[str, str] = {}
        for node in nodes:
            if not node["assessable"]:
                continue
            group = group_of(node)
            axis_node = top(group) if group is not None else None
            if axis_node is group:
                axis_node = None  # a flat framework: one axis, its groups as objectives
            axis_key = axis_node["urn"] if axis_node else ""
            if axis_key not in axes:
                extension = (axis_node or {}).get("extension") or {}
                number = extension.get("number") or len(axes) + 1
                axes[axis_key] = {
                    "number": number,
                    "code": str(extension.get("code") or number),
                    "title": str(
                        extension.get("title")
                        or (axis_node and (axis_node["name"] or axis_node["ref_id"]))
                        or framework_name
                    )[:255],
                    "objectives": [],
                }
            group_key = group["urn"] if group else ""
            if group_key not in objectives:
                extension = (group or {}).get("extension") or {}
                number = extension.get("number") or len(objectives) + 1
                objective = {
                    "number": number,
                    "code": str(extension.get("code") or number),
                    "title": str(
                        extension.get("title")
                        or (group and (group["name"] or group["description"] or group["ref_id"]))
                        or _("Exigences")
                    )[:500],
                    "requirements": [],
                }
                if extension.get("national_only"):
                    objective["national_only"] = True
                objectives[group_key] = objective
                axes[axis_key]["objectives"].append(objective)
            objective = objectives[group_key]
            requirement = self._requirement(node, objective)
            if requirement is None:
                continue
            code = requirement["code"]
            if code in codes:
                self.check.error(
                    node["where"],
                    _("son code « %(code)s » est déjà celui du nœud %(other)s.")
                    % {"code": code, "other": codes[code]},
                )
            codes[code] = node["urn"]
            objective["requirements"].append(requirement)
        # Objectives of the portal's own export without requirements (national ones) come back too.
        for node in nodes:
            extension = node["extension"] or {}
            if node["assessable"] or "national_only" not in extension or node["urn"] in objectives:
                continue
            axis_node = by_urn.get(node["parent"]) if node["parent"] else None
            axis = axes.get(axis_node["urn"] if axis_node else "")
            if axis is not None:
                objectives[node["urn"]] = {
                    "number": extension.get("number"),
                    "code": str(extension.get("code")),
                    "title": str(extension.get("title")),
                    "national_only": bool(extension.get("national_only")),
                    "requirements": [],
                }
                axis["objectives"].append(objectives[node["urn"]])
        for axis in axes.values():
            axis["objectives"].sort(key=lambda o: o["number"])
        if not axes:
            self.check.error(
                _("Référentiel"), _("aucun nœud évaluable (assessable: true) : rien à importer.")
            )
        if self.check.errors:
            raise LibraryRejected(self.check.errors)
        return sorted(axes.values(), key=lambda a: a["number"])

    def _requirement(self, node: dict, objective: dict) -> dict | None:
        extension = node["extension"]
        if extension and "rule" in extension:
            return dict(extension)
        code = _sanitized_code(node["ref_id"] or node["urn"].rsplit(":", 1)[-1])
        if not code or not REQUIREMENT_CODE.match(code):
            self.check.error(
                node["where"],
                _("« ref_id » « %(ref)s » ne donne pas un code d'exigence (lettres et chiffres).")
                % {"ref": node["ref_id"]},
            )
            return None
        label = node["name"] or node["description"]
        help_text = "\n\n".join(
            t for t in (node["description"] if node["name"] else "", node["evidence"]) if t
        )
        kinds = [kind for kind in (node["groups"] or []) if kind in KINDS]
        requirement = {
            "code": code[:40],
            "label": label,
            "care_action": objective["code"],
            "applies_to": kinds or ["ES", "ESSMS"],
            "answer_type": "tristate",
            "rule": {"type": "tristate"},
            "weight": 1,
            "deadline": None,
            "recommendation": _(REVIEW_NOTE),
        }
        if help_text:
            requirement["help"] = help_text
        return requirement


def parse_library(source: str | Path | bytes) -> dict[str, Any]:
    """The portal referential data of a CISO Assistant library; raises LibraryRejected."""
    try:
        library = read_referential_yaml(_read_library_text(source))
    except LibraryRejected:
        raise
    except ReferentialFileError as error:
        raise LibraryRejected(error.errors) from None
    return _Importer(library).parse()


def import_library(source: str | Path | bytes) -> LoadResult:
    """Import a CISO Assistant library as a draft version of its code (the next free number).

    All or nothing: raises LibraryRejected listing every problem, and then writes nothing.
    """
    data = parse_library(source)
    with transaction.atomic():
        latest = ReferentialVersion.objects.filter(code=data["code"]).aggregate(
            latest=Max("version")
        )["latest"]
        data["version"] = (latest or 0) + 1
        try:
            return load_referential(data=data)
        except ReferentialFileError as error:
            raise LibraryRejected(
                [
                    _("Après conversion, le référentiel est refusé : %(error)s") % {"error": e}
                    for e in error.errors
                ]
            ) from None

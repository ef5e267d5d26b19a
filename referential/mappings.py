"""Correspondences between a version's requirements and other frameworks' identifiers.

The ``mappings`` section of a referential file (or its sibling ``<file>.mappings.yaml``) lists,
per framework (ReCyF, ISO/IEC 27001:2022, HDS…), which of its identifiers each requirement
corresponds to, and whether the correspondence is whole (``equal``) or only partial
(``partial``: « partielle »)::

    mappings:
      - framework: recyf
        name: "ReCyF — Référentiel cyber France (ANSSI), version 2.5"
        source: "Where the identifiers were read"
        framework_urn: urn:intuitem:risk:framework:recyf        # optional, for CISO Assistant
        node_urn_prefix: urn:intuitem:risk:req_node:recyf       # optional, idem
        items:
          - requirement: PCRA-SERVICES-CRITIQUES
            targets: ["13.6"]
            relationship: partial
            note: "Why it is only partial"

Stored as checked on the version (``ReferentialVersion.mappings``), in the file's order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from referential.fields import Fields

FRAMEWORK_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
TARGET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:()-]*$")
URN = re.compile(r"^urn:[a-z0-9_-]+:[a-z0-9_-]+:[a-z0-9_-]+(:[a-z0-9_-]+)?:[0-9a-z\[\]()\-._:]+$")
FRAMEWORK_KEYS = {"framework", "name", "source", "framework_urn", "node_urn_prefix", "items"}
ITEM_KEYS = {"requirement", "targets", "relationship", "note"}
EQUAL = "equal"
PARTIAL = "partial"
RELATIONSHIPS = (EQUAL, PARTIAL)
RELATIONSHIP_LABELS = {
    EQUAL: gettext_lazy("correspondance complète"),
    PARTIAL: gettext_lazy("correspondance partielle"),
}
MAX_TARGETS = 20


def _line(data: Any) -> int | None:
    return getattr(data, "line", None)


def _where(kind: str, ident: Any, line: int | None) -> str:
    where = f"{kind} « {ident} »"
    return f"{where} ({_('ligne')} {line})" if line else where


def parse_mappings(raw: Any, *, requirements: Mapping[str, Any], errors: list[str]) -> list[dict]:
    """The checked ``mappings`` section; each problem is appended to ``errors`` with its line."""
    if not isinstance(raw, list) or not raw:
        errors.append(
            _(
                "Section « mappings » : doit être une liste non vide (les référentiels mis en regard)."
            )
        )
        return []
    frameworks: list[dict] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            errors.append(
                _("%(where)s : doit être un objet.")
                % {"where": _where(_("Correspondance"), index, None)}
            )
            continue
        fields = Fields(
            entry,
            _where(_("Référentiel mis en regard"), entry.get("framework", index), _line(entry)),
            errors,
        )
        fields.unknown_keys(FRAMEWORK_KEYS)
        code = fields.text("framework", max_length=40)
        if code and not FRAMEWORK_CODE.match(code):
            fields.error(
                _("le code doit être en minuscules, chiffres et tirets (ex. recyf, iso27001-2022).")
            )
        if code in seen:
            fields.error(_("référentiel mis en regard en double."))
        seen.add(code)
        framework = {
            "framework": code,
            "name": fields.text("name", max_length=255),
            "source": fields.text("source"),
            "framework_urn": _urn(fields, "framework_urn"),
            "node_urn_prefix": _urn(fields, "node_urn_prefix"),
            "items": _items(fields, code, requirements, errors),
        }
        frameworks.append(framework)
    return frameworks


def _urn(fields: Fields, name: str) -> str:
    value = fields.text(name, required=False, max_length=255)
    if value and not URN.match(value):
        fields.error(
            _("« %(name)s » n'est pas une URN (urn:fournisseur:risk:type:identifiant) : %(value)s.")
            % {"name": name, "value": value}
        )
    return value


def _items(
    fields: Fields, code: str, requirements: Mapping[str, Any], errors: list[str]
) -> list[dict]:
    raw = fields.data.get("items")
    if not isinstance(raw, list) or not raw:
        fields.error(_("« items » doit lister au moins une exigence mise en regard."))
        return []
    items: list[dict] = []
    mapped: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            fields.error(
                _("l'élément %(index)d de « items » doit être un objet.") % {"index": index}
            )
            continue
        item = Fields(
            entry,
            _where(
                _("Correspondance %(framework)s") % {"framework": code},
                entry.get("requirement", index),
                _line(entry),
            ),
            errors,
        )
        item.unknown_keys(ITEM_KEYS)
        requirement = item.text("requirement", max_length=40)
        if requirement and requirement not in requirements:
            item.error(_("exigence inconnue dans cette version du référentiel."))
        if requirement in mapped:
            item.error(
                _("exigence déjà mise en regard de ce référentiel : regroupez ses identifiants.")
            )
        mapped.add(requirement)
        targets = entry.get("targets")
        if (
            not isinstance(targets, list)
            or not targets
            or len(targets) > MAX_TARGETS
            or not all(isinstance(t, str) and TARGET_ID.match(t) for t in targets)
        ):
            item.error(
                _(
                    "« targets » liste de 1 à %(max)d identifiants du référentiel mis en regard, "
                    'entre guillemets (ex. ["13.6"], ["A.8.13"]) ; reçu : %(value)r.'
                )
                % {"max": MAX_TARGETS, "value": targets}
            )
            targets = []
        elif len(set(targets)) != len(targets):
            item.error(_("« targets » cite deux fois le même identifiant."))
        relationship = item.data.get("relationship")
        if relationship not in RELATIONSHIPS:
            item.error(
                _("« relationship » vaut %(choices)s (reçu : %(value)r).")
                % {"choices": " ou ".join(RELATIONSHIPS), "value": relationship}
            )
        note = item.text("note", required=relationship == PARTIAL, max_length=500)
        items.append(
            {
                "requirement": requirement,
                "targets": list(targets),
                "relationship": relationship if relationship in RELATIONSHIPS else "",
                "note": note,
            }
        )
    return items


def mappings_of(referential, code: str) -> list[dict]:
    """The correspondences of one requirement, one per framework: name, targets, relationship."""
    found = []
    for framework in referential.mappings or ():
        for item in framework["items"]:
            if item["requirement"] == code:
                found.append(
                    {
                        "framework": framework["framework"],
                        "name": framework["name"],
                        "targets": item["targets"],
                        "relationship": item["relationship"],
                        "partial": item["relationship"] == PARTIAL,
                        "relationship_label": str(
                            RELATIONSHIP_LABELS.get(item["relationship"], "")
                        ),
                        "note": item["note"],
                    }
                )
    return found


def by_requirement(referential) -> dict[str, list[dict]]:
    """Requirement code -> its correspondences (for a page listing every requirement)."""
    codes = {item["requirement"] for f in referential.mappings or () for item in f["items"]}
    return {code: mappings_of(referential, code) for code in codes}

"""Loading a referential version from YAML into the database, all or nothing.

The whole file is checked first (:mod:`referential.schema`); only a file without any error is
stored, in one transaction. Loading the same content again changes nothing. A version that a
campaign uses is never modified: a change must be published as a new version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action as AuditAction
from audit.services import record_event
from referential.data import (
    AxisData,
    ObjectiveData,
    ReferentialData,
    ReferentialFileError,
    RequirementData,
)
from referential.models import Axis, Objective, ReferentialVersion, Requirement
from referential.schema import SECTION_KEYS, parse_referential
from referential.yaml_file import read_referential_yaml

# Where each section of the file is stored on the version.
SECTION_FIELDS = {
    "domains": "domains",
    "targets": "headline_targets",
    "milestones": "milestones",
    "code_map": "code_map",
    "consistency": "consistency_rules",
    "priorities": "priority_rule",
    "mappings": "mappings",
    "resources": "resources",
}
assert set(SECTION_FIELDS) == set(SECTION_KEYS)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"


class ReferentialInUseError(ReferentialFileError):
    """The version exists with other content and a campaign already uses it."""


@dataclass(frozen=True)
class LoadResult:
    referential: ReferentialVersion
    outcome: str  # CREATED, UPDATED or UNCHANGED
    axes: int
    objectives: int
    requirements: int
    # What the loaders of sibling files said (e.g. the funding calls), in French.
    more: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        messages = {
            CREATED: _("Référentiel %(label)s créé"),
            UPDATED: _("Référentiel %(label)s mis à jour"),
            UNCHANGED: _("Référentiel %(label)s déjà à jour, rien n'a changé"),
        }
        summary = _(
            "%(what)s : %(axes)s axes, %(objectives)s objectifs, %(requirements)s exigences."
        ) % {
            "what": messages[self.outcome] % {"label": self.referential.label},
            "axes": self.axes,
            "objectives": self.objectives,
            "requirements": self.requirements,
        }
        return " ".join([summary, *self.more])


# Loaders of what other files beside a referential file add to its version (the funding calls):
# called with (path, version) after the version is stored, in the same transaction; a
# ReferentialFileError they raise undoes the whole load. Apps above register in AppConfig.ready.
_sibling_loaders: list[Callable[[Path, ReferentialVersion], str | None]] = []


def on_load(loader: Callable[[Path, ReferentialVersion], str | None]) -> None:
    """Have ``loader`` run on every ``load_referential_file`` (registered once)."""
    if loader not in _sibling_loaders:
        _sibling_loaders.append(loader)


def read_referential_file(path: str | Path) -> Any:
    """The YAML content of a referential file, with line numbers; errors as ReferentialFileError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferentialFileError(
            [_("Fichier introuvable : %(path)s.") % {"path": path}]
        ) from None
    except UnicodeDecodeError as error:
        raise ReferentialFileError(
            [_("Le fichier doit être encodé en UTF-8 (octet %(pos)s).") % {"pos": error.start}]
        ) from None
    except OSError as error:
        raise ReferentialFileError(
            [_("Lecture impossible de %(path)s : %(error)s.") % {"path": path, "error": error}]
        ) from None
    return read_referential_yaml(text)


def section_file(path: Path, key: str) -> Path:
    """The sibling file that may hold one section: ``care-2026.targets.yaml`` for ``targets``."""
    return path.with_name(f"{path.stem}.{key}{path.suffix}")


def read_with_sections(path: str | Path) -> Any:
    """The referential file with the sections its sibling files hold, each in one place only."""
    path = Path(path)
    data = read_referential_file(path)
    if not isinstance(data, dict):
        return data
    errors = []
    for key in SECTION_KEYS:
        sibling = section_file(path, key)
        if not sibling.is_file():
            continue
        content = read_referential_file(sibling)
        if not isinstance(content, dict) or set(content) != {key}:
            errors.append(
                _("%(file)s : le fichier doit contenir la seule section « %(key)s ».")
                % {"file": sibling.name, "key": key}
            )
        elif key in data:
            errors.append(
                _("Section « %(key)s » : donnée à la fois dans %(main)s et dans %(file)s.")
                % {"key": key, "main": path.name, "file": sibling.name}
            )
        else:
            data[key] = content[key]
    if errors:
        raise ReferentialFileError(errors)
    return data


def stored_answer_types(code: str, version: int) -> dict[str, str] | None:
    """{requirement code: answer type} of a stored version, or None when it is not stored."""
    referential = ReferentialVersion.objects.filter(code=code, version=version).first()
    if referential is None:
        return None
    return dict(referential.requirements.values_list("code", "answer_type"))


def _previous_from(directory: Path | None, exclude: Path | None):
    """Find an earlier version in the database, or else in a YAML file of ``directory``."""

    def previous(code: str, version: int) -> dict[str, str] | None:
        stored = stored_answer_types(code, version)
        if stored is not None or directory is None:
            return stored
        for candidate in sorted(directory.glob("*.yaml")):
            if candidate == exclude or candidate.stem.count(".") or not candidate.is_file():
                continue
            try:
                data = read_referential_file(candidate)
            except ReferentialFileError:
                continue
            if isinstance(data, dict) and (data.get("code"), data.get("version")) == (
                code,
                version,
            ):
                try:
                    parsed = parse_referential(data)
                except ReferentialFileError:
                    return None
                return {r.code: r.answer_type for r in parsed.iter_requirements()}
        return None

    return previous


def load_referential_file(path: str | Path) -> LoadResult:
    """Check and load the referential version described by a YAML file (and its siblings)."""
    path = Path(path)
    with transaction.atomic():
        result = load_referential(
            data=read_with_sections(path), previous=_previous_from(path.parent, path)
        )
        for loader in _sibling_loaders:
            if said := loader(path, result.referential):
                result.more.append(said)
    return result


def load_referential(*, data: Any, previous=None) -> LoadResult:
    """Check ``data`` (a referential as read from YAML) completely, then store it atomically.

    ``previous(code, version)`` finds the earlier version the code map names (by default:
    among the stored versions). Raises ReferentialFileError listing every problem (nothing is
    written), or ReferentialInUseError when the version exists with other content and a
    campaign uses it.
    """
    parsed = parse_referential(data, previous=previous or _previous_from(None, None))
    with transaction.atomic():
        existing = (
            ReferentialVersion.objects.select_for_update()
            .filter(code=parsed.code, version=parsed.version)
            .first()
        )
        if existing is None:
            referential = _create(parsed)
            outcome = CREATED
        elif stored_data(existing) == parsed:
            referential, outcome = existing, UNCHANGED
        else:
            _refuse_if_used(existing)
            referential = _replace(existing, parsed)
            outcome = UPDATED
        if outcome != UNCHANGED:
            record_event(
                actor=None,
                action=AuditAction.REFERENTIAL_LOAD,
                target=f"{parsed.code} v{parsed.version}",
                detail={"outcome": outcome, "status": referential.status},
            )
    return LoadResult(
        referential=referential,
        outcome=outcome,
        axes=len(parsed.axes),
        objectives=sum(1 for _objective in parsed.iter_objectives()),
        requirements=sum(1 for _requirement in parsed.iter_requirements()),
    )


def stored_data(referential: ReferentialVersion) -> ReferentialData:
    """A stored version as the same plain data the YAML gives, to compare contents."""
    requirements: dict[int, list[RequirementData]] = {}
    for requirement in referential.requirements.order_by("order", "pk"):
        requirements.setdefault(requirement.objective_id, []).append(
            RequirementData.from_model(requirement)
        )
    objectives: dict[int, list[ObjectiveData]] = {}
    for objective in referential.objectives.order_by("number", "pk"):
        objectives.setdefault(objective.axis_id, []).append(
            ObjectiveData(
                number=objective.number,
                code=objective.code,
                title=objective.title,
                national_only=objective.national_only,
                requirements=requirements.get(objective.pk, []),
            )
        )
    return ReferentialData(
        code=referential.code,
        version=referential.version,
        title=referential.title,
        published_on=referential.published_on,
        source=referential.source,
        status=referential.status,
        sections={
            key: getattr(referential, name)
            for key, name in SECTION_FIELDS.items()
            if getattr(referential, name)
        },
        axes=[
            AxisData(
                number=axis.number,
                code=axis.code,
                title=axis.title,
                objectives=objectives.get(axis.pk, []),
            )
            for axis in referential.axes.order_by("number", "pk")
        ],
    )


def _refuse_if_used(referential: ReferentialVersion) -> None:
    years = list(referential.campaigns.order_by("year").values_list("year", flat=True))
    if years:
        raise ReferentialInUseError(
            [
                _(
                    "Le référentiel %(label)s est utilisé par la campagne %(years)s : il ne peut "
                    "plus être modifié. Publiez vos changements sous un nouveau numéro de version "
                    "(version: %(next)s)."
                )
                % {
                    "label": referential.label,
                    "years": ", ".join(map(str, years)),
                    "next": referential.version + 1,
                }
            ]
        )


def _header(parsed: ReferentialData) -> dict[str, Any]:
    empty = {"code_map": dict, "priorities": dict}
    return {
        "title": parsed.title,
        "published_on": parsed.published_on,
        "source": parsed.source,
        "status": parsed.status,
        **{
            name: parsed.sections.get(key, empty.get(key, list)())
            for key, name in SECTION_FIELDS.items()
        },
    }


def _create(parsed: ReferentialData) -> ReferentialVersion:
    referential = ReferentialVersion.objects.create(
        code=parsed.code, version=parsed.version, **_header(parsed)
    )
    _store_content(referential, parsed)
    return referential


def _replace(referential: ReferentialVersion, parsed: ReferentialData) -> ReferentialVersion:
    """Replace the content of a version no campaign uses (so no answer refers to it)."""
    for name, value in _header(parsed).items():
        setattr(referential, name, value)
    referential.save()
    # Requirements first: objectives and axes cascade to them anyway, but this keeps one query each.
    referential.requirements.all().delete()
    referential.objectives.all().delete()
    referential.axes.all().delete()
    _store_content(referential, parsed)
    return referential


def _store_content(referential: ReferentialVersion, parsed: ReferentialData) -> None:
    axes = Axis.objects.bulk_create(
        Axis(referential=referential, number=axis.number, code=axis.code, title=axis.title)
        for axis in parsed.axes
    )
    objective_rows = [
        (objective, Objective(referential=referential, axis=axis, **_objective_fields(objective)))
        for axis, axis_data in zip(axes, parsed.axes, strict=True)
        for objective in axis_data.objectives
    ]
    Objective.objects.bulk_create(row for _data, row in objective_rows)
    Requirement.objects.bulk_create(
        Requirement(referential=referential, objective=objective, **requirement.model_fields())
        for data, objective in objective_rows
        for requirement in data.requirements
    )


def _objective_fields(objective: ObjectiveData) -> dict[str, Any]:
    return {
        "number": objective.number,
        "code": objective.code,
        "title": objective.title,
        "national_only": objective.national_only,
    }

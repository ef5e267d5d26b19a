"""One assessment's answers as a JSON file: export, and import validated like a form save.

The file names its referential version and establishment, so that answers are never read
against another version's rules or poured into another establishment's assessment::

    {
      "format": "care-portal/answers",
      "format_version": 1,
      "referential": {"code": "CARE", "version": 1},
      "campaign": 2025,
      "establishment": {"finess": "690000017", "name": "..."},
      "assessment_version": 12,
      "exported_at": "2025-03-01T10:00:00+01:00",
      "answers": {"GOV-RSSI": {"name": "...", "email": "..."}, "BUDGET": null, ...},
      "na_reasons": {"TM-BASTION": "Aucun accès de télémaintenance."}
    }

``na_reasons`` (optional) gives the reason of "not applicable" answers; where the requirement
requires one, an N/A without it is refused like any bad answer.

Importing writes the answers the file holds (``null`` clears one) through ``save_answers``: all of
them or, at the first problem, none. Answers not in the file are left as they are.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.answer_fields import format_number
from assessments.answers import (
    AnswersRejected,
    AssessmentLocked,
    StaleVersion,
    na_reasons_of,
    save_answers,
)
from assessments.models import Answer, Assessment
from assessments.scoring.compiled import compiled_referential
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import User
from referential.numbers import JSONRefused, load_json, shown

FORMAT = "care-portal/answers"
FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 2 * 1024 * 1024
# Answers with a problem listed one by one; the others are counted.
MAX_LISTED_ERRORS = 50


class ImportRejected(Exception):
    """The file cannot be imported; ``messages`` says why, one French message per problem."""

    def __init__(self, messages: list[str]):
        super().__init__(messages)
        self.messages = messages


@dataclass
class ImportResult:
    imported: int
    version: int


def export_answers(assessment: Assessment) -> dict[str, Any]:
    """The assessment's own answers (not those its GHT answers for it), in referential order."""
    referential = assessment.campaign.referential
    compiled = compiled_referential(referential.pk)
    order = {spec.code: index for index, spec in enumerate(compiled.specs)}
    rows = Answer.objects.filter(assessment=assessment, value__isnull=False).values_list(
        "requirement_id", "value"
    )
    answers = {compiled.code_by_id[rid]: value for rid, value in rows}
    establishment = assessment.establishment
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "referential": {"code": referential.code, "version": referential.version},
        "campaign": assessment.campaign.year,
        "establishment": {"finess": establishment.finess, "name": establishment.name},
        "assessment_version": assessment.version,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "answers": dict(sorted(answers.items(), key=lambda item: order.get(item[0], 0))),
        "na_reasons": na_reasons_of(assessment),
    }


def export_json(assessment: Assessment) -> str:
    return json.dumps(export_answers(assessment), ensure_ascii=False, indent=2) + "\n"


def export_filename(assessment: Assessment) -> str:
    return f"care-{assessment.establishment.finess}-{assessment.campaign.year}.json"


_KEY = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:')


def _too_large() -> str:
    return _("Le fichier dépasse 2 Mo : ce n'est pas un export de réponses.")


def _key_lines(text: str) -> dict[str, int]:
    """Each key written in the file -> the first line it is written on, read in one pass."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _KEY.finditer(line):
            lines.setdefault(match.group(1), number)
    return lines


def _read(upload) -> bytes:
    """The bytes of an uploaded file, its size checked before anything is read."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ImportRejected([_too_large()])
    upload.seek(0)
    raw = upload.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportRejected([_too_large()])
    return raw


def parse(raw) -> tuple[dict[str, Any], str]:
    """The JSON object of an import file (an uploaded file, bytes or text), and its text.

    Raises ImportRejected.
    """
    if hasattr(raw, "read"):
        raw = _read(raw)
    if isinstance(raw, bytes):
        if len(raw) > MAX_IMPORT_BYTES:
            raise ImportRejected([_too_large()])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected(
                [_("Le fichier n'est pas du texte UTF-8 : importez le fichier JSON exporté.")]
            ) from None
    else:
        text = raw
    try:
        data = load_json(text)
    except json.JSONDecodeError as error:
        raise ImportRejected(
            [
                _(
                    "Le fichier n'est pas un JSON valide (ligne %(line)d, colonne %(col)d) : %(msg)s."
                )
                % {"line": error.lineno, "col": error.colno, "msg": error.msg}
            ]
        ) from None
    except JSONRefused:
        raise ImportRejected(
            [_("Le fichier JSON est trop imbriqué pour être lu : importez le fichier exporté.")]
        ) from None
    if not isinstance(data, dict):
        raise ImportRejected([_("Le fichier doit contenir un objet JSON (entre accolades).")])
    return data, text


def _check_header(data: dict[str, Any], assessment: Assessment) -> list[str]:
    errors = []
    if data.get("format") != FORMAT:
        errors.append(
            _(
                "Ce fichier n'est pas un export de réponses du portail CaRE (« format » attendu : %(f)s)."
            )
            % {"f": FORMAT}
        )
        return errors
    if data.get("format_version") != FORMAT_VERSION:
        errors.append(
            _("Version de format %(got)r non prise en charge (attendue : %(expected)d).")
            % {"got": data.get("format_version"), "expected": FORMAT_VERSION}
        )
    referential = assessment.campaign.referential
    given = data.get("referential")
    if not isinstance(given, dict) or (given.get("code"), given.get("version")) != (
        referential.code,
        referential.version,
    ):
        shown = (
            f"{given.get('code')}:{given.get('version')}"
            if isinstance(given, dict)
            else repr(given)
        )
        errors.append(
            _(
                "Ce fichier a été produit avec le référentiel %(given)s ; cette auto-évaluation "
                "suit le référentiel %(expected)s. Les réponses ne sont pas importées."
            )
            % {"given": shown, "expected": referential.label}
        )
    establishment = data.get("establishment")
    finess = establishment.get("finess") if isinstance(establishment, dict) else None
    if finess != assessment.establishment.finess:
        errors.append(
            _("Ce fichier concerne l'établissement FINESS %(given)s, pas %(expected)s (%(name)s).")
            % {
                "given": finess,
                "expected": assessment.establishment.finess,
                "name": assessment.establishment.name,
            }
        )
    if not isinstance(data.get("answers"), dict):
        errors.append(_("« answers » doit être un objet {code de l'exigence : réponse}."))
    if not isinstance(data.get("na_reasons", {}), dict):
        errors.append(
            _(
                "« na_reasons » doit être un objet {code de l'exigence : motif de « non applicable »}."
            )
        )
    return errors


def _rejection_messages(errors: dict[str, str], text: str) -> list[str]:
    """One line per refused answer (with its line in the file), the first ones only."""
    lines = _key_lines(text)
    messages = [
        _("Rien n'a été importé, %(count)s réponse(s) à corriger :")
        % {"count": format_number(len(errors))}
    ]
    for code, message in list(errors.items())[:MAX_LISTED_ERRORS]:
        line = lines.get(code)
        where = _("ligne %(line)d, ") % {"line": line} if line else ""
        messages.append(f"{where}« {shown(code)} » : {message}")
    if len(errors) > MAX_LISTED_ERRORS:
        messages.append(
            _("… et %(count)s autres.") % {"count": format_number(len(errors) - MAX_LISTED_ERRORS)}
        )
    return messages


@transaction.atomic
def import_answers(
    *, assessment: Assessment, raw, user: User, expected_version: int, request=None
) -> ImportResult:
    """Check and write the answers of an export file; raises ImportRejected (nothing written)
    or PermissionDenied."""
    data, text = parse(raw)
    errors = _check_header(data, assessment)
    if errors:
        raise ImportRejected(errors)
    answers = data["answers"]
    if not answers:
        raise ImportRejected([_("Le fichier ne contient aucune réponse.")])
    compiled = compiled_referential(assessment.campaign.referential_id)
    if len(answers) > len(compiled.specs):
        raise ImportRejected(
            [
                _(
                    "Le fichier contient %(count)s réponses, plus que les %(max)s exigences du "
                    "référentiel de cette campagne : ce n'est pas un export de réponses. "
                    "Rien n'a été importé."
                )
                % {"count": format_number(len(answers)), "max": format_number(len(compiled.specs))}
            ]
        )
    try:
        save_answers(
            assessment=assessment,
            answers=answers,
            expected_version=expected_version,
            user=user,
            na_reasons=data.get("na_reasons") or {},
        )
    except AnswersRejected as rejected:
        raise ImportRejected(_rejection_messages(rejected.errors, text)) from None
    except StaleVersion:
        raise ImportRejected(
            [
                _(
                    "Quelqu'un a enregistré cette auto-évaluation pendant l'import : rien n'a été "
                    "importé. Rechargez la page et recommencez."
                )
            ]
        ) from None
    except AssessmentLocked:
        raise ImportRejected(
            [_("L'auto-évaluation est transmise : ses réponses ne sont plus modifiables.")]
        ) from None
    record_event(
        actor=user,
        action=AuditAction.ANSWERS_IMPORT,
        establishment=assessment.establishment,
        request=request,
        detail={"assessment": assessment.pk, "answers": len(answers)},
    )
    return ImportResult(imported=len(answers), version=assessment.version)

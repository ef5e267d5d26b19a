"""One assessment as an XLSX workbook to fill in offline, and the same workbook read back.

The workbook has an instructions sheet, then one sheet per axis (« Axe 1 », « Axe 2 »…) with one
row per question asked of the establishment: code, question, CaRE source, deadline, what answer
is expected, then the answer cells (with Excel data validation for the choices) and the reason
for « non applicable ». Everything but the answer cells is locked by the sheet protection.

A hidden sheet holds a signature (``django.core.signing``) of the assessment, its referential
version, a digest of where each question is (sheet, row, code) and the answers as downloaded.
A workbook without it, signed for another assessment or version, or whose rows were moved, is
refused whole.

Reading it back parses each answer cell with the form's own fields (``answer_fields``), then
checks the answers with the same rules as a form save (``answers.check_answers``); every message
names its sheet and cell (« Axe 2, cellule F14 : … »). Only the answers changed in the workbook
since it was downloaded are taken: a preview lists them (old → new) and nothing is written until
the person confirms, which saves them through ``save_answers`` in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from assessments.answer_fields import (
    AnswerInput,
    ChoiceInput,
    PercentAtLeastInput,
    PersonNamedInput,
    RatioAtLeastInput,
    WithinDaysInput,
    part_name,
    rule_error_part,
)
from assessments.answers import (
    AnswersRejected,
    AssessmentLocked,
    ReasonMessage,
    StaleVersion,
    check_answers,
    save_answers,
)
from assessments.form_page import FormPage, Item, same_answer
from assessments.models import Answer, Assessment
from audit.models import Action as AuditAction
from audit.services import record_event
from care_portal.formats import format_date
from care_portal.spreadsheets import could_run, xlsx_value
from establishments.models import User
from referential.rules import NOT_APPLICABLE_VALUE

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# An XLSX is a zip: its content, once unpacked, is capped too (no "zip bomb").
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ROWS_PER_SHEET = 2000
MAX_SHEETS = 100
MAX_LISTED_ERRORS = 50
PREVIEW_MAX_AGE = 60 * 60  # seconds between the preview and the confirmation

SIGNATURE_SALT = "care-portal.workbook"
PREVIEW_SALT = "care-portal.workbook-preview"
SIGNATURE_SHEET = "signature"
LISTS_SHEET = "listes"
INSTRUCTIONS_SHEET = "Mode d'emploi"
FIRST_ROW = 3  # row 1: the axis, row 2: the headings


CODE, QUESTION, SOURCE, DEADLINE, EXPECTED, ANSWER, SECOND, OTHER, REASON = "ABCDEFGHI"
COLUMNS = CODE + QUESTION + SOURCE + DEADLINE + EXPECTED + ANSWER + SECOND + OTHER + REASON
HEADINGS = {
    CODE: (gettext_lazy("Code"), 18),
    QUESTION: (gettext_lazy("Question"), 60),
    SOURCE: (gettext_lazy("Source CaRE"), 22),
    DEADLINE: (gettext_lazy("Échéance"), 14),
    EXPECTED: (gettext_lazy("Réponse attendue"), 40),
    ANSWER: (gettext_lazy("Réponse"), 28),
    SECOND: (gettext_lazy("Seconde valeur"), 28),
    OTHER: (gettext_lazy("Autre réponse"), 30),
    REASON: (gettext_lazy("Motif du « non applicable »"), 40),
}
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
ANSWER_FILL = PatternFill("solid", fgColor="FFFFFF")


class WorkbookRejected(Exception):
    """The workbook cannot be read back; ``messages`` says why, one French message each."""

    def __init__(self, messages: list[str]):
        super().__init__(messages)
        self.messages = messages


@dataclass
class Change:
    """One answer the workbook changes, as the preview lists it."""

    code: str
    question: str
    where: str  # « Axe 2, ligne 14 »
    old: str
    new: str
    reason: str = ""
    # Someone changed this answer in the portal after the workbook was downloaded.
    changed_since: bool = False


@dataclass
class Preview:
    changes: list[Change] = field(default_factory=list)
    token: str = ""  # the signed answers to save when the person confirms

    @property
    def empty(self) -> bool:
        return not self.changes


# --- the cells of each answer type ------------------------------------------------------------


def _value_columns(answer_input: AnswerInput) -> dict[str, str]:
    """Column -> part of the answer (``""``: its main part) typed in that column."""
    if isinstance(answer_input, RatioAtLeastInput):
        return {ANSWER: "numerator", SECOND: "denominator"}
    if isinstance(answer_input, PersonNamedInput):
        return {ANSWER: "name", SECOND: "email"}
    return {ANSWER: ""}


def _other_answers(answer_input: AnswerInput) -> list[tuple[str, str]]:
    """(label, part) of the answers chosen in the « autre réponse » column."""
    others = []
    if isinstance(answer_input, WithinDaysInput):
        others.append((str(answer_input.never_label), "never"))
    if isinstance(answer_input, PersonNamedInput):
        others.append((str(answer_input.nobody_label), "nobody"))
    if answer_input.na_allowed and not answer_input.na_in_choices:
        others.append((str(answer_input.na_label), "na"))
    return others


def _choice_labels(answer_input: ChoiceInput) -> list[str]:
    return [label for _html, _value, label in answer_input.all_choices()]


def _expected(answer_input: AnswerInput) -> str:
    """What to type, in words, for the « réponse attendue » column."""
    others = [label for label, _part in _other_answers(answer_input)]
    if isinstance(answer_input, ChoiceInput):
        text = _("Choisir dans la liste : %(choices)s.") % {
            "choices": ", ".join(_choice_labels(answer_input))
        }
    elif isinstance(answer_input, RatioAtLeastInput):
        first, second = answer_input.labels()
        text = _("Réponse : %(first)s ; seconde valeur : %(second)s.") % {
            "first": first,
            "second": second,
        }
    elif isinstance(answer_input, PercentAtLeastInput):
        text = _("Un pourcentage de 0 à 100.")
    elif isinstance(answer_input, WithinDaysInput):
        text = _("Une date (JJ/MM/AAAA), pas dans le futur.")
    elif isinstance(answer_input, PersonNamedInput):
        text = _("Réponse : prénom et nom ; seconde valeur : adresse e-mail.")
    else:  # pragma: no cover - every answer type is listed above
        text = ""
    if others:
        text += " " + _("Ou, en autre réponse : %(others)s.") % {"others": ", ".join(others)}
    return text


def _cell_values(answer_input: AnswerInput, value: Any) -> dict[str, Any]:
    """The cells showing a stored answer."""
    if value is None:
        return {}
    if isinstance(answer_input, ChoiceInput):
        return {ANSWER: answer_input.display(value)}
    if value == NOT_APPLICABLE_VALUE:
        return {OTHER: str(answer_input.na_label)}
    if isinstance(answer_input, RatioAtLeastInput) and isinstance(value, dict):
        return {ANSWER: value.get("numerator"), SECOND: value.get("denominator")}
    if isinstance(answer_input, WithinDaysInput):
        if value is False:
            return {OTHER: str(answer_input.never_label)}
        try:
            return {ANSWER: date.fromisoformat(value)}
        except (TypeError, ValueError):
            return {ANSWER: str(value)}
    if isinstance(answer_input, PersonNamedInput):
        if value is False:
            return {OTHER: str(answer_input.nobody_label)}
        if isinstance(value, dict):
            return {ANSWER: value.get("name", ""), SECOND: value.get("email", "")}
    return {ANSWER: value}


def _reason_of(answer: Answer | None) -> str:
    return (answer.na_reason or "") if answer is not None else ""


# --- the layout and its signature -------------------------------------------------------------


def _sheet_title(item: Item) -> str:
    return _("Axe %(number)s") % {"number": item.requirement.objective.axis.number}


def _rows(page: FormPage) -> list[tuple[str, int, Item]]:
    """(sheet, row, item) of every question asked of the establishment, in form order."""
    rows, next_row = [], {}
    for step in page.steps:
        for item in step.items:
            if not item.requirement.asked_of_establishment:
                continue  # recorded by the ARS for the establishment (CPOM)
            sheet = _sheet_title(item)
            row = next_row.setdefault(sheet, FIRST_ROW)
            next_row[sheet] = row + 1
            rows.append((sheet, row, item))
    return rows


def _digest(layout) -> str:
    """A digest of where each question is: (sheet, row, code) triples, in any order."""
    ordered = sorted([str(sheet), int(row), str(code)] for sheet, row, code in layout)
    return hashlib.sha256(json.dumps(ordered, ensure_ascii=False).encode()).hexdigest()


def _signature(assessment: Assessment, rows: list[tuple[str, int, Item]]) -> str:
    referential = assessment.campaign.referential
    return signing.dumps(
        {
            "assessment": assessment.pk,
            "referential": [referential.code, referential.version],
            "digest": _digest([(sheet, row, item.code) for sheet, row, item in rows]),
            "answers": {item.code: item.value for _s, _r, item in rows},
            "reasons": {
                item.code: reason for _s, _r, item in rows if (reason := _reason_of(item.answer))
            },
        },
        salt=SIGNATURE_SALT,
        compress=True,
    )


# --- writing ----------------------------------------------------------------------------------


class _Lists:
    """The choice lists that data validations point to, written on a hidden sheet at the end."""

    def __init__(self):
        self.ranges: dict[tuple[str, ...], str] = {}

    def range_of(self, labels: list[str]) -> str:
        key = tuple(labels)
        if key not in self.ranges:
            column = get_column_letter(len(self.ranges) + 1)
            self.ranges[key] = f"{LISTS_SHEET}!${column}$1:${column}${len(labels)}"
        return self.ranges[key]

    def write(self, workbook: Workbook) -> None:
        sheet = workbook.create_sheet(LISTS_SHEET)
        for number, labels in enumerate(self.ranges, start=1):
            for row, label in enumerate(labels, start=1):
                sheet.cell(row=row, column=number, value=xlsx_value(label))
        sheet.sheet_state = "hidden"
        sheet.protection.sheet = True


class _Validations:
    """One data validation per distinct rule of a sheet, each over all the cells it checks."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.by_key: dict[tuple, DataValidation] = {}

    def add(self, key: tuple, cell: str, make) -> None:
        if key not in self.by_key:
            validation = make()
            validation.showErrorMessage = True
            validation.errorTitle = _("Réponse refusée")
            self.sheet.add_data_validation(validation)
            self.by_key[key] = validation
        self.by_key[key].add(cell)


def _list_validation(formula: str) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        error=_("Choisissez une réponse dans la liste."),
    )


def _number_validation(low: int, high: int | None) -> DataValidation:
    if high is None:
        return DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1=str(low),
            allow_blank=True,
            error=_("Saisissez un montant positif, en chiffres."),
        )
    return DataValidation(
        type="decimal",
        operator="between",
        formula1=str(low),
        formula2=str(high),
        allow_blank=True,
        error=_("Saisissez un pourcentage de 0 à 100."),
    )


def _date_validation() -> DataValidation:
    return DataValidation(
        type="date",
        operator="greaterThanOrEqual",
        formula1="DATE(1990,1,1)",
        allow_blank=True,
        error=_("Saisissez une date au format JJ/MM/AAAA."),
    )


def _write_instructions(sheet, assessment: Assessment, editable: bool) -> None:
    establishment = assessment.establishment
    referential = assessment.campaign.referential
    lines = [
        (_("Auto-évaluation CaRE — classeur de réponses"), True),
        ("", False),
        (
            _("Établissement : %(name)s (FINESS %(finess)s)")
            % {"name": establishment.name, "finess": establishment.finess},
            False,
        ),
        (
            _("Campagne %(year)s — référentiel %(label)s")
            % {"year": assessment.campaign.year, "label": referential.label},
            False,
        ),
        (_("Téléchargé le %(date)s") % {"date": format_date(timezone.localdate())}, False),
        ("", False),
        (_("Comment remplir ce classeur"), True),
        (
            _(
                "Chaque feuille « Axe » liste les questions de cet axe posées à l'établissement, "
                "une par ligne."
            ),
            False,
        ),
        (
            _(
                "Renseignez les cellules blanches des colonnes « Réponse », « Seconde valeur », "
                "« Autre réponse » et « Motif » ; les cellules grisées sont verrouillées."
            ),
            False,
        ),
        (
            _(
                "La colonne « Réponse attendue » dit quoi saisir ; les listes déroulantes donnent les "
                "réponses possibles."
            ),
            False,
        ),
        (
            _(
                "« Non applicable » se choisit dans la liste quand la question l'autorise ; indiquez "
                "alors le motif dans la dernière colonne."
            ),
            False,
        ),
        (_("Pour effacer une réponse, videz ses cellules."), False),
        ("", False),
        (_("Pour importer vos réponses"), True),
        (
            _(
                "Sur la page « Classeur Excel » de l'auto-évaluation, envoyez ce fichier : il est "
                "vérifié comme une saisie dans le formulaire. Un aperçu liste les réponses qui "
                "changent (ancienne → nouvelle) ; rien n'est enregistré avant votre confirmation."
            ),
            False,
        ),
        (
            _(
                "Au moindre problème, rien n'est importé et chaque message indique la feuille et la "
                "cellule à corriger."
            ),
            False,
        ),
        (
            _(
                "N'ajoutez, ne supprimez ni ne déplacez aucune ligne ou feuille : le classeur est "
                "signé pour cette auto-évaluation et serait refusé."
            ),
            False,
        ),
        (
            _(
                "Seules les réponses modifiées dans le classeur sont importées : celles que d'autres "
                "ont saisies entre-temps dans le portail restent en place."
            ),
            False,
        ),
    ]
    if not editable:
        lines.insert(
            5, (_("Classeur en lecture seule : vous ne pouvez pas modifier ces réponses."), True)
        )
    for index, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=index, column=1, value=xlsx_value(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=13 if index == 1 else 11)
    sheet.column_dimensions["A"].width = 110
    sheet.protection.sheet = True


def build_workbook(assessment: Assessment, user: User) -> bytes:
    """The XLSX workbook of the assessment, as ``user`` may fill it in."""
    page = FormPage(assessment, user)
    rows = _rows(page)
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    _write_instructions(instructions, assessment, editable=page.may_edit_any)
    sheets: dict[str, Any] = {}
    validations: dict[str, _Validations] = {}
    lists = _Lists()
    for sheet_title, row, item in rows:
        if sheet_title not in sheets:
            sheet = workbook.create_sheet(sheet_title)
            axis = item.requirement.objective.axis
            sheet["A1"] = xlsx_value(f"{sheet_title} — {axis.title}")
            sheet["A1"].font = Font(bold=True, size=13)
            for column, (heading, width) in HEADINGS.items():
                cell = sheet[f"{column}2"]
                cell.value = str(heading)
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                sheet.column_dimensions[column].width = width
            sheet.freeze_panes = "C3"
            sheet.protection.sheet = True
            sheet.protection.formatColumns = False
            sheet.protection.formatRows = False
            sheets[sheet_title] = sheet
            validations[sheet_title] = _Validations(sheet)
        sheet = sheets[sheet_title]
        _write_row(sheet, row, item, validations[sheet_title], lists)
    lists.write(workbook)
    signature = workbook.create_sheet(SIGNATURE_SHEET)
    signature["A1"] = _signature(assessment, rows)
    signature.sheet_state = "veryHidden"
    signature.protection.sheet = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_row(sheet, row: int, item: Item, validations: _Validations, lists: _Lists) -> None:
    requirement = item.requirement
    answer_input = item.input
    deadline = requirement.deadline_label or (
        format_date(requirement.deadline) if requirement.deadline else ""
    )
    source = requirement.source_badge or _("Action CaRE %(action)s") % {
        "action": requirement.care_action
    }
    fixed = {
        CODE: requirement.code,
        QUESTION: requirement.label,
        SOURCE: source,
        DEADLINE: deadline,
        EXPECTED: _expected(answer_input),
    }
    for column, text in fixed.items():
        cell = sheet[f"{column}{row}"]
        cell.value = xlsx_value(text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = LOCKED_FILL
    values = _cell_values(answer_input, item.value)
    others = _other_answers(answer_input)
    open_columns = set(_value_columns(answer_input))
    if others:
        open_columns.add(OTHER)
    if answer_input.na_allowed:
        open_columns.add(REASON)
        values[REASON] = _reason_of(item.answer)
    for column in (ANSWER, SECOND, OTHER, REASON):
        cell = sheet[f"{column}{row}"]
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column in values:
            cell.value = xlsx_value(values[column])
        writable = item.editable and column in open_columns
        cell.protection = Protection(locked=not writable)
        cell.fill = ANSWER_FILL if writable else LOCKED_FILL
    if not item.editable:
        return
    where = f"{ANSWER}{row}"
    if isinstance(answer_input, ChoiceInput):
        labels = _choice_labels(answer_input)
        validations.add(
            ("list", tuple(labels)), where, lambda: _list_validation(lists.range_of(labels))
        )
    elif isinstance(answer_input, RatioAtLeastInput):
        validations.add(("amount",), where, lambda: _number_validation(0, None))
        validations.add(("amount",), f"{SECOND}{row}", lambda: _number_validation(0, None))
    elif isinstance(answer_input, PercentAtLeastInput):
        validations.add(("percent",), where, lambda: _number_validation(0, 100))
    elif isinstance(answer_input, WithinDaysInput):
        validations.add(("date",), where, _date_validation)
        sheet[where].number_format = "DD/MM/YYYY"
    if others:
        labels = [label for label, _part in others]
        validations.add(
            ("list", tuple(labels)),
            f"{OTHER}{row}",
            lambda: _list_validation(lists.range_of(labels)),
        )


def workbook_filename(assessment: Assessment) -> str:
    return f"care-{assessment.establishment.finess}-{assessment.campaign.year}.xlsx"


# --- reading ----------------------------------------------------------------------------------


def _not_a_workbook() -> WorkbookRejected:
    return WorkbookRejected(
        [
            _(
                "Le fichier n'est pas un classeur Excel (.xlsx) lisible : envoyez le classeur "
                "téléchargé depuis cette auto-évaluation."
            )
        ]
    )


def _too_large() -> WorkbookRejected:
    return WorkbookRejected(
        [_("Le fichier dépasse 2 Mo : ce n'est pas un classeur de réponses du portail.")]
    )


def _read_bytes(upload) -> bytes:
    if isinstance(upload, bytes):
        raw = upload
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_UPLOAD_BYTES:
            raise _too_large()
        upload.seek(0)
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise _too_large()
    return raw


def _open(raw: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise _not_a_workbook() from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookRejected(
            [
                _(
                    "Le classeur décompressé dépasse 20 Mo : ce n'est pas un classeur de réponses "
                    "du portail."
                )
            ]
        )
    try:
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise _not_a_workbook() from None


def _unsigned() -> WorkbookRejected:
    return WorkbookRejected(
        [
            _(
                "Ce classeur n'a pas été produit par le portail pour cette auto-évaluation, ou sa "
                "signature a été modifiée : téléchargez le classeur de cette auto-évaluation et "
                "reportez-y vos réponses. Rien n'a été importé."
            )
        ]
    )


def _check_signature(workbook, assessment: Assessment) -> dict[str, Any]:
    if SIGNATURE_SHEET not in workbook.sheetnames or len(workbook.sheetnames) > MAX_SHEETS:
        raise _unsigned()
    cell = next(workbook[SIGNATURE_SHEET].iter_rows(max_row=1, max_col=1, values_only=True), ())
    token = cell[0] if cell else None
    try:
        payload = signing.loads(token, salt=SIGNATURE_SALT) if isinstance(token, str) else None
    except signing.BadSignature:
        payload = None
    if not isinstance(payload, dict):
        raise _unsigned()
    if payload.get("assessment") != assessment.pk:
        raise WorkbookRejected(
            [
                _(
                    "Ce classeur a été téléchargé depuis une autre auto-évaluation : il ne peut pas "
                    "être importé dans celle-ci. Rien n'a été importé."
                )
            ]
        )
    referential = assessment.campaign.referential
    if payload.get("referential") != [referential.code, referential.version]:
        given = ":".join(map(str, payload.get("referential") or []))
        raise WorkbookRejected(
            [
                _(
                    "Ce classeur suit le référentiel %(given)s ; cette auto-évaluation suit le "
                    "référentiel %(expected)s. Rien n'a été importé."
                )
                % {"given": given, "expected": referential.label}
            ]
        )
    return payload


def _text(value: Any) -> str:
    """A cell's value as the text a form box would receive."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # The apostrophe written before text that a spreadsheet could read as a formula.
    if text.startswith("'") and could_run(text[1:]):
        text = text[1:]
    return text


def _read_rows(workbook, sheet_titles: list[str]) -> dict[tuple[str, int], dict[str, Any]]:
    """(sheet, row) -> {column: value} of the question rows of the axis sheets."""
    cells: dict[tuple[str, int], dict[str, Any]] = {}
    for title in sheet_titles:
        sheet = workbook[title]
        rows = sheet.iter_rows(
            min_row=FIRST_ROW,
            max_row=FIRST_ROW + MAX_ROWS_PER_SHEET,
            max_col=len(COLUMNS),
            values_only=True,
        )
        for row_number, row in enumerate(rows, start=FIRST_ROW):
            values = dict(zip(COLUMNS, row, strict=False))
            if any(value not in (None, "") for value in values.values()):
                cells[(title, row_number)] = values
    return cells


def _is_formula(value: Any) -> bool:
    """A formula typed in a cell (text cells the portal writes never start with "=")."""
    return isinstance(value, str) and value.startswith("=")


def _where(sheet: str, column: str, row: int) -> str:
    return _("%(sheet)s, cellule %(cell)s") % {"sheet": sheet, "cell": f"{column}{row}"}


def _part_column(answer_input: AnswerInput, name: str) -> str:
    for column, part in _value_columns(answer_input).items():
        if part_name(answer_input.code, part) == name:
            return column
    return OTHER


def _read_answer(
    item: Item, cells: dict[str, Any], sheet: str, row: int
) -> tuple[Any, str, list[str]]:
    """The answer and N/A reason typed on one row, or the messages of its bad cells."""
    answer_input = item.input
    code = answer_input.code
    parts = answer_input.parts()
    cleaned: dict[str, Any] = dict.fromkeys(parts, False)
    errors: list[str] = []
    for column in (ANSWER, SECOND, OTHER, REASON):
        if _is_formula(cells.get(column)):
            errors.append(
                f"{_where(sheet, column, row)} : "
                + _("les formules ne sont pas lues ; saisissez la valeur elle-même.")
            )
    if errors:
        return None, "", errors
    for column, part in _value_columns(answer_input).items():
        name = part_name(code, part)
        text = _text(cells.get(column))
        if isinstance(answer_input, ChoiceInput):
            cleaned[name] = None
            if text:
                for html, _value, label in answer_input.all_choices():
                    if text.casefold() == label.casefold():
                        cleaned[name] = html
                        break
                else:
                    errors.append(
                        f"{_where(sheet, column, row)} : "
                        + _(
                            "« %(text)s » n'est pas une réponse possible ; choisissez parmi : "
                            "%(choices)s."
                        )
                        % {"text": text, "choices": ", ".join(_choice_labels(answer_input))}
                    )
            continue
        try:
            cleaned[name] = parts[name].clean(text)
        except ValidationError as error:
            errors.extend(f"{_where(sheet, column, row)} : {m}" for m in error.messages)
    other = _text(cells.get(OTHER))
    others = _other_answers(answer_input)
    if other:
        for label, part in others:
            if other.casefold() == label.casefold():
                cleaned[part_name(code, part)] = True
                break
        else:
            message = (
                _("« %(text)s » n'est pas une réponse possible ; choisissez parmi : %(choices)s.")
                % {"text": other, "choices": ", ".join(label for label, _p in others)}
                if others
                else _("cette question n'a pas d'autre réponse : videz la cellule.")
            )
            errors.append(f"{_where(sheet, OTHER, row)} : {message}")
    reason = _text(cells.get(REASON))
    if errors:
        return None, reason, errors
    try:
        value = answer_input.answer(cleaned)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = _part_column(answer_input, name)
            errors.extend(f"{_where(sheet, column, row)} : {m}" for m in messages)
        return None, reason, errors
    return value, reason, []


@dataclass
class _Read:
    changes: dict[str, Any]  # code -> new answer
    reasons: dict[str, str]  # code -> new N/A reason
    where: dict[str, tuple[str, int]]
    page: FormPage
    baseline: dict[str, Any]
    # ((sheet index, row), message) of the cells that cannot be read
    errors: list[tuple[tuple[int, int], str]]
    order: dict[str, int] = field(default_factory=dict)


def _read(assessment: Assessment, upload, user: User) -> _Read:
    workbook = _open(_read_bytes(upload))
    try:
        payload = _check_signature(workbook, assessment)
        page = FormPage(assessment, user)
        titles = [
            title
            for title in workbook.sheetnames
            if title not in (INSTRUCTIONS_SHEET, LISTS_SHEET, SIGNATURE_SHEET)
        ]
        cells = _read_rows(workbook, titles)
    finally:
        workbook.close()
    layout = sorted((sheet, row, _text(values.get(CODE))) for (sheet, row), values in cells.items())
    if _digest(layout) != payload.get("digest"):
        raise WorkbookRejected(
            [
                _(
                    "Les lignes ou les feuilles du classeur ont été ajoutées, supprimées ou déplacées "
                    "(ou un code de question modifié) : téléchargez un nouveau classeur et reportez-y "
                    "vos réponses. Rien n'a été importé."
                )
            ]
        )
    baseline = payload.get("answers") or {}
    baseline_reasons = payload.get("reasons") or {}
    order = {title: index for index, title in enumerate(titles)}
    read = _Read(changes={}, reasons={}, where={}, page=page, baseline=baseline, errors=[])
    failed: dict[str, list[str]] = {}
    for sheet, row, code in layout:
        item = page.items.get(code)
        if item is None:
            read.errors.append(
                (
                    (order[sheet], row),
                    _(
                        "%(sheet)s, ligne %(row)d : la question « %(code)s » n'est "
                        "plus posée à cet établissement."
                    )
                    % {"sheet": sheet, "row": row, "code": code},
                )
            )
            continue
        read.where[code] = (sheet, row)
        value, reason, messages = _read_answer(item, cells[(sheet, row)], sheet, row)
        if messages:
            failed[code] = messages
            continue
        if not same_answer(value, baseline.get(code)):
            read.changes[code] = value
        if reason != baseline_reasons.get(code, ""):
            read.reasons[code] = reason
    # As in the form: a follow-up whose condition no longer holds is neither checked nor saved.
    asked = page.asked_codes({**page.values, **read.changes})
    read.changes = {code: value for code, value in read.changes.items() if code in asked}
    read.reasons = {code: reason for code, reason in read.reasons.items() if code in asked}
    for code in read.reasons.keys() - read.changes.keys():
        # A reason typed again for an answer left as it was: saved with that answer.
        read.changes[code] = page.values.get(code)
    for code, messages in failed.items():
        if code in asked:
            sheet, row = read.where[code]
            read.errors.extend(((order[sheet], row), message) for message in messages)
    read.order = order
    return read


def _listed(messages: list[str]) -> list[str]:
    listed = [
        _("Rien n'a été importé, %(count)d cellule(s) à corriger :") % {"count": len(messages)}
    ]
    listed += messages[:MAX_LISTED_ERRORS]
    if len(messages) > MAX_LISTED_ERRORS:
        listed.append(_("… et %(count)d autres.") % {"count": len(messages) - MAX_LISTED_ERRORS})
    return listed


def _rule_errors(read: _Read, errors: dict[str, str]) -> list[tuple[tuple[int, int], str]]:
    """The rules' messages, each at the cell it belongs to."""
    located = []
    for code, message in errors.items():
        item = read.page.items.get(code)
        if item is None or code not in read.where:
            located.append(((len(read.order), 0), f"« {code} » : {message}"))
            continue
        sheet, row = read.where[code]
        if isinstance(message, ReasonMessage):
            column = REASON
        else:
            column = _part_column(item.input, rule_error_part(item.input, message))
        located.append(((read.order[sheet], row), f"{_where(sheet, column, row)} : {message}"))
    return located


def preview_workbook(*, assessment: Assessment, upload, user: User) -> Preview:
    """What the workbook would change, checked like a form save; writes nothing.

    Every cell that cannot be read and every answer the rules refuse are listed at once.
    Raises WorkbookRejected or PermissionDenied.
    """
    read = _read(assessment, upload, user)
    errors = list(read.errors)
    try:
        check_answers(
            assessment=assessment, answers=read.changes, user=user, na_reasons=read.reasons
        )
    except AnswersRejected as rejected:
        errors.extend(_rule_errors(read, rejected.errors))
    except AssessmentLocked:
        raise WorkbookRejected(_locked()) from None
    if errors:
        errors.sort(key=lambda located: located[0])
        raise WorkbookRejected(_listed([message for _key, message in errors]))
    page = read.page
    baseline_codes = set(read.changes) | set(read.reasons)
    changes = []
    for code in (c for c in page.items if c in baseline_codes):
        item = page.items[code]
        sheet, row = read.where[code]
        new = read.changes.get(code, item.value)
        changes.append(
            Change(
                code=code,
                question=item.requirement.label,
                where=_("%(sheet)s, ligne %(row)d") % {"sheet": sheet, "row": row},
                old=item.input.display(item.value),
                new=item.input.display(new),
                reason=read.reasons.get(code, _reason_of(item.answer)),
                changed_since=not same_answer(item.value, read.baseline.get(code)),
            )
        )
    token = signing.dumps(
        {
            "assessment": assessment.pk,
            "user": user.pk,
            "version": assessment.version,
            "answers": read.changes,
            "reasons": read.reasons,
        },
        salt=PREVIEW_SALT,
        compress=True,
    )
    return Preview(changes=changes, token=token)


def _locked() -> list[str]:
    return [_("L'auto-évaluation est transmise : ses réponses ne sont plus modifiables.")]


def confirm_workbook(*, assessment: Assessment, token: str, user: User, request=None) -> int:
    """Save the answers of a confirmed preview; returns how many changed.

    Raises WorkbookRejected (nothing written) or PermissionDenied.
    """
    try:
        payload = signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise WorkbookRejected(
            [_("L'aperçu a plus d'une heure : envoyez à nouveau le classeur.")]
        ) from None
    except signing.BadSignature:
        raise WorkbookRejected(
            [_("L'aperçu n'est pas valide : envoyez à nouveau le classeur.")]
        ) from None
    if payload.get("assessment") != assessment.pk or payload.get("user") != user.pk:
        raise WorkbookRejected([_("L'aperçu n'est pas valide : envoyez à nouveau le classeur.")])
    answers = payload.get("answers") or {}
    reasons = payload.get("reasons") or {}
    try:
        save_answers(
            assessment=assessment,
            answers=answers,
            expected_version=payload.get("version"),
            user=user,
            na_reasons=reasons,
        )
    except StaleVersion:
        raise WorkbookRejected(
            [
                _(
                    "Quelqu'un a enregistré cette auto-évaluation depuis l'aperçu : rien n'a été "
                    "importé. Envoyez à nouveau le classeur pour voir les changements à jour."
                )
            ]
        ) from None
    except AnswersRejected as rejected:
        raise WorkbookRejected(
            _listed([f"« {code} » : {message}" for code, message in rejected.errors.items()])
        ) from None
    except AssessmentLocked:
        raise WorkbookRejected(_locked()) from None
    record_event(
        actor=user,
        action=AuditAction.ANSWERS_IMPORT,
        establishment=assessment.establishment,
        request=request,
        detail={"assessment": assessment.pk, "answers": len(answers), "format": "xlsx"},
    )
    return len(set(answers) | set(reasons))

"""The declaration pack of a candidacy: what an establishment hands to the national platform.

A ZIP with the PDF « déclaration d'atteinte des objectifs » (per prerequisite and objective: its
status from the answers, the answers it rests on, the documents given with their SHA-256) and the
documents themselves under ``pieces/<objective>/<document>/``. Every file is read through the
storage and checked against the checksum recorded at upload (``care_portal.stored_files``): a
missing or damaged file stops the pack with a French reason, and nothing is sent. The PDF is
rendered like the gap report (``reports.pdf``: same print stylesheet, local fonts, tagged PDF).
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Evidence
from assessments.scoring.model import RequirementStatus
from assessments.scoring.service import compute_result
from care_portal.formats import format_datetime
from care_portal.stored_files import DamagedFile, open_verified, sha256_of
from funding.models import Candidacy
from funding.objectives import ObjectiveStatus, candidacy_status
from reports.pdf import _css_string, font_directory, html_to_pdf

# The pack is built in memory up to this size, then in a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024


class PackError(Exception):
    """The pack cannot be built (a document is missing or damaged); the message is French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class PackDocument:
    slot: str  # the document code the objective asks for
    slot_label: str
    evidence: Evidence
    name: str  # the file's name, note or link as shown
    sha256: str = ""  # files only
    path: str = ""  # the file's path in the ZIP (files only)


@dataclass
class AnswerLine:
    establishment: str
    requirement: str
    status: str


@dataclass
class DeclarationLine:
    code: str
    label: str
    is_prerequisite: bool
    status: str  # "Atteint", "Non atteint", "Indéterminé"
    explanation: str
    answers: list[AnswerLine]
    documents: list[PackDocument] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # labels of the documents not given


@dataclass
class Declaration:
    candidacy: Candidacy
    lines: list[DeclarationLine]
    generated_at: datetime

    @property
    def title(self) -> str:
        return _("Déclaration d'atteinte des objectifs — %(call)s") % {
            "call": self.candidacy.call.code
        }

    @property
    def files(self) -> list[PackDocument]:
        return [d for line in self.lines for d in line.documents if d.path]


def met_label(met: bool | None) -> str:
    if met is None:
        return _("Indéterminé")
    return _("Atteint") if met else _("Non atteint")


def _safe(text: str, limit: int = 80) -> str:
    """A file-name part without accents, separators or anything a ZIP reader may trip on."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "piece"
    return text[:limit]


def _document_name(evidence: Evidence) -> str:
    if evidence.kind == Evidence.Kind.FILE:
        return evidence.original_name or evidence.file.name
    if evidence.kind == Evidence.Kind.LINK:
        return _("Lien : %(url)s") % {"url": evidence.url}
    return _("Note : %(note)s") % {"note": evidence.note[:160]}


def _line(item: ObjectiveStatus, assessments, statuses, used: set[str]) -> DeclarationLine:
    answers = [
        AnswerLine(
            establishment=assessment.establishment.display_name,
            requirement=code,
            status=str(RequirementStatus(statuses[assessment.pk].get(code, "not_asked")).label),
        )
        for assessment in assessments
        for code in item.requirements
    ]
    documents = []
    for slot in item.documents:
        for evidence in slot.evidence:
            document = PackDocument(
                slot=slot.code,
                slot_label=slot.label,
                evidence=evidence,
                name=_document_name(evidence),
            )
            if evidence.kind == Evidence.Kind.FILE and evidence.file:
                base = f"pieces/{_safe(item.code)}/{_safe(slot.code)}/{_safe(document.name)}"
                path, n = base, 1
                while path in used:
                    n += 1
                    stem, dot, ext = base.rpartition(".")
                    path = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
                used.add(path)
                document.path = path
            documents.append(document)
    return DeclarationLine(
        code=item.code,
        label=item.label,
        is_prerequisite=item.is_prerequisite,
        status=met_label(item.met),
        explanation=item.explanation,
        answers=answers,
        documents=documents,
        missing=[slot.label for slot in item.documents if slot.missing],
    )


def build_declaration(candidacy: Candidacy) -> Declaration:
    status = candidacy_status(candidacy)
    statuses = {a.pk: compute_result(a).statuses for a in status.assessments}
    used: set[str] = set()
    lines = [
        _line(item, status.assessments, statuses, used)
        for item in [*status.prerequisites, *status.objectives]
    ]
    return Declaration(candidacy=candidacy, lines=lines, generated_at=timezone.now())


def _read_documents(declaration: Declaration) -> dict[str, bytes]:
    """Each file's content, checked against its checksum; PackError when one cannot be given."""
    contents = {}
    for document in declaration.files:
        evidence = document.evidence
        try:
            handle = open_verified(evidence.file, evidence.sha256)
        except FileNotFoundError:
            raise PackError(
                _("La pièce « %(name)s » (objectif %(code)s) est introuvable dans le stockage.")
                % {"name": document.name, "code": document.path.split("/")[1]}
            ) from None
        except DamagedFile:
            raise PackError(
                _(
                    "La pièce « %(name)s » (objectif %(code)s) est endommagée : son empreinte "
                    "ne correspond plus à celle du dépôt. Déposez-la à nouveau."
                )
                % {"name": document.name, "code": document.path.split("/")[1]}
            ) from None
        with handle:
            document.sha256 = evidence.sha256 or sha256_of(handle)
            contents[document.path] = handle.read()
    return contents


def render_declaration_pdf(declaration: Declaration) -> bytes:
    candidacy = declaration.candidacy
    with translation.override("fr"):
        fonts = font_directory()
        html = render_to_string(
            "reports/declaration.html",
            {
                "declaration": declaration,
                "candidacy": candidacy,
                "call": candidacy.call,
                "font_url": Path(fonts).as_uri() + "/" if fonts else None,
                "running_title": _css_string(declaration.title),
                "running_status": "none",
                "running_footer": _css_string(
                    _("Généré le %(date)s · %(call)s · %(applicant)s")
                    % {
                        "date": format_datetime(declaration.generated_at),
                        "call": candidacy.call.code,
                        "applicant": candidacy.applicant,
                    }
                ),
                "watermark_image": None,
            },
        )
    return html_to_pdf(html)


def pack_filename(candidacy: Candidacy) -> str:
    """declaration-D2-GHT69-01.zip"""
    return f"declaration-{_safe(candidacy.call.code)}-{_safe(candidacy.applicant)}.zip"


def build_pack(candidacy: Candidacy):
    """The ZIP as a file object at its start (PackError and nothing built when a file fails)."""
    declaration = build_declaration(candidacy)
    contents = _read_documents(declaration)
    pdf = render_declaration_pdf(declaration)
    pack = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the response
    with zipfile.ZipFile(pack, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("declaration-atteinte-objectifs.pdf", pdf)
        for path, content in contents.items():
            archive.writestr(path, content)
    pack.seek(0)
    return pack

"""Evidence attached to an assessment's requirements: files, links and notes.

A file's type is read from its content, never from its name: the first bytes give the format
(``filetype``), and office documents, which are ZIP archives, must also have the inner structure
of their format. Accepted: PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS, up to
``settings.CARE_EVIDENCE_MAX_BYTES``. Files are stored under MEDIA_ROOT (outside the web root)
with random names and only ever served by a view that checks the person's scope.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from assessments.models import Assessment, Evidence
from audit.models import Action as AuditAction
from audit.services import record_event
from referential.models import Requirement

NOTE_MAX_LENGTH = 2000
# An archive that inflates beyond this is refused (a "zip bomb" is not a document).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    mime: str
    label: str


PDF = FileType("pdf", "application/pdf", "PDF")
PNG = FileType("png", "image/png", "PNG")
JPEG = FileType("jpg", "image/jpeg", "JPEG")
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word (DOCX)",
)
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"
)
ODT = FileType("odt", "application/vnd.oasis.opendocument.text", "OpenDocument texte (ODT)")
ODS = FileType(
    "ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument tableur (ODS)"
)
ACCEPTED = (PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS)
_BY_MIME = {file_type.mime: file_type for file_type in (PDF, PNG, JPEG)}
_ZIP_BASED = {"application/zip", DOCX.mime, XLSX.mime, ODT.mime, ODS.mime}
ACCEPT_ATTRIBUTE = ",".join(
    [f".{t.extension}" for t in ACCEPTED] + [".jpeg"] + [t.mime for t in ACCEPTED]
)


def max_bytes() -> int:
    return settings.CARE_EVIDENCE_MAX_BYTES


def accepted_formats_text() -> str:
    return _("PDF, PNG, JPEG, DOCX, XLSX, ODT ou ODS, %(size)s au plus") % {
        "size": filesizeformat(max_bytes())
    }


def _refused(reason: str) -> ValidationError:
    return ValidationError(
        _("%(reason)s Formats acceptés : %(formats)s.")
        % {"reason": reason, "formats": accepted_formats_text()}
    )


def _office_type(upload: UploadedFile) -> FileType:
    """The office format of a ZIP archive, from its inner structure."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
                raise _refused(
                    _("Cette archive est anormalement volumineuse une fois décompressée.")
                )
            names = {info.filename for info in infos}
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                for candidate in (ODT, ODS):
                    if declared == candidate.mime and "content.xml" in names:
                        return candidate
            if "[Content_Types].xml" in names:
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    raise _refused(_("Les documents contenant des macros ne sont pas acceptés."))
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except zipfile.BadZipFile:
        raise _refused(
            _("Ce fichier est endommagé ou n'est pas un document bureautique.")
        ) from None
    finally:
        upload.seek(0)
    raise _refused(_("Cette archive n'est pas un document bureautique accepté."))


def detect_type(upload: UploadedFile) -> FileType:
    """The accepted type of an uploaded file, read from its content; ValidationError otherwise."""
    if upload.size > max_bytes():
        raise ValidationError(
            _("Ce fichier pèse %(size)s : la limite est de %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes())}
        )
    if upload.size == 0:
        raise ValidationError(_("Ce fichier est vide."))
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        raise _refused(_("Le contenu de ce fichier n'est pas d'un format reconnu."))
    if kind.mime in _BY_MIME:
        return _BY_MIME[kind.mime]
    if kind.mime in _ZIP_BASED:
        return _office_type(upload)
    raise _refused(
        _("Le contenu de ce fichier est de type « %(type)s », qui n'est pas accepté.")
        % {"type": kind.extension}
    )


def download_name(evidence: Evidence) -> str:
    """The name given to a download: the uploaded name, with the extension of the real type."""
    stem = PurePath(evidence.original_name).stem or "preuve"
    extension = PurePath(evidence.file.name).suffix
    return f"{stem}{extension}"


# --- services -------------------------------------------------------------------------------------


def may_manage(user, assessment: Assessment, requirement: Requirement) -> bool:
    """Evidence follows the answer: whoever may answer the requirement may attach evidence."""
    if requirement.is_ght_level:
        return user.has_perm("assessments.edit_ght_answers", assessment)
    return user.has_perm("assessments.edit_answers", assessment)


def _check(user, assessment: Assessment, requirement: Requirement) -> None:
    if requirement.referential_id != assessment.campaign.referential_id:
        raise PermissionDenied
    if not may_manage(user, assessment, requirement):
        raise PermissionDenied(
            _("Vous ne pouvez pas modifier les preuves de cette auto-évaluation.")
            if assessment.is_editable
            else _("L'auto-évaluation est transmise : ses preuves ne sont plus modifiables.")
        )


def _audit(evidence: Evidence, *, user, action: str, request=None) -> None:
    record_event(
        actor=user,
        action=action,
        establishment=evidence.assessment.establishment,
        request=request,
        detail={
            "assessment": evidence.assessment_id,
            "requirement": evidence.requirement.code,
            "kind": evidence.kind,
            **({"name": evidence.original_name} if evidence.original_name else {}),
        },
    )


@transaction.atomic
def add_file(
    *, assessment: Assessment, requirement: Requirement, upload: UploadedFile, user, request=None
) -> Evidence:
    """Attach a file; raises ValidationError (too large, refused type) or PermissionDenied."""
    _check(user, assessment, requirement)
    file_type = detect_type(upload)
    original = PurePath(upload.name or "").name[:255] or "preuve"
    upload.name = f"upload.{file_type.extension}"
    evidence = Evidence(
        assessment=assessment,
        requirement=requirement,
        kind=Evidence.Kind.FILE,
        original_name=original,
        content_type=file_type.mime,
        size=upload.size,
        created_by=user,
    )
    evidence.file.save(upload.name, upload, save=False)
    try:
        evidence.save()
        _audit(evidence, user=user, action=AuditAction.EVIDENCE_UPLOAD, request=request)
    except Exception:
        # No orphan file when the row cannot be written.
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def add_link(
    *, assessment: Assessment, requirement: Requirement, url: str, note: str = "", user
) -> Evidence:
    """Attach a link (http or https), with an optional short description."""
    _check(user, assessment, requirement)
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            _("Saisissez une adresse web complète, commençant par https:// ou http://.")
        ) from None
    return Evidence.objects.create(
        assessment=assessment,
        requirement=requirement,
        kind=Evidence.Kind.LINK,
        url=url,
        note=_clean_note(note, required=False),
        created_by=user,
    )


def _clean_note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError(_("La note est vide."))
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("La note dépasse %(max)d caractères (%(length)d saisis).")
            % {"max": NOTE_MAX_LENGTH, "length": len(note)}
        )
    return note


@transaction.atomic
def add_note(*, assessment: Assessment, requirement: Requirement, note: str, user) -> Evidence:
    """Attach a short text note (where the evidence is kept, who holds it…)."""
    _check(user, assessment, requirement)
    return Evidence.objects.create(
        assessment=assessment,
        requirement=requirement,
        kind=Evidence.Kind.NOTE,
        note=_clean_note(note, required=True),
        created_by=user,
    )


@transaction.atomic
def delete_evidence(*, evidence: Evidence, user, request=None) -> None:
    """Remove a piece of evidence; its file goes once the deletion is committed (signal)."""
    _check(user, evidence.assessment, evidence.requirement)
    if evidence.kind == Evidence.Kind.FILE:
        _audit(evidence, user=user, action=AuditAction.EVIDENCE_DELETE, request=request)
    evidence.delete()


def evidence_by_requirement(assessment: Assessment) -> dict[int, list[Evidence]]:
    """Requirement id -> its evidence, in one query (for the form and the evidence page)."""
    found: dict[int, list[Evidence]] = {}
    evidence_list = Evidence.objects.filter(assessment=assessment).select_related("created_by")
    for evidence in evidence_list.order_by("created_at", "pk"):
        found.setdefault(evidence.requirement_id, []).append(evidence)
    return found

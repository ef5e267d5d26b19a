"""Evidence attached to an assessment's requirements: files, links and notes.

A file's type is read from its content, never from its name: the first bytes give the format
(``filetype``), and office documents, which are ZIP archives, must also have the inner structure
of their format, stay within bounds when inflated, and carry no active content (macros, ActiveX,
OLE objects, external templates or frames; see "office documents" below). Accepted: PDF, PNG,
JPEG, DOCX, XLSX, ODT, ODS, up to ``settings.CARE_EVIDENCE_MAX_BYTES``. Files are stored in the
default storage (MEDIA_ROOT outside the web root, or a private bucket) with random names and their
SHA-256 checksum, and only ever served by a view that checks the person's scope and the checksum.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from xml.etree import ElementTree

import filetype
from defusedxml import ElementTree as defused_etree
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import TITLE_MAX_LENGTH, Assessment, Evidence
from audit.models import Action as AuditAction
from audit.services import record_event
from care_portal.formats import format_file_size
from care_portal.stored_files import sha256_of
from establishments.models import User
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
# Office formats that are not accepted, but whose active content is reported first: the person
# learns that a presentation with macros carries macros, not only that presentations are refused.
_ZIP_INSPECTED = _ZIP_BASED | {
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.presentation",
}
ACCEPT_ATTRIBUTE = ",".join(
    [f".{t.extension}" for t in ACCEPTED] + [".jpeg"] + [t.mime for t in ACCEPTED]
)


def max_bytes() -> int:
    return settings.CARE_EVIDENCE_MAX_BYTES


def accepted_formats_text() -> str:
    return _("PDF, PNG, JPEG, DOCX, XLSX, ODT ou ODS, %(size)s au plus") % {
        "size": format_file_size(max_bytes())
    }


def _refused(reason: str) -> ValidationError:
    return ValidationError(
        _("%(reason)s Formats acceptés : %(formats)s.")
        % {"reason": reason, "formats": accepted_formats_text()}
    )


# --- office documents -----------------------------------------------------------------------------
#
# An office document is a ZIP archive. What reading it may cost is bounded before anything is
# inflated, whatever the archive declares: the size of its central directory and its number of
# entries, the total inflated size, each entry's compression ratio. Entries that are only sniffed
# are read a few bytes at a time; the XML parts that say what a document holds ([Content_Types].xml,
# the relationships, the OpenDocument manifest) are streamed through defusedxml (no entity
# expansion) and read up to a bound.
#
# Refused, whether or not the parts carry their usual names: macros (VBA projects, even renamed, since
# their content type is declared; Word's VBA data; Excel 4.0 macro sheets; formats that carry macros,
# .docm, .xlsm, .xlsb, .pptm…; OpenDocument Basic/ and Scripts/ libraries and manifest entries that
# declare them), ActiveX controls, embedded OLE objects (declared, or recognised by the compound
# file signature of their content), and relationships that make the document load something from
# outside (an attached template, a linked object, a frame, a sub-document, a linked image…): only
# hyperlinks may point outside the document.

# At most this many entries, and this many bytes of central directory (read before any entry).
MAX_ENTRIES = 5000
MAX_CENTRAL_DIRECTORY_BYTES = 1024 * 1024
# An entry larger than the floor that inflates more than this many times its packed size is a bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
# The XML parts read to find active content, each and all together.
MAX_XML_PART_BYTES = 4 * 1024 * 1024
MAX_XML_TOTAL_BYTES = 32 * 1024 * 1024
# The OpenDocument "mimetype" entry: a media type of a few dozen characters, stored uncompressed.
MAX_MIMETYPE_BYTES = 100
# Compound File Binary (OLE2): the container of VBA projects and of OLE objects.
CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An archive inside the document (an embedded document): checked like the document itself, up to
# this many levels and this size each.
ZIP_SIGNATURE = b"PK\x03\x04"
MAX_NESTING = 3
MAX_NESTED_BYTES = 20 * 1024 * 1024

MACRO_EXTENSIONS = (
    ".docm", ".dotm", ".xlsm", ".xltm", ".xlsb", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam",
    ".sldm",
)  # fmt: skip
# Relationship types (last segment of the Type URI, lower-cased) that bring code into a document.
_VBA_RELATIONSHIPS = {"vbaproject", "wordvbadata", "vbaprojectsignature"}
_EXCEL4_RELATIONSHIPS = {"xlmacrosheet", "xlintlmacrosheet"}
_ACTIVEX_RELATIONSHIPS = {"control", "activexcontrolbinary"}
# The only relationship that may point outside the document.
_EXTERNAL_ALLOWED = {"hyperlink"}
_URL_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|\\\\|//)", re.IGNORECASE)

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def _external_label(relationship: str) -> str:
    labels = {
        "attachedtemplate": _("modèle attaché"),
        "oleobject": _("objet lié (OLE)"),
        "frame": _("cadre"),
        "subdocument": _("sous-document"),
        "image": _("image liée"),
        "package": _("document lié"),
        "externallinkpath": _("classeur lié"),
    }
    return labels.get(relationship) or _("lien « %(type)s »") % {"type": relationship[:40]}


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else f"{text[: length - 1]}…"


def _central_directory(upload: UploadedFile) -> tuple[int, int] | None:
    """(entries, bytes) of a ZIP's central directory, from its end record, found as zipfile does."""
    size = upload.size
    tail_length = min(size, _EOCD.size + 0xFFFF + _ZIP64_LOCATOR_SIZE + _ZIP64_EOCD.size)
    upload.seek(size - tail_length)
    tail = upload.read(tail_length)
    position = len(tail) - _EOCD.size
    if position < 0:
        return None
    if not (tail[position : position + 4] == b"PK\x05\x06" and tail[-2:] == b"\x00\x00"):
        position = tail.rfind(b"PK\x05\x06")
        if position < 0 or len(tail) - position < _EOCD.size:
            return None
    *_, entries, directory_bytes, _offset, _comment = _EOCD.unpack_from(tail, position)
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        start = position - _ZIP64_LOCATOR_SIZE - _ZIP64_EOCD.size
        if start >= 0 and tail[start : start + 4] == b"PK\x06\x06":
            fields = _ZIP64_EOCD.unpack_from(tail, start)
            entries, directory_bytes = fields[7], fields[8]
    return entries, directory_bytes


class _BoundedReader:
    """A file-like view of an archive entry that refuses to give more than `limit` bytes."""

    def __init__(self, raw, limit: int, refuse):
        self.raw, self.limit, self.refuse, self.count = raw, limit, refuse, 0

    def read(self, size: int = -1) -> bytes:
        room = self.limit + 1 - self.count
        data = self.raw.read(room if size is None or size < 0 else min(size, room))
        self.count += len(data)
        if self.count > self.limit:
            raise self.refuse()
        return data


def _local(name: str) -> str:
    """An XML tag or attribute name without its namespace."""
    return name.rsplit("}", 1)[-1]


class _OfficeArchive:
    """An uploaded ZIP archive, inspected within bounds for the format and active content."""

    def __init__(self, archive: zipfile.ZipFile, *, depth: int = 0):
        self.archive = archive
        self.depth = depth
        self.entries = [info for info in archive.infolist() if not info.is_dir()]
        # Part names of office packages are case-insensitive.
        self.by_name = {info.filename.lower(): info for info in self.entries}
        self.xml_budget = MAX_XML_TOTAL_BYTES
        self.is_ooxml = "[content_types].xml" in self.by_name
        self.is_odf = "mimetype" in archive.NameToInfo or "meta-inf/manifest.xml" in self.by_name

    # -- messages

    def _fix(self) -> str:
        if self.is_odf and not self.is_ooxml:
            return _(
                "supprimez-les (dans LibreOffice : Outils > Macros > Gérer les macros) "
                "puis déposez-le à nouveau"
            )
        names = self.by_name.keys()
        if any(name.startswith("xl/") for name in names):
            target = ".xlsx"
        elif any(name.startswith("ppt/") for name in names):
            target = ".pptx"
        elif any(name.startswith("word/") for name in names):
            target = ".docx"
        else:
            target = ".docx, .xlsx ou .pptx"
        return _("enregistrez-le sans macros (format %(format)s) puis déposez-le à nouveau") % {
            "format": target
        }

    def macros(self, kind: str) -> ValidationError:
        return ValidationError(
            _(
                "Ce document contient des macros (%(kind)s) ; les documents contenant des macros "
                "ne sont pas acceptés : %(fix)s."
            )
            % {"kind": kind, "fix": self._fix()}
        )

    def macro_format(self) -> ValidationError:
        return ValidationError(
            _(
                "Ce document est dans un format qui porte des macros (.docm, .xlsm, .xlsb, "
                ".pptm…) ; les documents contenant des macros ne sont pas acceptés : %(fix)s."
            )
            % {"fix": self._fix()}
        )

    @staticmethod
    def activex() -> ValidationError:
        return ValidationError(
            _(
                "Ce document contient des contrôles ActiveX, qui exécutent du code ; ils ne sont "
                "pas acceptés : supprimez-les (ou enregistrez le document en PDF) puis "
                "déposez-le à nouveau."
            )
        )

    @staticmethod
    def ole() -> ValidationError:
        return ValidationError(
            _(
                "Ce document contient des objets incorporés (OLE) d'autres programmes, qui peuvent "
                "exécuter du code ; ils ne sont pas acceptés : remplacez-les par des images (ou "
                "enregistrez le document en PDF) puis déposez-le à nouveau."
            )
        )

    @staticmethod
    def external(relationship: str, target: str) -> ValidationError:
        return ValidationError(
            _(
                "Ce document charge un contenu extérieur (%(what)s : « %(target)s ») ; seuls les "
                "liens hypertexte peuvent pointer hors du document : supprimez ce lien (pour un "
                "modèle attaché, rattachez le document au modèle Normal) puis déposez-le à nouveau."
            )
            % {"what": _external_label(relationship), "target": _short(target)}
        )

    # -- bounds

    def check_bounds(self) -> None:
        if len(self.archive.infolist()) > MAX_ENTRIES:
            raise _too_many_entries()
        total = sum(info.file_size for info in self.entries)
        if total > MAX_UNZIPPED_BYTES:
            raise _refused(
                _(
                    "Cette archive est anormalement volumineuse une fois décompressée "
                    "(%(size)s, %(max)s au plus)."
                )
                % {"size": format_file_size(total), "max": format_file_size(MAX_UNZIPPED_BYTES)}
            )
        for info in self.entries:
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
                info.compress_size, 1
            ):
                raise _refused(
                    _(
                        "Cette archive est anormalement volumineuse une fois décompressée : "
                        "« %(name)s » passe de %(packed)s à %(size)s."
                    )
                    % {
                        "name": _short(info.filename),
                        "packed": format_file_size(info.compress_size),
                        "size": format_file_size(info.file_size),
                    }
                )
        mimetype = self.archive.NameToInfo.get("mimetype")
        if mimetype is not None and (
            mimetype.compress_type != zipfile.ZIP_STORED or mimetype.file_size > MAX_MIMETYPE_BYTES
        ):
            raise _refused(
                _(
                    "Ce fichier OpenDocument n'est pas conforme : son entrée « mimetype » doit "
                    "tenir en quelques octets, sans compression. Enregistrez-le à nouveau avec "
                    "LibreOffice puis déposez-le."
                )
            )

    # -- reading

    def head(self, info: zipfile.ZipInfo, size: int) -> bytes:
        with self.archive.open(info) as entry:
            return entry.read(size)

    def _too_large(self, info: zipfile.ZipInfo) -> ValidationError:
        return _refused(
            _(
                "Cette archive est anormalement volumineuse : sa partie « %(name)s » dépasse %(max)s."
            )
            % {"name": _short(info.filename), "max": format_file_size(MAX_XML_PART_BYTES)}
        )

    def elements(self, info: zipfile.ZipInfo):
        """The elements of an XML part, streamed; refused beyond the bounds or if not plain XML."""
        if self.xml_budget <= 0:
            raise self._too_large(info)
        limit = min(MAX_XML_PART_BYTES, self.xml_budget)
        with self.archive.open(info) as entry:
            reader = _BoundedReader(entry, limit, lambda: self._too_large(info))
            try:
                for _event, element in defused_etree.iterparse(reader):
                    yield element
                    element.clear()
            except (ElementTree.ParseError, DefusedXmlException):
                raise ValidationError(
                    _(
                        "Ce document est endommagé : sa partie « %(name)s » n'est pas un XML "
                        "accepté (syntaxe invalide ou déclaration d'entités)."
                    )
                    % {"name": _short(info.filename)}
                ) from None
            finally:
                self.xml_budget -= reader.count

    # -- active content

    def check_active_content(self) -> None:
        self._check_names()
        if self.is_ooxml:
            self._check_content_types()
            self._check_relationships()
        if "meta-inf/manifest.xml" in self.by_name:
            self._check_manifest()
        for info in self.entries:
            if info.file_size < len(CFB_SIGNATURE):
                continue
            head = self.head(info, len(CFB_SIGNATURE))
            if head == CFB_SIGNATURE:
                if info.filename.lower().endswith("vbaproject.bin"):
                    raise self.macros("VBA")
                raise self.ole()
            if head.startswith(ZIP_SIGNATURE):
                self._check_nested(info)

    def _check_nested(self, info: zipfile.ZipInfo) -> None:
        """An archive inside this one (an embedded document, a ZIP attached): the same checks,
        whatever its name or declared type, a few levels deep at most."""
        if self.depth + 1 > MAX_NESTING or info.file_size > MAX_NESTED_BYTES:
            raise _refused(
                _(
                    "Ce document contient des documents imbriqués trop profondément ou trop "
                    "volumineux (« %(name)s ») : enregistrez-le en PDF puis déposez-le à nouveau."
                )
                % {"name": _short(info.filename)}
            )
        with self.archive.open(info) as entry:
            content = io.BytesIO(entry.read(MAX_NESTED_BYTES + 1))
        with zipfile.ZipFile(content) as inner:
            nested = _OfficeArchive(inner, depth=self.depth + 1)
            nested.xml_budget = self.xml_budget
            nested.check_bounds()
            nested.check_active_content()
            self.xml_budget = nested.xml_budget

    def _check_names(self) -> None:
        for name in self.by_name:
            path = f"/{name}"
            # OpenDocument objects embedded in a document (``Object 1/``) hold their own macros.
            folders = set(name.split("/")[:-1]) if self.is_odf else set()
            if folders & {"basic", "dialogs"}:
                raise self.macros("StarBasic")
            if "scripts" in folders:
                raise self.macros(_("scripts Python, JavaScript ou BeanShell"))
            if name.endswith(("vbaproject.bin", "vbadata.xml")):
                raise self.macros("VBA")
            if name.endswith(MACRO_EXTENSIONS):
                raise self.macro_format()
            if "/macrosheets/" in path:
                raise self.macros(_("feuilles de macros Excel 4.0"))
            if name.startswith(("basic/", "dialogs/")):
                raise self.macros("StarBasic")
            if name.startswith("scripts/"):
                raise self.macros(_("scripts Python, JavaScript ou BeanShell"))
            if "/activex/" in path:
                raise self.activex()
            if "/embeddings/" in path and name.endswith(".bin"):
                raise self.ole()

    def _content_type_error(self, content_type: str) -> ValidationError | None:
        if "macroenabled" in content_type:
            return self.macro_format()
        if "vbaproject" in content_type or "vbadata" in content_type:
            return self.macros("VBA")
        if "macrosheet" in content_type:
            return self.macros(_("feuilles de macros Excel 4.0"))
        if "activex" in content_type:
            return self.activex()
        if "oleobject" in content_type:
            return self.ole()
        return None

    def _check_content_types(self) -> None:
        """The content type of every part present, by override or by extension."""
        defaults: dict[str, str] = {}
        overrides: dict[str, str] = {}
        for element in self.elements(self.by_name["[content_types].xml"]):
            content_type = (element.get("ContentType") or "").strip().lower()
            if _local(element.tag) == "Default":
                defaults[(element.get("Extension") or "").strip().lstrip(".").lower()] = (
                    content_type
                )
            elif _local(element.tag) == "Override":
                part = (element.get("PartName") or "").strip().lstrip("/").lower()
                overrides[part] = content_type
        for name in self.by_name:
            extension = name.rsplit("/", 1)[-1].rpartition(".")[2]
            content_type = overrides.get(name) or defaults.get(extension, "")
            if error := self._content_type_error(content_type):
                raise error

    def _check_relationships(self) -> None:
        for name, info in self.by_name.items():
            if not name.endswith(".rels"):
                continue
            for element in self.elements(info):
                if _local(element.tag) != "Relationship":
                    continue
                kind = (element.get("Type") or "").strip().rstrip("/").rsplit("/", 1)[-1].lower()
                target = (element.get("Target") or "").strip()
                external = (element.get("TargetMode") or "").strip().lower() == "external"
                if (external or _URL_LIKE.match(target)) and kind not in _EXTERNAL_ALLOWED:
                    raise self.external(kind, target)
                if kind in _VBA_RELATIONSHIPS:
                    raise self.macros("VBA")
                if kind in _EXCEL4_RELATIONSHIPS:
                    raise self.macros(_("feuilles de macros Excel 4.0"))
                if kind in _ACTIVEX_RELATIONSHIPS:
                    raise self.activex()
                if kind == "oleobject":
                    raise self.ole()

    def _check_manifest(self) -> None:
        for element in self.elements(self.by_name["meta-inf/manifest.xml"]):
            if _local(element.tag) != "file-entry":
                continue
            attributes = {_local(key): value for key, value in element.attrib.items()}
            path = attributes.get("full-path", "").strip().lstrip("/").lower()
            media_type = attributes.get("media-type", "").strip().lower()
            folders = {folder.strip() for folder in path.split("/")[:-1]}
            if folders & {"basic", "dialogs"} or "basic" in media_type:
                raise self.macros("StarBasic")
            if "scripts" in folders or any(
                word in media_type for word in ("script", "python", "java")
            ):
                raise self.macros(_("scripts Python, JavaScript ou BeanShell"))
            if "oleobject" in media_type:
                raise self.ole()

    # -- format

    def office_type(self) -> FileType | None:
        mimetype = self.archive.NameToInfo.get("mimetype")
        if mimetype is not None:
            declared = self.head(mimetype, MAX_MIMETYPE_BYTES).decode("ascii", "replace").strip()
            for candidate in (ODT, ODS):
                if declared == candidate.mime and "content.xml" in self.by_name:
                    return candidate
        if self.is_ooxml:
            if "word/document.xml" in self.by_name:
                return DOCX
            if "xl/workbook.xml" in self.by_name:
                return XLSX
        return None


def _too_many_entries() -> ValidationError:
    return _refused(
        _("Cette archive contient trop de fichiers pour un document bureautique (%(max)d au plus).")
        % {"max": MAX_ENTRIES}
    )


def _office_type(upload: UploadedFile, kind) -> FileType:
    """The office format of a ZIP archive, from its structure, once checked for active content."""
    try:
        directory = _central_directory(upload)
        if directory is not None and (
            directory[0] > MAX_ENTRIES or directory[1] > MAX_CENTRAL_DIRECTORY_BYTES
        ):
            raise _too_many_entries()
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            office = _OfficeArchive(archive)
            office.check_bounds()
            office.check_active_content()
            found = office.office_type()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, OSError, zlib.error):  # fmt: skip
        # Damaged data, an unsupported compression method, an encrypted entry.
        raise _refused(
            _("Ce fichier est endommagé ou n'est pas un document bureautique.")
        ) from None
    finally:
        upload.seek(0)
    if found is None:
        if kind.mime not in _ZIP_BASED:
            raise _unaccepted(kind)
        raise _refused(_("Cette archive n'est pas un document bureautique accepté."))
    return found


def _unaccepted(kind) -> ValidationError:
    return _refused(
        _("Le contenu de ce fichier est de type « %(type)s », qui n'est pas accepté.")
        % {"type": kind.extension}
    )


def detect_type(upload: UploadedFile) -> FileType:
    """The accepted type of an uploaded file, read from its content; ValidationError otherwise."""
    if upload.size > max_bytes():
        raise ValidationError(
            _("Ce fichier pèse %(size)s : la limite est de %(max)s.")
            % {"size": format_file_size(upload.size), "max": format_file_size(max_bytes())}
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
    if kind.mime in _ZIP_INSPECTED:
        return _office_type(upload, kind)
    raise _unaccepted(kind)


def download_name(evidence: Evidence) -> str:
    """The name given to a download: the uploaded name, with the extension of the real type."""
    stem = PurePath(evidence.original_name).stem or "preuve"
    extension = PurePath(evidence.file.name).suffix
    return f"{stem}{extension}"


# --- services -------------------------------------------------------------------------------------


def may_manage(*, user: User, assessment: Assessment, requirement: Requirement) -> bool:
    """Evidence follows the answer: whoever may answer the requirement may attach evidence."""
    if requirement.is_ght_level:
        return user.has_perm("assessments.edit_ght_answers", assessment)
    return user.has_perm("assessments.edit_answers", assessment)


def _check(user: User, assessment: Assessment, requirement: Requirement) -> None:
    if requirement.referential_id != assessment.campaign.referential_id:
        raise PermissionDenied
    if not may_manage(user=user, assessment=assessment, requirement=requirement):
        raise PermissionDenied(
            _("Vous ne pouvez pas modifier les preuves de cette auto-évaluation.")
            if assessment.is_editable
            else _("L'auto-évaluation est transmise : ses preuves ne sont plus modifiables.")
        )


def _audit(evidence: Evidence, *, user: User, action: str, request=None) -> None:
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
            **({"title": evidence.title} if evidence.title else {}),
        },
    )


@transaction.atomic
def add_file(
    *,
    assessment: Assessment,
    requirement: Requirement,
    upload: UploadedFile,
    user: User,
    title: str = "",
    request=None,
) -> Evidence:
    """Attach a file with an optional title; raises ValidationError (too large, refused type, title
    too long) or PermissionDenied."""
    _check(user, assessment, requirement)
    title = _clean_title(title)
    file_type = detect_type(upload)
    original = PurePath(upload.name or "").name[:255] or "preuve"
    upload.name = f"upload.{file_type.extension}"
    evidence = Evidence(
        assessment=assessment,
        requirement=requirement,
        kind=Evidence.Kind.FILE,
        title=title,
        original_name=original,
        content_type=file_type.mime,
        size=upload.size,
        sha256=sha256_of(upload),
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
    *, assessment: Assessment, requirement: Requirement, url: str, note: str = "", user: User
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


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            _("Le titre dépasse %(max)d caractères (%(length)d saisis).")
            % {"max": TITLE_MAX_LENGTH, "length": len(title)}
        )
    return title


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
def add_note(
    *, assessment: Assessment, requirement: Requirement, note: str, user: User
) -> Evidence:
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
def delete_evidence(*, evidence: Evidence, user: User, request=None) -> None:
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

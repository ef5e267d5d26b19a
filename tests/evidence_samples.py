"""Small real files of each accepted format, and files that only pretend to be one."""

import io
import zipfile
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, fmt)
    return out.getvalue()


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(*, macros: bool = False) -> bytes:
    entries = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", b"<Relationships/>"),
        ("word/document.xml", b"<w:document/>"),
    ]
    if macros:
        entries.append(("word/vbaProject.bin", b"\x00" * 64))
    return zipped(entries)


def xlsx() -> bytes:
    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "Budget numérique"
    book.save(out)
    return out.getvalue()


def odf(mime: str) -> bytes:
    return zipped([("mimetype", mime.encode()), ("content.xml", b"<office:document-content/>")])


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- office packages built part by part, to put active content where a real document has it ---

OOXML_MAIN = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
# The compound file (OLE2) signature, first bytes of VBA projects and OLE objects.
CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 56


def _attribute(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def relationships_xml(relationships: list[tuple[str, str, str | None]]) -> bytes:
    """A .rels part from (type, target, target mode) triples."""
    items = "".join(
        f'<Relationship Id="rId{number}" Type="{_attribute(kind)}" Target="{_attribute(target)}"'
        + (f' TargetMode="{_attribute(mode)}"' if mode is not None else "")
        + "/>"
        for number, (kind, target, mode) in enumerate(relationships, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{items}</Relationships>"
    ).encode()


def ooxml(
    container: str = "docx",
    *,
    parts: list[tuple[str, bytes]] = (),
    overrides: list[tuple[str, str]] = (),
    defaults: list[tuple[str, str]] = (),
    relationships: dict[str, list[tuple[str, str, str | None]]] | None = None,
    main_type: str | None = None,
) -> bytes:
    """An Office Open XML package: content types, root relationship, main part, and the extras."""
    main, declared_main = OOXML_MAIN[container]
    types = [
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        *(
            f'<Default Extension="{_attribute(ext)}" ContentType="{_attribute(kind)}"/>'
            for ext, kind in defaults
        ),
        f'<Override PartName="/{main}" ContentType="{_attribute(main_type or declared_main)}"/>',
        *(
            f'<Override PartName="{_attribute(name)}" ContentType="{_attribute(kind)}"/>'
            for name, kind in overrides
        ),
    ]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + "".join(types)
        + "</Types>"
    ).encode()
    entries = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", relationships_xml([(OFFICE_DOCUMENT, main, None)])),
        (main, b'<?xml version="1.0"?><document/>'),
    ]
    for name, rels in (relationships or {}).items():
        entries.append((name, relationships_xml(rels)))
    return zipped([*entries, *parts])


MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
ODF_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def opendocument(
    mime: str,
    *,
    parts: list[tuple[str, bytes]] = (),
    manifest: list[tuple[str, str]] = (),
) -> bytes:
    """An OpenDocument package: stored mimetype first, content, manifest (path, media type)."""
    listed = [("/", mime), ("content.xml", "text/xml"), *manifest]
    items = "".join(
        f'<manifest:file-entry manifest:full-path="{_attribute(path)}" '
        f'manifest:media-type="{_attribute(kind)}"/>'
        for path, kind in listed
    )
    manifest_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="{MANIFEST}">'
        f"{items}</manifest:manifest>"
    ).encode()
    return zipped(
        [
            ("mimetype", mime.encode()),
            ("content.xml", b"<office:document-content/>"),
            *parts,
            ("META-INF/manifest.xml", manifest_xml),
        ]
    )


def deflated_zeros(name: str, size: int, *, extra: list[tuple[str, bytes]] = ()) -> bytes:
    """An archive whose entry `name` inflates to `size` zero bytes, built without holding them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        chunk = b"\x00" * (1024 * 1024)
        with archive.open(info, "w") as entry:
            for start in range(0, size, len(chunk)):
                entry.write(chunk[: size - start])
        for entry_name, content in extra:
            archive.writestr(entry_name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()

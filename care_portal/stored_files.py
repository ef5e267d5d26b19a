"""Files kept in the storage (local disk or object storage) with their SHA-256 checksum.

The checksum is computed when the file is stored and kept in the database beside its name. A
download reads the stored file through the checksum before anything is sent: a file that does not
match (damaged, truncated, replaced in the bucket) is never served; the mismatch is logged and the
person gets a clear error page.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile

from django.shortcuts import render

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
# Downloads up to this size are verified in memory; larger ones through a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


class DamagedFile(Exception):
    """The stored file's content no longer matches the checksum recorded at upload."""


def sha256_of(handle) -> str:
    """The hex SHA-256 of a file-like object's whole content; leaves it at its start."""
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def open_verified(field_file, expected_sha256: str):
    """The stored file, read once and checked against its checksum, ready to stream.

    Raises FileNotFoundError when the file is gone and DamagedFile when it does not match. A
    file stored before checksums were recorded (`expected_sha256` empty) is served as it is.
    """
    handle = field_file.open("rb")
    if not expected_sha256:
        return handle
    digest = hashlib.sha256()
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the response
    try:
        with handle:
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                digest.update(chunk)
                copy.write(chunk)
    except BaseException:
        copy.close()
        raise
    found = digest.hexdigest()
    if found != expected_sha256:
        copy.close()
        logger.error(
            "Stored file %s is damaged: SHA-256 %s, %s recorded at upload; not served",
            field_file.name,
            found,
            expected_sha256,
        )
        raise DamagedFile(field_file.name)
    copy.seek(0)
    return copy


def damaged_file_response(request):
    """The page shown instead of a stored file that failed its checksum."""
    return render(request, "errors/damaged_file.html", status=500)

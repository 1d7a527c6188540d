"""Uploaded files: checked by their content, kept outside the static folder under random names.

The type is decided from the bytes, never from the name or the browser's
content type: a PDF starts with ``%PDF-``, a PNG with its signature, a Word
or OpenDocument file is a ZIP container holding the parts that make it one,
and plain text is UTF-8 without NUL bytes. Anything else (including other
archive formats) is refused. A file is read at most one byte past the
author's limit, so an oversized upload is refused without being read.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import zipfile
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.db import db

#: Signatures of archive formats that are never accepted (a ZIP may be, when allowed).
_OTHER_ARCHIVES = (
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",  # 7-Zip
    b"Rar!\x1a\x07",  # RAR
    b"\x28\xb5\x2f\xfd",  # zstd
)
_ODT = b"application/vnd.oasis.opendocument.text"


class FileRefused(ValueError):
    """The file cannot be accepted; the message says why in plain words."""


def read_limited(stream, max_bytes: int) -> bytes:
    """Read ``stream`` up to ``max_bytes``; raise :class:`FileRefused` past it."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused("too big")
    return data


def sniff(data: bytes) -> str | None:
    """The type of ``data`` by its content (a key of ``spec.FILE_TYPES``), or ``None``."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OTHER_ARCHIVES) or data[257:262] == b"ustar":
        return None
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "txt"
    return None


def _zip_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if names and names[0] == "mimetype":
            info = archive.getinfo("mimetype")
            # Stored, small: reading it cannot inflate anything big.
            if info.file_size <= 100 and archive.read("mimetype").strip() == _ODT:
                return "odt"
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    return "zip"


def upload_folder() -> Path:
    """The folder files are kept in (``LMS_UPLOAD_FOLDER``, else ``<instance>/uploads``)."""
    configured = current_app.config.get("LMS_UPLOAD_FOLDER") or ""
    folder = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    return folder / "assignments"


def store(data: bytes) -> tuple[str, str]:
    """Write ``data`` under a new random name; return the name and its SHA-256.

    The file is created with ``O_EXCL`` (a name is never reused) and mode 0600.
    """
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(16)
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return name, hashlib.sha256(data).hexdigest()


def path_of(stored_name: str) -> Path:
    if not stored_name.isalnum():
        raise FileNotFoundError(stored_name)
    return upload_folder() / stored_name


def discard(stored_name: str) -> None:
    """Remove a stored file (after its row went); a missing file is no error."""
    with contextlib.suppress(FileNotFoundError):
        path_of(stored_name).unlink()


#: ``Session.info`` key of the stored files to remove once the transaction commits.
_DISCARD_ON_COMMIT = "courses.assignments.discard_on_commit"


def discard_after_commit(stored_names) -> None:
    """Remove stored files once the transaction that deleted their rows commits.

    Removing them at once would leave rows without their files should the transaction
    roll back (a failed request, an erasure that fails halfway and is run again): the
    learner's work must still be whole then. A rollback forgets the list.
    """
    session = db.session()
    session.connection()  # begin the transaction they belong to, if nothing has yet
    session.info.setdefault(_DISCARD_ON_COMMIT, []).extend(stored_names)


@event.listens_for(Session, "after_commit")
def _discard_committed(session: Session) -> None:
    for name in session.info.pop(_DISCARD_ON_COMMIT, ()):
        discard(name)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    # Any rollback, a savepoint's included: keeping a file too long leaves an orphan,
    # removing it too early would lose work.
    session.info.pop(_DISCARD_ON_COMMIT, None)

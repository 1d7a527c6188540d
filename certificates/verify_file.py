"""Check an uploaded certificate PDF or credential JSON: signature, record, status, and
whether what the PDF shows is what its credential says.

The credential names no one (its subject is a salted hash of an email
address), so an employer learns the holder's name from our record of the
certificate its signed id points to. A genuine credential can be attached to
a PDF that shows something else (another person's name, another course): the
PDF's visible text is read (pypdf) and compared with that record, and the
page warns when they differ or when the text cannot be read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from pypdf import PdfReader
from sqlalchemy import select

from lms.db import db, utcnow

from . import signing
from .models import Certificate, certificate_status
from .operations import normalise_code
from .pdf import CREDENTIAL_NAME
from .pdftext import shows, visible_text


@dataclass
class FileCheck:
    """The verdict on one file.

    ``genuine``: its credential's signature is ours and we hold its record;
    ``current``: neither revoked nor expired; ``warnings``: what the employer
    must know besides (the PDF shows something else, or its text is unreadable).
    The holder's name, the course, the code and the issue date are those of
    our record.
    """

    genuine: bool
    current: bool
    message: str
    name: str = ""
    course: str = ""
    credential_id: str = ""
    code: str = ""
    issued: dt.datetime | None = None
    status: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def trustworthy(self) -> bool:
        """Genuine, current and showing what its credential says."""
        return self.genuine and self.current and not self.warnings


def _read(data: bytes) -> tuple[dict | None, PdfReader | None]:
    """The credential (the PDF's ``credential.json`` attachment, or the JSON itself) and
    the PDF's reader (None for a JSON file)."""
    reader = None
    try:
        if data.lstrip()[:5] == b"%PDF-":
            reader = PdfReader(io.BytesIO(data))
            found = reader.attachments.get(CREDENTIAL_NAME)
            if not found:
                return None, reader
            data = found[0]
        doc = json.loads(data.decode("utf-8"))
    except Exception:  # a damaged upload is "not a credential", whatever broke
        return None, reader
    return (doc if isinstance(doc, dict) else None), reader


def extract_credential(data: bytes) -> dict | None:
    """The credential inside a PDF's ``credential.json`` attachment, or the JSON itself."""
    return _read(data)[0]


def _code_of(doc: dict) -> str | None:
    """The certificate code in the credential's (signed) id, our verification URL."""
    credential_id = str(doc.get("id", ""))
    prefix = signing.verify_url("")
    if not credential_id.startswith(prefix):
        return None
    return normalise_code(credential_id[len(prefix):])


def _text_warnings(text: str, cert: Certificate) -> list[str]:
    if not text.strip():
        return [_("We could not read the text of this PDF, so we cannot tell whether what it "
                  "shows matches its credential. Rely only on the details above, from our "
                  "records.")]
    missing = []
    if not shows(text, cert.learner_name):
        missing.append(_("the holder's name, %(name)s", name=cert.learner_name))
    if not shows(text, cert.course_title):
        missing.append(_("the course, %(course)s", course=cert.course_title))
    if not missing:
        return []
    return [_("The visible text of this PDF does not match its signed credential: it does "
              "not show %(missing)s. The document may have been altered or made for someone "
              "else; rely only on the details above, from our records.",
              missing=_("; nor ").join(missing))]


def check_file(data: bytes) -> FileCheck:
    """Check an uploaded file; never raises for what a visitor may upload."""
    doc, reader = _read(data)
    if doc is None:
        return FileCheck(False, False, _("This file holds no credential we can read."))
    try:
        genuine = signing.is_verified(signing.verify(doc))
    except Exception:
        genuine = False
    if not genuine:
        return FileCheck(False, False, _("Not genuine: the signature does not match. The file "
                                         "was changed or was not issued by us."))
    code = _code_of(doc)
    cert = db.session.scalar(select(Certificate).where(Certificate.code == code)) if code else None
    if cert is None or json.loads(cert.credential_json) != doc:
        return FileCheck(False, False, _("Not genuine: we have no record of this credential."))
    status = certificate_status(cert.revoked_dt, cert.valid_until, utcnow())
    if status == "revoked" and cert.replaced_by_id is not None:
        message, current = _("Genuine, but replaced by a reissued certificate: it is no "
                             "longer valid."), False
    elif status == "revoked":
        message, current = _("Genuine, but revoked: it is no longer valid."), False
    elif status == "expired":
        message, current = _("Genuine, but expired."), False
    else:
        message, current = _("Genuine and current."), True
    warnings = []
    if reader is not None and hashlib.sha256(data).hexdigest() != cert.pdf_sha256:
        # Not the file we rendered (re-saved, printed to PDF, or made elsewhere): what
        # it shows must be read and compared.
        warnings = _text_warnings(visible_text(reader), cert)
    if warnings:
        message = _("Warning: the credential in this file is ours, but the file itself "
                    "cannot be trusted.")
    return FileCheck(True, current, message, cert.learner_name, cert.course_title,
                     str(doc.get("id", "")), cert.code, cert.issued_dt, status, warnings)

"""Check an uploaded certificate PDF or credential JSON offline: signature, status, expiry."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from pypdf import PdfReader

from lms.db import db, utcnow

from . import signing
from .models import STATUS_LIST_ID, StatusList
from .pdf import CREDENTIAL_NAME


@dataclass
class FileCheck:
    """The verdict on one file."""

    genuine: bool
    current: bool
    message: str
    name: str = ""
    course: str = ""
    credential_id: str = ""


def extract_credential(data: bytes) -> dict | None:
    """The credential inside a PDF's ``credential.json`` attachment, or the JSON itself."""
    try:
        if data.lstrip()[:5] == b"%PDF-":
            found = PdfReader(io.BytesIO(data)).attachments.get(CREDENTIAL_NAME)
            if not found:
                return None
            data = found[0]
        doc = json.loads(data.decode("utf-8"))
    except Exception:  # a damaged upload is "not a credential", whatever broke
        return None
    return doc if isinstance(doc, dict) else None


def _revoked(index: int) -> bool:
    row = db.session.get(StatusList, STATUS_LIST_ID)
    if row is None:
        return False
    encoded = json.loads(row.credential_json)["credentialSubject"]["encodedList"]
    return signing.status_bit(encoded, index)


def _parse_dt(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def check_file(data: bytes) -> FileCheck:
    doc = extract_credential(data)
    if doc is None:
        return FileCheck(False, False, _("This file holds no credential we can read."))
    try:
        genuine = signing.is_verified(signing.verify(doc))
    except Exception:
        genuine = False
    subject = doc.get("credentialSubject") or {}
    name = str((subject.get("name") if isinstance(subject, dict) else "") or "")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    course = str((achievement or {}).get("name", "")) if isinstance(achievement, dict) else ""
    if not genuine:
        return FileCheck(False, False, _("Not genuine: the signature does not match. The file "
                                         "was changed or was not issued by us."))
    status = doc.get("credentialStatus") or {}
    if isinstance(status, list):
        status = status[0] if status else {}
    index = status.get("statusListIndex")
    if index is not None and _revoked(int(index)):
        message, current = _("Genuine, but revoked: it is no longer valid."), False
    else:
        until = _parse_dt(doc.get("validUntil")) if doc.get("validUntil") else None
        if until is not None and until <= utcnow():
            message, current = _("Genuine, but expired."), False
        else:
            message, current = _("Genuine and current."), True
    return FileCheck(True, current, message, name, course, str(doc.get("id", "")))

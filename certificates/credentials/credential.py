"""Open Badges 3.0 ``OpenBadgeCredential`` documents from plain values.

The learner is named only by a salted SHA-256 of their email address
(``IdentityObject``), the course is the ``Achievement`` and revocation is a
``BitstringStatusListEntry``. Every value here is covered by the proof: the
contexts define every term used (see :mod:`.canon`).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from .documents import OB_V3P0, VC_V2
from .proof import xsd_datetime

CREDENTIAL_CONTEXT = [VC_V2, OB_V3P0]


@dataclass(frozen=True, kw_only=True)
class CredentialInput:
    """Everything a course certificate's credential says, as plain values.

    ``achievement_type`` is a term of the Open Badges 3.0 AchievementType
    vocabulary ("Course", "Certificate", "CertificateOfCompletion", ...).
    ``learner_name`` is kept for the caller's convenience but not put in the
    credential: the learner is identified by ``identity_hash(email, salt)``.
    """

    issuer_id: str
    issuer_name: str
    issuer_url: str
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria: str
    learner_email: str
    valid_from: datetime
    status_list_url: str
    status_index: int
    credential_id: str | None = None
    salt: str | None = None
    valid_until: datetime | None = None
    learner_name: str | None = None
    achievement_type: str = "Course"
    credential_name: str | None = None


def identity_hash(identity: str, salt: str) -> str:
    """Open Badges ``identityHash``: ``sha256$`` + hex SHA-256 of identity then salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    """The form of an address that is hashed: trimmed and lower-cased."""
    return email.strip().lower()


def subject_matches_email(credential: dict, email: str) -> bool:
    """Whether ``email`` is the address hashed into ``credential``'s subject."""
    subject = credential.get("credentialSubject") or {}
    for ident in subject.get("identifier") or ():
        if ident.get("identityType") == "emailAddress" and ident.get("hashed"):
            salt = ident.get("salt") or ""
            if ident.get("identityHash") == identity_hash(normalise_email(email), salt):
                return True
    return False


def build_credential(inp: CredentialInput) -> dict:
    """The unsigned ``OpenBadgeCredential`` for ``inp``."""
    if inp.status_index < 0:
        raise ValueError("status_index must not be negative")
    salt = inp.salt if inp.salt is not None else secrets.token_hex(16)
    credential = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": inp.credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": inp.credential_name or inp.achievement_name,
        "issuer": {
            "id": inp.issuer_id,
            "type": ["Profile"],
            "name": inp.issuer_name,
            "url": inp.issuer_url,
        },
        "validFrom": xsd_datetime(inp.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(normalise_email(inp.learner_email), salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": inp.achievement_id,
                "type": ["Achievement"],
                "achievementType": inp.achievement_type,
                "name": inp.achievement_name,
                "description": inp.achievement_description,
                "criteria": {"narrative": inp.criteria},
            },
        },
        "credentialStatus": {
            "id": f"{inp.status_list_url}#{inp.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(inp.status_index),
            "statusListCredential": inp.status_list_url,
        },
    }
    if inp.valid_until is not None:
        if inp.valid_until <= inp.valid_from:
            raise ValueError("valid_until must be after valid_from")
        credential["validUntil"] = xsd_datetime(inp.valid_until)
    return credential

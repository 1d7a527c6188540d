"""The one place where the plugin meets :mod:`certificates.credentials`.

Everything about JSON-LD, keys and proofs lives in that package; this module
turns a :class:`~certificates.models.Certificate` into its input, keeps the
issuer's key ring for the application, and builds the public URLs the
credential points to (they are built on ``LMS_BASE_URL``, so a credential
signed by the CLI names the same URLs as one signed in a request).
"""

from __future__ import annotations

import json
import os

from flask import current_app

from . import credentials as vc
from .models import STATUS_LIST_ID, STATUS_LIST_SIZE, Certificate

_RING = "certificates_keyring"


def base_url() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def verify_url(code: str) -> str:
    return f"{base_url()}/certificates/verify/{code}"


def issuer_url() -> str:
    return f"{base_url()}/certificates/issuer"


def status_list_url() -> str:
    return f"{base_url()}/certificates/status/{STATUS_LIST_ID}"


def keyring():
    """The issuer's keys, loaded once per application (the files never change while it runs)."""
    ring = current_app.extensions.get(_RING)
    if ring is None:
        ring = vc.load_signing_keys(current_app.instance_path, os.environ)
        current_app.extensions[_RING] = ring
    return ring


def credential_input(cert: Certificate) -> vc.CredentialInput:
    """The credential builder's input for ``cert``'s snapshot."""
    return vc.CredentialInput(
        credential_id=verify_url(cert.code),
        issuer_id=issuer_url(),
        issuer_name=current_app.config["LMS_SITE_NAME"],
        issuer_url=base_url(),
        achievement_id=f"{base_url()}/courses/{cert.course_slug}?version={cert.course_version}",
        achievement_name=cert.course_title,
        achievement_description=cert.course_title,
        criteria="; ".join(cert.outcomes or ()) or cert.course_title,
        learner_name=cert.learner_name,
        learner_email=cert.learner_email,
        valid_from=cert.issued_dt,
        valid_until=cert.valid_until,
        status_list_url=status_list_url(),
        status_index=cert.status_index,
    )


def sign(cert: Certificate) -> str:
    """Build and sign ``cert``'s credential; return it as the exact text to store and attach."""
    doc = vc.build_credential(credential_input(cert))
    signed = vc.sign_credential(doc, keyring().signing_key)
    return json.dumps(signed, ensure_ascii=False, indent=2, sort_keys=True)


def verify(doc: dict):
    """Check ``doc``'s proof offline against every published key; the library's result."""
    return vc.verify_credential(doc, keyring().public_keys)


def is_verified(result) -> bool:
    for name in ("verified", "valid", "ok"):
        if hasattr(result, name):
            return bool(getattr(result, name))
    return bool(result)


def issuer_profile() -> dict:
    """The issuer's Profile with its Multikey public keys (current and retired)."""
    return vc.issuer_profile_document(
        issuer_url(), current_app.config["LMS_SITE_NAME"], base_url(), keyring()
    )


def status_list_credential(revoked_indexes: list[int]) -> str:
    """The signed status list with the bits of ``revoked_indexes`` set, as text."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    doc = vc.build_status_list_credential(
        status_list_url(), issuer_url(), bytes(bits), keyring().signing_key
    )
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


def status_bit(encoded_list: str, index: int) -> bool:
    return vc.status_bit(encoded_list, index)

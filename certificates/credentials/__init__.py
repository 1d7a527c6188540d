"""Signed Open Badges 3.0 credentials: the certificates plugin's cryptography.

A self-contained library (no Flask, no database): JSON-LD contexts pinned in
the package, RDFC-1.0 canonicalisation with pyld, ``eddsa-rdfc-2022`` Data
Integrity proofs with Ed25519, the issuer's keys and the W3C Bitstring Status
List. This module is its stable public API::

    ring = load_signing_keys(app.instance_path, os.environ)
    signed = sign_credential(build_credential(CredentialInput(...)), ring.signing_key)
    result = verify_credential(signed, ring.public_keys)      # result.valid, result.reason
    status = build_status_list_credential(url, issuer_id, bits, ring.signing_key)
    revoked = status_bit(status["credentialSubject"]["encodedList"], 42)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import proof as _proof
from .canon import UndefinedTermError, canonicalize
from .credential import (
    CREDENTIAL_CONTEXT,
    CredentialInput,
    build_credential,
    identity_hash,
    subject_matches_email,
)
from .documents import OB_V3P0, VC_V2, ContextIntegrityError, ContextNotAllowed
from .keys import (
    MULTIKEY_CONTEXT,
    KeyRing,
    SigningKey,
    SigningKeyError,
    load_signing_keys,
    public_multibase,
    rotate_signing_key,
)
from .proof import VerifyResult
from .status_list import (
    MIN_BITS,
    StatusListError,
    decode_list,
    encode_list,
    get_bit,
    new_bitstring,
    set_bit,
    status_bit,
    status_list_document,
)

__all__ = [
    "CREDENTIAL_CONTEXT",
    "MIN_BITS",
    "MULTIKEY_CONTEXT",
    "OB_V3P0",
    "VC_V2",
    "ContextIntegrityError",
    "ContextNotAllowed",
    "CredentialInput",
    "KeyRing",
    "SigningKey",
    "SigningKeyError",
    "StatusListError",
    "UndefinedTermError",
    "VerifyResult",
    "build_credential",
    "build_status_list_credential",
    "canonicalize",
    "decode_list",
    "encode_list",
    "get_bit",
    "identity_hash",
    "issuer_profile_document",
    "load_signing_keys",
    "new_bitstring",
    "public_multibase",
    "rotate_signing_key",
    "set_bit",
    "sign_credential",
    "status_bit",
    "subject_matches_email",
    "verify_credential",
]


def _issuer_id(doc: dict) -> str:
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise ValueError("the document has no issuer id to name the verification method")
    return issuer_id


def sign_credential(
    doc: dict,
    signing_key: SigningKey | Ed25519PrivateKey,
    created: datetime | str | None = None,
) -> dict:
    """``doc`` with an ``eddsa-rdfc-2022`` proof by ``signing_key``.

    The verification method is ``<issuer id>#<publicKeyMultibase>``, the id
    the issuer's profile publishes the key under.
    """
    if isinstance(signing_key, Ed25519PrivateKey):
        signing_key = SigningKey.from_private_key(signing_key)
    method = signing_key.verification_method(_issuer_id(doc))
    return _proof.sign(doc, signing_key.private_key, method, created)


def verify_credential(doc: dict, public_keys: Mapping[str, Ed25519PublicKey]) -> VerifyResult:
    """Check ``doc``'s proof against ``public_keys``; a :class:`VerifyResult`.

    ``public_keys`` maps full verification method ids, or bare
    ``publicKeyMultibase`` values (as :attr:`KeyRing.public_keys` does), to
    keys. A bare value only matches a method of the credential's own issuer
    (``<issuer id>#<multibase>``), so a key cannot be borrowed by another issuer.
    This checks the signature only; validity dates and revocation are the
    caller's business.
    """
    try:
        issuer_id = _issuer_id(doc)
    except (ValueError, AttributeError):
        return VerifyResult(False, "missing issuer")

    def resolve(method: str) -> Ed25519PublicKey | None:
        if method in public_keys:
            return public_keys[method]
        controller, _, fragment = method.partition("#")
        if controller == issuer_id and fragment:
            return public_keys.get(fragment)
        return None

    return _proof.verify(doc, resolve)


def build_status_list_credential(
    url: str,
    issuer: str | dict,
    bits,
    signing_key: SigningKey | Ed25519PrivateKey,
    valid_from: datetime | None = None,
) -> dict:
    """The signed ``BitstringStatusListCredential`` (revocation) published at ``url``.

    :param bits: the status bits (bytes, bytearray or a big-endian bitarray),
        bit 0 the left-most; padded to :data:`MIN_BITS`.
    """
    return sign_credential(status_list_document(url, issuer, bits, valid_from), signing_key)


def issuer_profile_document(issuer_id: str, name: str, url: str, ring: KeyRing) -> dict:
    """The issuer's public ``Profile`` with its current and retired Multikeys."""
    keys = ring.multikey_document(issuer_id)
    return {
        "@context": [VC_V2, OB_V3P0, MULTIKEY_CONTEXT],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": url,
        "verificationMethod": keys["verificationMethod"],
        "assertionMethod": keys["assertionMethod"],
    }

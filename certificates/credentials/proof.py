"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa).

Signing (spec §3.3): the proof options (the proof without ``proofValue``, with
the document's ``@context``) and the document without its proof are each
canonicalised with RDFC-1.0 and hashed with SHA-256; the Ed25519 signature of
``proofHash || documentHash`` is the ``proofValue``, multibase base58btc.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.jsonld import JsonLdError

from .canon import UndefinedTermError, canonicalize
from .multibase import decode_base58btc, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a proof check: ``valid`` and, when not, a short ``reason``."""

    valid: bool
    reason: str = ""
    verification_method: str | None = None

    def __bool__(self) -> bool:
        return self.valid


def xsd_datetime(moment: datetime) -> str:
    """``moment`` as an XML Schema dateTime in UTC to the second, e.g. ``2024-05-01T10:00:00Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hash_data(document: dict, proof_options: dict) -> bytes:
    """``SHA-256(canon(proof options)) || SHA-256(canon(document))`` (spec §3.3.4)."""
    proof_hash = hashlib.sha256(canonicalize(proof_options).encode("utf-8")).digest()
    doc_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    return proof_hash + doc_hash


def sign(
    document: dict,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime | str | None = None,
    proof_purpose: str = "assertionMethod",
) -> dict:
    """Return a copy of ``document`` with an ``eddsa-rdfc-2022`` proof.

    :param created: when the proof was made (a datetime, or an exact
        dateTime string as in a test vector); now by default.
    :raises UndefinedTermError: if some field of ``document`` would not be signed.
    """
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    if created is None:
        created = datetime.now(UTC)
    if isinstance(created, datetime):
        created = xsd_datetime(created)
    if not _DATETIME.match(created):
        raise ValueError(f"created is not an XML Schema dateTime: {created!r}")
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    options = dict(proof, **{"@context": unsecured["@context"]})
    signature = private_key.sign(hash_data(unsecured, options))
    secured = copy.deepcopy(unsecured)
    secured["proof"] = dict(proof, proofValue=encode_base58btc(signature))
    return secured


def verify(
    document: dict,
    resolve_public_key: Callable[[str], Ed25519PublicKey | None],
    expected_purpose: str = "assertionMethod",
) -> VerifyResult:
    """Check the single ``eddsa-rdfc-2022`` proof of ``document``.

    :param resolve_public_key: gives the public key of a verification method
        id, or ``None`` when the method is unknown or not trusted.
    """
    if not isinstance(document, dict):
        return VerifyResult(False, "not a JSON object")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return VerifyResult(False, "missing proof (or more than one)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return VerifyResult(False, "unsupported proof type or cryptosuite")
    method = proof.get("verificationMethod")
    if proof.get("proofPurpose") != expected_purpose:
        return VerifyResult(False, "wrong proof purpose", method)
    created = proof.get("created")
    if created is not None and not (isinstance(created, str) and _DATETIME.match(created)):
        return VerifyResult(False, "malformed proof creation time", method)
    if not isinstance(method, str):
        return VerifyResult(False, "missing verification method")
    try:
        signature = decode_base58btc(proof.get("proofValue"))
    except ValueError:
        return VerifyResult(False, "malformed proof value", method)
    if len(signature) != 64:
        return VerifyResult(False, "malformed proof value", method)

    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    context = options.pop("@context", None)
    if context is not None:
        # An embedded proof context must be a prefix of the document's (spec §3.3.2).
        doc_context = unsecured.get("@context")
        wanted = context if isinstance(context, list) else [context]
        have = doc_context if isinstance(doc_context, list) else [doc_context]
        if have[: len(wanted)] != wanted:
            return VerifyResult(False, "proof context does not match the document", method)
        unsecured["@context"] = context
    options["@context"] = unsecured.get("@context")

    public_key = resolve_public_key(method)
    if public_key is None:
        return VerifyResult(False, "unknown verification method", method)
    try:
        data = hash_data(unsecured, options)
    except UndefinedTermError as exc:
        return VerifyResult(False, f"undefined term: {exc}", method)
    except (JsonLdError, TypeError, ValueError) as exc:
        return VerifyResult(False, f"not valid JSON-LD: {type(exc).__name__}", method)
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return VerifyResult(False, "signature does not match", method)
    return VerifyResult(True, "", method)

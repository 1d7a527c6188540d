"""The published ``eddsa-rdfc-2022`` test vector of W3C vc-di-eddsa, reproduced exactly.

Source: w3c/vc-di-eddsa, TestVectors/keyPair.json and TestVectors/eddsa-rdfc-2022/
(proofConfigDataInt.json, proofCanonDataInt.txt, combinedHashDataInt.txt,
signedDataInt.json); the same vector appears in the spec's appendix, which
1EdTech's Open Badges 3.0 conformance refers to.
"""

from __future__ import annotations

import copy
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.credentials import canonicalize, public_multibase, verify_credential
from certificates.credentials import proof as di
from certificates.credentials.multibase import multikey_private_raw, multikey_public_raw

from .credentials_helpers import changed, field_paths, leaf_paths, path_id, with_change, without

PUBLIC_KEY_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SECRET_KEY_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
METHOD = "https://vc.example/issuers/5678#" + PUBLIC_KEY_MULTIBASE

UNSIGNED = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
PROOF_OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": METHOD,
    "proofPurpose": "assertionMethod",
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
}
PROOF_CANON = (
    '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"'
    "^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n"
    "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/security#DataIntegrityProof> .\n"
    '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"'
    "^^<https://w3id.org/security#cryptosuiteString> .\n"
    "_:c14n0 <https://w3id.org/security#proofPurpose> "
    "<https://w3id.org/security#assertionMethod> .\n"
    "_:c14n0 <https://w3id.org/security#verificationMethod> "
    "<https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2> .\n"
)
COMBINED_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
)
PROOF_VALUE = (
    "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
)
SIGNED = dict(
    copy.deepcopy(UNSIGNED),
    proof={key: value for key, value in PROOF_OPTIONS.items() if key != "@context"}
    | {"proofValue": PROOF_VALUE},
)


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(multikey_private_raw(SECRET_KEY_MULTIBASE))


@pytest.fixture(scope="module")
def public_keys() -> dict[str, Ed25519PublicKey]:
    raw = multikey_public_raw(PUBLIC_KEY_MULTIBASE)
    return {METHOD: Ed25519PublicKey.from_public_bytes(raw)}


def test_key_pair_matches(private_key):
    assert public_multibase(private_key.public_key()) == PUBLIC_KEY_MULTIBASE


def test_proof_options_canonical_form():
    assert canonicalize(PROOF_OPTIONS) == PROOF_CANON


def test_combined_hash():
    assert di.hash_data(UNSIGNED, PROOF_OPTIONS).hex() == COMBINED_HASH
    assert hashlib.sha256(PROOF_CANON.encode()).hexdigest() == COMBINED_HASH[:64]


def test_signature_reproduces_proof_value(private_key):
    signed = di.sign(UNSIGNED, private_key, METHOD, created="2023-02-24T23:36:38Z")
    assert signed == SIGNED
    assert signed["proof"]["proofValue"] == PROOF_VALUE


def test_published_signed_credential_verifies(public_keys):
    result = verify_credential(SIGNED, public_keys)
    assert result.valid, result.reason
    assert result.verification_method == METHOD


def test_public_key_by_multibase_only_for_its_issuer(public_keys):
    by_multibase = {PUBLIC_KEY_MULTIBASE: public_keys[METHOD]}
    assert verify_credential(SIGNED, by_multibase).valid
    other = copy.deepcopy(SIGNED)
    other["proof"]["verificationMethod"] = "https://evil.example/issuer#" + PUBLIC_KEY_MULTIBASE
    result = verify_credential(other, by_multibase)
    assert not result.valid
    assert result.reason == "unknown verification method"


@pytest.mark.parametrize("path", list(leaf_paths(SIGNED)), ids=path_id)
def test_changing_any_value_breaks_verification(public_keys, path):
    tampered = with_change(SIGNED, path)
    assert tampered != SIGNED
    result = verify_credential(
        tampered, {**public_keys, tampered["proof"]["verificationMethod"]: public_keys[METHOD]}
    )
    assert not result.valid, f"{path_id(path)} changed to {changed(_at(SIGNED, path))!r}"


@pytest.mark.parametrize("path", [p for p in field_paths(SIGNED) if p != ("proof",)], ids=path_id)
def test_removing_any_field_breaks_verification(public_keys, path):
    result = verify_credential(without(SIGNED, path), public_keys)
    assert not result.valid


def test_added_field_breaks_verification(public_keys):
    added = copy.deepcopy(SIGNED)
    added["credentialSubject"]["alumniSince"] = "2001"
    assert not verify_credential(added, public_keys).valid


def _at(doc, path):
    for step in path:
        doc = doc[step]
    return doc

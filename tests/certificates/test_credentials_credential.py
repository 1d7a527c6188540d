"""Open Badges 3.0 credentials: building, signing, verifying, and tamper evidence."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld.jsonld import JsonLdError

from certificates import credentials as vc
from certificates.credentials import documents

from .credentials_helpers import field_paths, leaf_paths, path_id, with_change, without

ISSUER = "https://lms.example/certificates/issuer"


def make_input(**changes) -> vc.CredentialInput:
    values = {
        "credential_id": "https://lms.example/certificates/verify/7KQ2-M4XD-9TPW",
        "issuer_id": ISSUER,
        "issuer_name": "Co-operative Education Centre",
        "issuer_url": "https://lms.example",
        "achievement_id": "https://lms.example/courses/governance?version=3",
        "achievement_name": "Co-operative Governance",
        "achievement_description": "How a co-op's members run it.",
        "criteria": "Completed every lesson and passed the final quiz.",
        "learner_name": "Ana Lima",
        "learner_email": " Ana.Lima@Example.org ",
        "salt": "7KQ2-M4XD-9TPW",
        "valid_from": datetime(2024, 5, 1, 10, 30, tzinfo=UTC),
        "valid_until": datetime(2027, 5, 1, 10, 30, tzinfo=UTC),
        "status_list_url": "https://lms.example/certificates/status/1",
        "status_index": 42,
    }
    values.update(changes)
    return vc.CredentialInput(**values)


@pytest.fixture(scope="module")
def key() -> vc.SigningKey:
    return vc.SigningKey.from_private_key(Ed25519PrivateKey.generate())


@pytest.fixture(scope="module")
def signed(key) -> dict:
    return vc.sign_credential(vc.build_credential(make_input()), key)


def keys_of(key: vc.SigningKey) -> dict:
    return {key.multibase: key.public_key}


def test_credential_shape():
    doc = vc.build_credential(make_input())
    assert doc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == "https://lms.example/certificates/verify/7KQ2-M4XD-9TPW"
    assert doc["name"] == "Co-operative Governance"
    assert doc["issuer"] == {
        "id": ISSUER,
        "type": ["Profile"],
        "name": "Co-operative Education Centre",
        "url": "https://lms.example",
    }
    assert doc["validFrom"] == "2024-05-01T10:30:00Z"
    assert doc["validUntil"] == "2027-05-01T10:30:00Z"
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"] == {
        "id": "https://lms.example/courses/governance?version=3",
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": "Co-operative Governance",
        "description": "How a co-op's members run it.",
        "criteria": {"narrative": "Completed every lesson and passed the final quiz."},
    }
    assert doc["credentialStatus"] == {
        "id": "https://lms.example/certificates/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://lms.example/certificates/status/1",
    }
    assert "Ana" not in json.dumps(doc)


def test_identity_is_a_salted_email_hash():
    import hashlib

    doc = vc.build_credential(make_input())
    (ident,) = doc["credentialSubject"]["identifier"]
    expected = hashlib.sha256(b"ana.lima@example.org7KQ2-M4XD-9TPW").hexdigest()
    assert ident == {
        "type": "IdentityObject",
        "identityHash": "sha256$" + expected,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "7KQ2-M4XD-9TPW",
    }
    assert vc.subject_matches_email(doc, "ana.lima@example.org")
    assert not vc.subject_matches_email(doc, "someone@example.org")


def test_defaults_random_id_and_salt_no_expiry():
    one = vc.build_credential(make_input(credential_id=None, salt=None, valid_until=None))
    two = vc.build_credential(make_input(credential_id=None, salt=None, valid_until=None))
    assert one["id"].startswith("urn:uuid:") and one["id"] != two["id"]
    salts = {d["credentialSubject"]["identifier"][0]["salt"] for d in (one, two)}
    assert len(salts) == 2
    assert "validUntil" not in one


def test_rejects_impossible_input():
    with pytest.raises(ValueError):
        vc.build_credential(make_input(valid_until=datetime(2024, 1, 1, tzinfo=UTC)))
    with pytest.raises(ValueError):
        vc.build_credential(make_input(status_index=-1))


def test_sign_and_verify(signed, key):
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == f"{ISSUER}#{key.multibase}"
    assert proof["proofValue"].startswith("z")
    result = vc.verify_credential(signed, keys_of(key))
    assert result.valid and result.reason == ""
    # What is stored is JSON text: the proof survives a round trip with sorted keys.
    again = json.loads(json.dumps(signed, sort_keys=True, indent=2))
    assert vc.verify_credential(again, keys_of(key)).valid


def test_wrong_key_fails(signed):
    other = vc.SigningKey.from_private_key(Ed25519PrivateKey.generate())
    assert not vc.verify_credential(signed, keys_of(other)).valid
    forged = copy.deepcopy(signed)
    forged["proof"]["verificationMethod"] = f"{ISSUER}#{other.multibase}"
    result = vc.verify_credential(forged, keys_of(other))
    assert not result.valid and result.reason == "signature does not match"


@pytest.mark.parametrize("path", list(leaf_paths(vc.build_credential(make_input()))), ids=path_id)
def test_changing_any_value_breaks_verification(signed, key, path):
    result = vc.verify_credential(with_change(signed, path), keys_of(key))
    assert not result.valid


@pytest.mark.parametrize(
    "path",
    list(
        leaf_paths(
            {
                "proof": dict.fromkeys(
                    [
                        "type",
                        "cryptosuite",
                        "created",
                        "verificationMethod",
                        "proofPurpose",
                        "proofValue",
                    ]
                )
            }
        )
    ),
    ids=path_id,
)
def test_changing_the_proof_breaks_verification(signed, key, path):
    tampered = with_change(signed, path)
    public = keys_of(key) | {tampered["proof"]["verificationMethod"]: key.public_key}
    assert not vc.verify_credential(tampered, public).valid


@pytest.mark.parametrize("path", list(field_paths(vc.build_credential(make_input()))), ids=path_id)
def test_removing_any_field_breaks_verification(signed, key, path):
    assert not vc.verify_credential(without(signed, path), keys_of(key)).valid


def test_undefined_terms_are_refused(signed, key):
    """Safe mode: a field the contexts do not define would be unsigned, so it is an error."""
    extra = copy.deepcopy(signed)
    extra["credentialSubject"]["favouriteColour"] = "green"
    result = vc.verify_credential(extra, keys_of(key))
    assert not result.valid and "undefined term" in result.reason
    doc = vc.build_credential(make_input())
    doc["nickname"] = "x"
    with pytest.raises(vc.UndefinedTermError):
        vc.sign_credential(doc, key)
    doc = vc.build_credential(make_input())
    doc["type"].append("MadeUpCredential")
    with pytest.raises(vc.UndefinedTermError):
        vc.sign_credential(doc, key)


def test_unpinned_context_is_refused(key):
    doc = vc.build_credential(make_input())
    doc["@context"].append("https://evil.example/context.jsonld")
    with pytest.raises(JsonLdError) as info:
        vc.sign_credential(doc, key)
    chain, cause = [], info.value
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__
    assert any(isinstance(error, vc.ContextNotAllowed) for error in chain)
    with pytest.raises(vc.ContextNotAllowed, match="not pinned"):
        documents.document_loader("https://www.w3.org/2018/credentials/v1")


def test_pinned_contexts_are_checked(monkeypatch, tmp_path):
    import hashlib
    from importlib import resources

    folder = resources.files("certificates.credentials") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text())
    urls = {entry["url"] for entry in manifest["contexts"]}
    assert urls == {vc.VC_V2, vc.OB_V3P0, "https://www.w3.org/ns/credentials/examples/v2"}
    for entry in manifest["contexts"]:
        data = (folder / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]

    # A file that no longer matches its checksum stops loading.
    copy_dir = tmp_path / "contexts"
    copy_dir.mkdir()
    for entry in manifest["contexts"]:
        (copy_dir / entry["file"]).write_bytes((folder / entry["file"]).read_bytes())
    (copy_dir / "manifest.json").write_text(json.dumps(manifest))
    (copy_dir / "ob-v3p0-context-3.0.3.json").write_text('{"@context": {"@vocab": "x:"}}')

    class FakeFiles:
        def __truediv__(self, name):
            return copy_dir

    monkeypatch.setattr(documents.resources, "files", lambda package: FakeFiles())
    documents.pinned_contexts.cache_clear()
    try:
        with pytest.raises(vc.ContextIntegrityError, match="ob-v3p0-context-3.0.3.json"):
            documents.pinned_contexts()
    finally:
        monkeypatch.undo()
        documents.pinned_contexts.cache_clear()
    assert vc.OB_V3P0 in documents.pinned_contexts()


def test_malformed_documents_do_not_verify(signed, key):
    public = keys_of(key)
    assert not vc.verify_credential({}, public).valid
    assert not vc.verify_credential([], public).valid
    no_proof = {k: v for k, v in signed.items() if k != "proof"}
    assert vc.verify_credential(no_proof, public).reason.startswith("missing proof")
    bad = copy.deepcopy(signed)
    bad["proof"]["proofValue"] = "not-multibase"
    assert vc.verify_credential(bad, public).reason == "malformed proof value"
    bad["proof"]["proofValue"] = "z" + "1" * 10
    assert vc.verify_credential(bad, public).reason == "malformed proof value"
    bad = copy.deepcopy(signed)
    bad["proof"]["proofPurpose"] = "authentication"
    assert vc.verify_credential(bad, public).reason == "wrong proof purpose"
    bad = copy.deepcopy(signed)
    bad["validFrom"] = 12
    assert not vc.verify_credential(bad, public).valid

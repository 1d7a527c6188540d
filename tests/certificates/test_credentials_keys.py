"""The issuer's Ed25519 keys: first use, file permissions, environment, rotation."""

from __future__ import annotations

import base64
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import credentials as vc
from certificates.credentials.keys import KEY_FOLDER
from certificates.credentials.multibase import b58decode, encode_base58btc, multikey_public_raw

ISSUER = "https://lms.example/certificates/issuer"


def _raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _credential(ring) -> dict:
    doc = vc.status_list_document(f"{ISSUER}/status", ISSUER, b"", datetime(2024, 1, 1, tzinfo=UTC))
    return vc.sign_credential(doc, ring.signing_key)


def test_first_use_generates_a_private_key_file(tmp_path):
    ring = vc.load_signing_keys(tmp_path, {})
    folder = tmp_path / KEY_FOLDER
    (path,) = folder.iterdir()
    assert path.name == "ed25519-0001.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert b"PRIVATE KEY" in path.read_bytes()
    again = vc.load_signing_keys(tmp_path, {})
    assert again.signing_key.multibase == ring.signing_key.multibase
    assert list(ring.public_keys) == [ring.signing_key.multibase]


def test_multikey_encoding(tmp_path):
    ring = vc.load_signing_keys(tmp_path, {})
    name = ring.signing_key.multibase
    assert name.startswith("z6Mk")
    decoded = b58decode(name[1:])
    assert decoded[:2] == b"\xed\x01" and len(decoded) == 34
    assert decoded[2:] == _raw_public(ring.signing_key.public_key)
    assert ring.signing_key.verification_method(ISSUER) == f"{ISSUER}#{name}"
    doc = ring.multikey_document(ISSUER)
    assert doc["verificationMethod"] == [
        {
            "id": f"{ISSUER}#{name}",
            "type": "Multikey",
            "publicKeyMultibase": name,
            "controller": ISSUER,
        }
    ]
    assert doc["assertionMethod"] == [f"{ISSUER}#{name}"]
    assert ring.multikey_document()["verificationMethod"][0]["id"] == f"#{name}"
    profile = vc.issuer_profile_document(ISSUER, "Centre", "https://lms.example", ring)
    assert profile["type"] == ["Profile"] and profile["assertionMethod"] == [f"{ISSUER}#{name}"]


def test_parallel_first_use_makes_one_key(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _: vc.load_signing_keys(tmp_path, {}), range(16)))
    assert len({ring.signing_key.multibase for ring in rings}) == 1
    assert [p.name for p in (tmp_path / KEY_FOLDER).iterdir()] == ["ed25519-0001.pem"]


def test_rotation_keeps_old_public_keys(tmp_path):
    old_ring = vc.load_signing_keys(tmp_path, {})
    old_credential = _credential(old_ring)
    new_key = vc.rotate_signing_key(tmp_path)
    ring = vc.load_signing_keys(tmp_path, {})
    assert ring.signing_key.multibase == new_key.multibase != old_ring.signing_key.multibase
    assert list(ring.public_keys) == [new_key.multibase, old_ring.signing_key.multibase]
    files = sorted((tmp_path / KEY_FOLDER).iterdir())
    assert [p.name for p in files] == ["ed25519-0001.pem", "ed25519-0002.pem"]
    assert b"PRIVATE" not in files[0].read_bytes()  # the retired private key is gone
    assert b"PRIVATE" in files[1].read_bytes()
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    # Old credentials still verify; new ones are signed with the new key.
    assert vc.verify_credential(old_credential, ring.public_keys).valid
    new_credential = _credential(ring)
    assert new_credential["proof"]["verificationMethod"].endswith(new_key.multibase)
    assert vc.verify_credential(new_credential, ring.public_keys).valid
    assert len(ring.multikey_document(ISSUER)["verificationMethod"]) == 2


def _pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize("form", ["pem", "pem-escaped", "raw-b64", "der-b64", "multikey"])
def test_signing_key_from_environment(tmp_path, form):
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    value = {
        "pem": _pem(key),
        "pem-escaped": _pem(key).replace("\n", "\\n"),
        "raw-b64": base64.b64encode(raw).decode(),
        "der-b64": base64.b64encode(der).decode(),
        "multikey": encode_base58btc(b"\x80\x26" + raw),
    }[form]
    ring = vc.load_signing_keys(tmp_path, {"LMS_CERTIFICATES_SIGNING_KEY": value})
    assert ring.signing_key.multibase == vc.public_multibase(key.public_key())
    assert not (tmp_path / KEY_FOLDER).exists()  # nothing generated beside an env key


def test_environment_key_publishes_retired_keys(tmp_path):
    retired_file_ring = vc.load_signing_keys(tmp_path, {})
    vc.rotate_signing_key(tmp_path)
    older = vc.public_multibase(Ed25519PrivateKey.generate().public_key())
    env_key = Ed25519PrivateKey.generate()
    ring = vc.load_signing_keys(
        tmp_path,
        {"LMS_CERTIFICATES_SIGNING_KEY": _pem(env_key), "LMS_CERTIFICATES_RETIRED_KEYS": older},
    )
    names = list(ring.public_keys)
    assert names[0] == vc.public_multibase(env_key.public_key())
    assert retired_file_ring.signing_key.multibase in names
    assert older in names and len(names) == 4
    assert _raw_public(ring.public_keys[older]) == multikey_public_raw(older)


@pytest.mark.parametrize("value", ["not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END"])
def test_bad_environment_key(tmp_path, value):
    with pytest.raises(vc.SigningKeyError):
        vc.load_signing_keys(tmp_path, {"LMS_CERTIFICATES_SIGNING_KEY": value})


def test_sign_credential_accepts_a_bare_private_key():
    key = Ed25519PrivateKey.generate()
    doc = vc.status_list_document(f"{ISSUER}/status", ISSUER, b"")
    signed = vc.sign_credential(doc, key)
    name = vc.public_multibase(key.public_key())
    assert signed["proof"]["verificationMethod"] == f"{ISSUER}#{name}"
    assert vc.verify_credential(signed, {f"{ISSUER}#{name}": key.public_key()}).valid


def test_base64_key_starting_with_z_is_not_taken_for_a_multikey(tmp_path):
    # A seed whose first six bits are 110011 (51, base64's "z"): its base64 starts as a
    # multibase value does. Chosen rather than searched for among random keys, which
    # found none in 500 about once in 2,500 runs.
    key = Ed25519PrivateKey.from_private_bytes(bytes([0xCC]) + bytes(range(1, 32)))
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    value = base64.b64encode(raw).decode()
    assert value.startswith("z")
    ring = vc.load_signing_keys(tmp_path, {"LMS_CERTIFICATES_SIGNING_KEY": value})
    assert ring.signing_key.multibase == vc.public_multibase(key.public_key())

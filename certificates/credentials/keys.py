"""The issuer's Ed25519 keys: outside the database, generated on first use, rotated by addition.

Keys live in ``<instance>/certificates-keys/ed25519-NNNN.pem`` (folder 0700,
files 0600). The highest-numbered file holding a private key signs; rotation
writes the next number and turns every older private key file into a
public-key-only file, so old credentials stay verifiable (their public keys
stay published) while the old private keys are gone. Alternatively the
environment variable ``LMS_CERTIFICATES_SIGNING_KEY`` holds the signing key
(PEM, base64 of the raw 32-byte seed or of PKCS#8 DER, or a ``z...``
Multikey secret); the folder's public keys and the Multikeys listed in
``LMS_CERTIFICATES_RETIRED_KEYS`` are then published beside it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .multibase import multikey_private_raw, multikey_public, multikey_public_raw

ENV_SIGNING_KEY = "LMS_CERTIFICATES_SIGNING_KEY"
ENV_RETIRED_KEYS = "LMS_CERTIFICATES_RETIRED_KEYS"
KEY_FOLDER = "certificates-keys"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
_KEY_FILE = re.compile(r"^ed25519-(\d{4,})\.pem$")
log = logging.getLogger(__name__)


class SigningKeyError(Exception):
    """A key could not be read, or the key folder is in an impossible state."""


def public_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` of ``key`` (``z6Mk...``)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multikey_public(raw)


@dataclass(frozen=True)
class SigningKey:
    """A private key and the Multikey name of its public half."""

    private_key: Ed25519PrivateKey = field(repr=False)
    multibase: str = ""

    @classmethod
    def from_private_key(cls, private_key: Ed25519PrivateKey) -> SigningKey:
        return cls(private_key, public_multibase(private_key.public_key()))

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def verification_method(self, issuer_id: str) -> str:
        """``issuer_id#z6Mk...``: the id under which the issuer publishes this key."""
        return f"{issuer_id}#{self.multibase}"


@dataclass(frozen=True)
class KeyRing:
    """The current signing key and every published public key (current first)."""

    signing_key: SigningKey
    #: ``{publicKeyMultibase: public key}``, the current key first, then retired ones.
    public_keys: dict[str, Ed25519PublicKey]

    def public_keys_for(self, issuer_id: str) -> dict[str, Ed25519PublicKey]:
        """The public keys keyed by full verification method id."""
        return {f"{issuer_id}#{name}": key for name, key in self.public_keys.items()}

    def multikey_document(self, issuer_id: str | None = None) -> dict:
        """The keys as Multikey verification methods, to merge into the issuer's profile.

        Returns ``verificationMethod`` and ``assertionMethod`` entries. Without
        ``issuer_id`` the ids are relative (``#z6Mk...``), which resolve against
        the URL the profile is served at.
        """
        base = issuer_id or ""
        methods = []
        for name in self.public_keys:
            method = {"id": f"{base}#{name}", "type": "Multikey", "publicKeyMultibase": name}
            if issuer_id:
                method["controller"] = issuer_id
            methods.append(method)
        return {
            "@context": MULTIKEY_CONTEXT,
            "verificationMethod": methods,
            "assertionMethod": [method["id"] for method in methods],
        }


def _multikey_seed(text: str) -> bytes | None:
    """The seed of a ``z3u2...`` Multikey secret, or None (base64 may start with "z" too)."""
    try:
        return multikey_private_raw(text)
    except ValueError:
        return None


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """Read an Ed25519 private key given as PEM, base64 (raw seed or PKCS#8 DER) or Multikey."""
    text = text.strip().replace("\\n", "\n")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        elif (seed := _multikey_seed(text)) is not None:
            key = Ed25519PrivateKey.from_private_bytes(seed)
        else:
            data = base64.b64decode(text, validate=True)
            if len(data) == 32:
                key = Ed25519PrivateKey.from_private_bytes(data)
            else:
                key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise SigningKeyError(f"cannot read the Ed25519 signing key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the signing key is not an Ed25519 key")
    return key


def _read_key_file(path: Path) -> Ed25519PrivateKey | Ed25519PublicKey:
    data = path.read_bytes()
    if path.stat().st_mode & 0o077 and b"PRIVATE" in data:
        log.warning("signing key file %s is readable by others; chmod 600 it", path)
    try:
        if b"PRIVATE" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SigningKeyError(f"cannot read key file {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        raise SigningKeyError(f"key file {path} does not hold an Ed25519 key")
    return key


def _numbered_files(folder: Path) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _KEY_FILE.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def _write_new(folder: Path, name: str, data: bytes) -> bool:
    """Create ``folder/name`` with ``data`` (0600) atomically; False if it already exists.

    The bytes go to a private temporary file first, which is then hard-linked
    into place: a reader never sees half a key, and of two processes
    creating the same file one wins and the other learns it lost.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = folder / f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, folder / name)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _add_key(folder: Path, first: bool = False) -> None:
    """Write a fresh private key under the next free number.

    :param first: creating the first key on first use: if another process
        wins the race for the number, its key is the one, so stop.
    """
    while True:
        files = _numbered_files(folder)
        if first and any(isinstance(_read_key_file(p), Ed25519PrivateKey) for _n, p in files):
            return
        number = files[-1][0] + 1 if files else 1
        pem = _private_pem(Ed25519PrivateKey.generate())
        if _write_new(folder, f"ed25519-{number:04d}.pem", pem) or first:
            return


def rotate_signing_key(instance_path: str | os.PathLike) -> SigningKey:
    """Add a new signing key; older private keys are reduced to their public keys.

    Credentials signed before stay verifiable: their public keys remain in the
    folder and so in :meth:`KeyRing.multikey_document`.
    """
    folder = Path(instance_path) / KEY_FOLDER
    _add_key(folder)
    files = _numbered_files(folder)
    for _number, path in files[:-1]:
        key = _read_key_file(path)
        if isinstance(key, Ed25519PrivateKey):
            _replace(path, _public_pem(key.public_key()))
    current = _read_key_file(files[-1][1])
    assert isinstance(current, Ed25519PrivateKey)
    return SigningKey.from_private_key(current)


def load_signing_keys(
    instance_path: str | os.PathLike, env: Mapping[str, str] | None = None
) -> KeyRing:
    """The key ring: the current signing key and every public key to publish.

    Without ``LMS_CERTIFICATES_SIGNING_KEY`` in ``env`` a first key is
    generated in the instance folder when there is none.
    """
    env = os.environ if env is None else env
    folder = Path(instance_path) / KEY_FOLDER
    secret = env.get(ENV_SIGNING_KEY, "").strip()
    if secret:
        signing = SigningKey.from_private_key(parse_private_key(secret))
    else:
        _add_key(folder, first=True)
        signing = None
    public: dict[str, Ed25519PublicKey] = {}
    for _number, path in reversed(_numbered_files(folder)):
        key = _read_key_file(path)
        if isinstance(key, Ed25519PrivateKey):
            if signing is None:
                signing = SigningKey.from_private_key(key)
            key = key.public_key()
        public.setdefault(public_multibase(key), key)
    for name in re.split(r"[\s,]+", env.get(ENV_RETIRED_KEYS, "").strip()):
        if name:
            public.setdefault(name, Ed25519PublicKey.from_public_bytes(multikey_public_raw(name)))
    assert signing is not None
    ordered = {signing.multibase: signing.public_key}
    ordered.update((name, key) for name, key in public.items() if name != signing.multibase)
    return KeyRing(signing, ordered)

"""The tool's RSA key: generated once in the instance folder, published as a JWKS."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration


def _path(instance: str) -> Path:
    return Path(instance) / "lti" / "tool-key.pem"


def private_key_pem(instance: str) -> str:
    """The tool's private key (PEM), made on first use (exclusive create: parallel workers
    agree on one key)."""
    path = _path(instance)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    return path.read_text()


@cache
def _public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def public_key_pem(instance: str) -> str:
    return _public_pem(private_key_pem(instance))


def jwks(instance: str) -> dict:
    """The tool's public key set (what platforms verify Deep Linking answers with)."""
    jwk = dict(Registration.get_jwk(_public_pem(private_key_pem(instance))))
    return {"keys": [jwk]}

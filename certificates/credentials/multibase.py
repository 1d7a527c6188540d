"""The few multibase / multicodec encodings the credentials use.

base58btc (prefix ``z``) for proof values and Multikey public keys, base64url
without padding (prefix ``u``) for status lists.
"""

from __future__ import annotations

import base64

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}

#: multicodec varint prefixes of an Ed25519 public key and private key (seed).
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


def b58encode(data: bytes) -> str:
    """Bitcoin base58 of ``data`` (each leading zero byte becomes ``1``)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; :class:`ValueError` on a foreign character."""
    number = 0
    for char in text:
        try:
            number = number * 58 + _INDEX[char]
        except KeyError:
            raise ValueError(f"not a base58btc character: {char!r}") from None
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + body


def encode_base58btc(data: bytes) -> str:
    return "z" + b58encode(data)


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("not a multibase base58btc value (must start with 'z')")
    return b58decode(value[1:])


def encode_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_base64url(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise ValueError("not a multibase base64url value (must start with 'u')")
    body = value[1:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def multikey_public(raw: bytes) -> str:
    """``publicKeyMultibase`` of a raw 32-byte Ed25519 public key."""
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return encode_base58btc(ED25519_PUB + raw)


def multikey_public_raw(value: str) -> bytes:
    """Raw 32 bytes of an Ed25519 ``publicKeyMultibase``."""
    data = decode_base58btc(value)
    if not data.startswith(ED25519_PUB) or len(data) != 34:
        raise ValueError("not an Ed25519 Multikey public key")
    return data[2:]


def multikey_private_raw(value: str) -> bytes:
    """Raw 32-byte seed of an Ed25519 ``secretKeyMultibase``."""
    data = decode_base58btc(value)
    if not data.startswith(ED25519_PRIV) or len(data) != 34:
        raise ValueError("not an Ed25519 Multikey secret key")
    return data[2:]

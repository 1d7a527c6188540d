"""W3C Bitstring Status List: revocation bits published as a credential.

Bit 0 is the left-most (most significant) bit of the first byte. The list is
GZIP-compressed and multibase base64url encoded (``u`` prefix, no padding);
it has at least 16 KiB (131,072 entries) so one revocation tells an observer
little about which credential it was.
"""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime

from .documents import VC_V2
from .multibase import decode_base64url, encode_base64url
from .proof import xsd_datetime

MIN_BITS = 131_072
#: Refuse to inflate lists beyond this (a hostile list could be a gzip bomb).
MAX_BYTES = 16 * 1024 * 1024


class StatusListError(ValueError):
    """The encoded list is malformed, too short, or the index is outside it."""


def new_bitstring(size_bits: int = MIN_BITS) -> bytearray:
    """An all-zero bitstring of at least :data:`MIN_BITS` bits (a whole number of bytes)."""
    size_bits = max(size_bits, MIN_BITS)
    return bytearray((size_bits + 7) // 8)


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    """Set (or clear) status bit ``index`` in place."""
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} is outside the list of {len(bits) * 8} bits")
    mask = 0x80 >> (index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """Status bit ``index``."""
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} is outside the list of {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _as_bytes(bits) -> bytes:
    if hasattr(bits, "tobytes"):  # bitarray (big-endian, as the spec's bit order), memoryview
        return bits.tobytes()
    return bytes(bits)


def encode_list(bits) -> str:
    """``encodedList`` for ``bits`` (bytes, bytearray or a big-endian bitarray).

    Shorter input is padded with zero bits to :data:`MIN_BITS`. GZIP's
    timestamp is fixed so the same bits always give the same text.
    """
    data = _as_bytes(bits)
    if len(data) * 8 < MIN_BITS:
        data = data + bytes(MIN_BITS // 8 - len(data))
    return encode_base64url(gzip.compress(data, compresslevel=9, mtime=0))


def decode_list(encoded_list: str) -> bytes:
    """The bitstring of an ``encodedList``.

    :raises StatusListError: when it is not valid or shorter than 16 KiB.
    """
    try:
        compressed = decode_base64url(encoded_list)
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        data = inflater.decompress(compressed, MAX_BYTES + 1)
    except (ValueError, zlib.error) as exc:
        raise StatusListError(f"malformed encodedList: {exc}") from None
    if len(data) > MAX_BYTES:
        raise StatusListError("encodedList inflates to more than 16 MiB")
    if len(data) * 8 < MIN_BITS:
        raise StatusListError("status list shorter than 131,072 bits")
    return data


def status_bit(encoded_list: str, index: int | str) -> bool:
    """Whether entry ``index`` (``statusListIndex``, an int or its string) is set."""
    try:
        index = int(index)
    except (TypeError, ValueError):
        raise StatusListError(f"status list index {index!r} is not an integer") from None
    return get_bit(decode_list(encoded_list), index)


def status_list_document(
    url: str, issuer: str | dict, bits, valid_from: datetime | None = None
) -> dict:
    """The unsigned ``BitstringStatusListCredential`` published at ``url``.

    ``issuer`` is the issuer's id (or a profile, of which only the id is used:
    the status list carries only the base context).
    """
    if isinstance(issuer, dict):
        issuer = issuer["id"]
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from or datetime.now(UTC)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(bits),
        },
    }

"""W3C Bitstring Status List: bit order, encoding, and the signed list credential."""

from __future__ import annotations

import base64
import gzip

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import credentials as vc

URL = "https://lms.example/certificates/status/1"
ISSUER = "https://lms.example/certificates/issuer"


def test_index_zero_is_the_leftmost_bit():
    bits = vc.new_bitstring()
    assert len(bits) * 8 == vc.MIN_BITS == 131_072
    vc.set_bit(bits, 0)
    assert bits[0] == 0b1000_0000
    vc.set_bit(bits, 7)
    assert bits[0] == 0b1000_0001
    vc.set_bit(bits, 9)
    assert bits[1] == 0b0100_0000
    vc.set_bit(bits, 131_071)
    assert bits[-1] == 0b0000_0001
    assert [i for i in range(16) if vc.get_bit(bits, i)] == [0, 7, 9]
    vc.set_bit(bits, 7, False)
    assert bits[0] == 0b1000_0000 and not vc.get_bit(bits, 7)


def test_out_of_range():
    bits = vc.new_bitstring()
    for index in (-1, 131_072):
        with pytest.raises(vc.StatusListError):
            vc.set_bit(bits, index)
        with pytest.raises(vc.StatusListError):
            vc.status_bit(vc.encode_list(bits), index)
    with pytest.raises(vc.StatusListError):
        vc.status_bit(vc.encode_list(bits), "seven")


def test_encoding_is_multibase_base64url_gzip():
    bits = vc.new_bitstring()
    vc.set_bit(bits, 5)
    encoded = vc.encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    assert "+" not in encoded and "/" not in encoded
    body = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert raw == bytes(bits)
    assert vc.decode_list(encoded) == bytes(bits)
    assert vc.encode_list(bits) == encoded  # deterministic (no gzip timestamp)


def test_short_input_is_padded_to_16_kib():
    encoded = vc.encode_list(b"\x01")  # bit 7 set
    assert len(vc.decode_list(encoded)) == 16_384
    assert vc.status_bit(encoded, 7) and not vc.status_bit(encoded, 6)
    assert not vc.status_bit(encoded, 131_071)


def test_larger_lists_keep_their_size_and_bitarray_like_input():
    class BitarrayLike:  # bitarray's big-endian tobytes() is the spec's bit order
        def tobytes(self):
            return b"\x00" * 20_000 + b"\x80"

    encoded = vc.encode_list(BitarrayLike())
    assert len(vc.decode_list(encoded)) == 20_001
    assert vc.status_bit(encoded, 160_000)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "zabc",
        "u!!!",
        "u" + base64.urlsafe_b64encode(b"not gzip").decode(),
        "u" + base64.urlsafe_b64encode(gzip.compress(b"\xff" * 100)).decode().rstrip("="),
    ],
)
def test_malformed_or_short_lists(encoded):
    with pytest.raises(vc.StatusListError):
        vc.status_bit(encoded, 0)


def test_signed_status_list_credential():
    key = vc.SigningKey.from_private_key(Ed25519PrivateKey.generate())
    bits = vc.new_bitstring()
    for index in (0, 42, 1000):
        vc.set_bit(bits, index)
    doc = vc.build_status_list_credential(URL, ISSUER, bits, key)
    assert doc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["id"] == URL and doc["issuer"] == ISSUER
    subject = doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert [i for i in range(1001) if vc.status_bit(subject["encodedList"], i)] == [0, 42, 1000]
    assert vc.status_bit(subject["encodedList"], "42")
    public = {key.multibase: key.public_key}
    assert vc.verify_credential(doc, public).valid
    # Flipping a bit (un-revoking a credential) breaks the list's signature.
    vc.set_bit(bits, 42, False)
    forged = dict(doc, credentialSubject=dict(subject, encodedList=vc.encode_list(bits)))
    assert not vc.verify_credential(forged, public).valid
    # A profile as issuer is reduced to its id.
    again = vc.build_status_list_credential(URL, {"id": ISSUER, "name": "x"}, bits, key)
    assert again["issuer"] == ISSUER

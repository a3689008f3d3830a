"""QuickXorHash against the vectors the Node client is checked against (packages/graph/test/cases/
quickXorHash.json), against a bit-by-bit reference, and whatever the chunking."""

import base64
import json
import os
import random

import pytest
from conftest import CASES

from ferry_onedrive import QuickXorHash, quickxorhash

VECTORS = json.loads((CASES / "quickXorHash.json").read_text())["vectors"]


def vector_bytes(v: dict) -> bytes:
    if "base64" in v:
        return base64.b64decode(v["base64"])
    period = bytes((i * 151 + 7) & 0xFF for i in range(256))
    n = v["length"]
    return (period * (n // 256 + 1))[:n]


def reference(data: bytes) -> str:
    """The definition, bit by bit: bit b of byte k goes to bit (11k + b) mod 160; the length into bits 96..159."""
    bits = [0] * 160
    for k, byte in enumerate(data):
        for b in range(8):
            if (byte >> b) & 1:
                bits[(k * 11 + b) % 160] ^= 1
    length = len(data)
    for b in range(64):
        if (length >> b) & 1:
            bits[96 + b] ^= 1
    out = bytearray(20)
    for i, bit in enumerate(bits):
        out[i >> 3] |= bit << (i & 7)
    return base64.b64encode(bytes(out)).decode()


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_same_digest_as_the_node_client(vector):
    data = vector_bytes(vector)
    assert quickxorhash(data) == vector["hash"]
    # Whatever the chunking: byte-sized, lane-straddling and large updates mixed.
    rnd = random.Random(len(data))
    h = QuickXorHash()
    at = 0
    while at < len(data):
        step = rnd.choice([1, rnd.randint(0, 400), rnd.randint(0, 3_000_000)])
        h.update(memoryview(data)[at : at + step])
        at += step
    assert h.digest() == vector["hash"]


def test_microsofts_published_vectors():
    assert quickxorhash(b"") == "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
    assert quickxorhash(b"\x4a") == "SgAAAAAAAAAAAAAAAQAAAAAAAAA="


def test_agrees_with_the_bit_by_bit_reference_on_random_inputs():
    rnd = random.Random(7)
    for _ in range(60):
        data = rnd.randbytes(rnd.randint(0, 1800))
        assert quickxorhash(data) == reference(data)


def test_digest_leaves_the_state_alone():
    data = os.urandom(5000)
    h = QuickXorHash(data[:1234])
    assert h.digest() == quickxorhash(data[:1234])
    h.update(data[1234:])
    assert h.digest() == quickxorhash(data)


def test_accepts_bytes_bytearray_and_memoryview():
    data = os.urandom(777)
    assert quickxorhash(bytearray(data)) == quickxorhash(memoryview(data)) == quickxorhash(data)

"""QuickXorHash, the content hash every OneDrive drive type reports (``file.hashes.quickXorHash``).

No maintained Python package implements it, hence this file. The definition (Microsoft's, as rclone ports it):
input byte k is XORed into a 160-bit value at bit offset (11 * k) mod 160, and the 64-bit little-endian length
is XORed into the last 8 bytes. Looping per byte would take minutes for 100 MB in Python, so this leans on the
period: 11 * 160 ≡ 0 (mod 160), so bytes k and k + 160 land at the same offset. Data is XOR-folded in 160-byte
lanes as big integers (C speed), and each of the 160 lane bytes is placed at its offset once, in ``digest()``.
"""

from __future__ import annotations

import base64

_WIDTH = 160  # bits in the state, and bytes in one lane
_MASK = (1 << _WIDTH) - 1
# XOR this many bytes at a time as one integer: a multiple of the lane, large enough that the per-call cost
# vanishes, small enough that the conversion stays in cache.
_CHUNK = _WIDTH * 8192  # 1.25 MiB


class QuickXorHash:
    """Streaming QuickXorHash: ``update()`` any number of times, ``digest()`` (base64) whenever needed."""

    __slots__ = ("_lanes", "_tail", "_length")

    def __init__(self, data: bytes = b"") -> None:
        # XOR of every complete 160-byte lane seen so far, as a little-endian integer: byte j holds the XOR of
        # every input byte at a position ≡ j (mod 160).
        self._lanes = 0
        # Input since the last lane boundary (fewer than 160 bytes); it starts at lane offset 0.
        self._tail = b""
        self._length = 0
        if data:
            self.update(data)

    def update(self, data) -> "QuickXorHash":
        view = memoryview(data).cast("B")
        n = len(view)
        self._length += n
        at = 0
        if self._tail:
            take = min(n, _WIDTH - len(self._tail))
            self._tail += bytes(view[:take])
            at = take
            if len(self._tail) < _WIDTH:
                return self
            self._lanes ^= int.from_bytes(self._tail, "little")
            self._tail = b""
        whole = at + (n - at) // _WIDTH * _WIDTH
        lanes = self._lanes
        while at < whole:
            stop = min(whole, at + _CHUNK)
            lanes ^= int.from_bytes(view[at:stop], "little")
            at = stop
        # Folded back to one lane, so a later small update does not pay for XORing a large integer.
        self._lanes = _fold(lanes)
        self._tail = bytes(view[whole:])
        return self

    def digest(self) -> str:
        """The base64 digest, as Graph reports it. Leaves the state alone, so hashing may go on."""
        folded = _fold(self._lanes ^ int.from_bytes(self._tail, "little"))
        state = 0
        for j in range(_WIDTH):
            byte = (folded >> (8 * j)) & 0xFF
            if byte:
                state ^= byte << ((11 * j) % _WIDTH)
        # A byte placed at offset 153..159 spills past bit 159; those bits wrap to the start.
        state = (state & _MASK) ^ (state >> _WIDTH)
        # Microsoft's finishing step: the total length, 64-bit little-endian, into the last 8 of the 20 bytes.
        state ^= (self._length & 0xFFFFFFFFFFFFFFFF) << (_WIDTH - 64)
        return base64.b64encode(state.to_bytes(_WIDTH // 8, "little")).decode("ascii")


def _fold(lanes: int) -> int:
    """XORs an integer of many 160-byte lanes down to one lane, halving the lane count each step."""
    bits = _WIDTH * 8
    count = max(1, -(-lanes.bit_length() // bits))
    while count > 1:
        half = (count + 1) // 2
        cut = half * bits
        lanes = (lanes & ((1 << cut) - 1)) ^ (lanes >> cut)
        count = half
    return lanes


def quickxorhash(data) -> str:
    """QuickXorHash of ``data`` in one call, base64-encoded as in ``file.hashes.quickXorHash``."""
    return QuickXorHash(data).digest()

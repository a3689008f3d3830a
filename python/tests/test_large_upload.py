"""A 100 MB write through `fs.open(..., "wb")`, in its own process as a job would run it: it goes up through an
upload session in 320 KiB-multiple fragments, the hashes OneDrive reports match the bytes written (QuickXorHash by
the emulator's own implementation, and SHA-256), and the writer's memory stays bounded."""

import hashlib
import json

from conftest import run_python

SIZE = 100 * 1024 * 1024
FRAGMENT_UNIT = 320 * 1024

WRITER = r"""
import hashlib, json, random, sys
import fsspec
from ferry_onedrive import QuickXorHash

size, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
sha, qxh = hashlib.sha256(), QuickXorHash()
fs = fsspec.filesystem("onedrive")
with fs.open("onedrive://large/100mb.bin", "wb") as f:
    left = size
    while left:
        chunk = rnd.randbytes(min(left, 1_000_003))  # an odd size: fragments are cut by the writer, not the caller
        sha.update(chunk)
        qxh.update(chunk)
        f.write(chunk)
        left -= len(chunk)
status = open("/proc/self/status").read()
peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) * 1024
print(json.dumps({"sha256": sha.hexdigest().upper(), "quickXorHash": qxh.digest(), "peakRss": peak}))
"""


def test_a_100_mb_write_through_an_upload_session(stack, emulator, conn):
    emulator.reset_counters()
    result = run_python(["-c", WRITER, str(SIZE), "21"], stack.env, timeout=600)
    assert result.returncode == 0, result.stderr
    written = json.loads(result.stdout)

    item = conn.stat("large/100mb.bin")
    assert item["size"] == SIZE
    assert item["file"]["hashes"]["quickXorHash"] == written["quickXorHash"]
    assert item["file"]["hashes"]["sha256Hash"] == written["sha256"]

    counters = emulator.counters()
    assert emulator.requests_to(r"createUploadSession", status=200) == 1
    fragments = emulator.requests_to(r"^PUT /up/")
    assert fragments == -(-SIZE // (32 * FRAGMENT_UNIT))  # 10 MiB fragments: 10 of them
    assert counters["bytesIn"] == SIZE  # every byte sent once
    assert counters["authOnPreauthenticatedUrl"] == 0
    assert emulator.requests_to(r"content", method="PUT") == 0  # no simple upload

    # The file was spooled, not held: the writer's peak memory stays far below the file's size.
    assert written["peakRss"] < 90 * 1024 * 1024, written["peakRss"]

    # And the bytes read back are the bytes written.
    sha = hashlib.sha256()
    with conn.fs.open("large/100mb.bin", "rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            sha.update(chunk)
    assert sha.hexdigest().upper() == written["sha256"]
    conn.delete("large")

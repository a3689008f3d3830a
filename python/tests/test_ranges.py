"""Range reads move only the bytes asked for, as the emulator's counters see them (bytes sent by its file host
and the requests it served), so pyarrow and other seeking readers fetch only what they need."""

import struct

import pytest

SIZE = 20 * 1024 * 1024 + 123
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def blob(stack):
    seeded = stack.emulator.seed(files=[{"path": "ranges/blob.bin", "size": SIZE}])
    return seeded["items"][-1]


@pytest.fixture(scope="module")
def whole(stack, blob):
    from ferry_onedrive import onedrive_connect, quickxorhash

    data = onedrive_connect().download("ranges/blob.bin")
    # The emulator hashed what it generated with its own implementation: both agree on every byte.
    assert quickxorhash(data) == blob["hashes"]["quickXorHash"]
    return data


def downloads(emulator):
    return emulator.requests_to(r"^GET /dl/")


def test_cat_file_moves_exactly_the_range(emulator, fs, whole):
    emulator.reset_counters()
    assert fs.cat_file("ranges/blob.bin", start=5_000_000, end=5_000_100) == whole[5_000_000:5_000_100]
    counters = emulator.counters()
    assert counters["bytesOut"] == 100
    assert downloads(emulator) == 1
    assert emulator.requests_to(r"^GET /drive/root:") == 1  # the one metadata request
    assert counters["authOnPreauthenticatedUrl"] == 0


def test_seeking_reads_fetch_what_they_ask_and_no_more(emulator, fs, whole):
    emulator.reset_counters()
    with fs.open("onedrive://ranges/blob.bin", "rb") as f:
        f.seek(-8, 2)
        tail = f.read(8)
        f.seek(3 * MiB)
        middle = f.read(64 * 1024)
        f.seek(100)
        head = f.read(10)
    assert (tail, middle, head) == (whole[-8:], whole[3 * MiB : 3 * MiB + 64 * 1024], whole[100:110])
    assert emulator.counters()["bytesOut"] == 8 + 64 * 1024 + 10
    assert downloads(emulator) == 3


def test_parquet_footer_is_read_with_two_small_ranges(emulator, fs):
    # What a Parquet reader does first: the last 8 bytes (footer length + magic), then the footer itself.
    # pyarrow is not packaged for this Debian, so the ranges are read here as pyarrow would read them.
    size = fs.info("exports/cities.parquet")["size"]
    emulator.reset_counters()
    with fs.open("exports/cities.parquet", "rb") as f:
        f.seek(-8, 2)
        length, magic = struct.unpack("<I4s", f.read(8))
        f.seek(size - 8 - length)
        footer = f.read(length)
    assert magic == b"PAR1" and len(footer) == length
    assert emulator.counters()["bytesOut"] == 8 + length
    assert downloads(emulator) == 2


def test_reading_forward_reads_ahead_in_few_requests(emulator, fs, whole):
    emulator.reset_counters()
    out = bytearray()
    with fs.open("ranges/blob.bin", "rb") as f:
        while chunk := f.read(256 * 1024):
            out += chunk
    assert bytes(out) == whole
    assert emulator.counters()["bytesOut"] == SIZE  # read ahead, never past the end or twice
    assert downloads(emulator) <= 5  # 5 MiB blocks, not one request per 256 KiB read


def test_cat_ranges_opens_each_file_once(emulator, fs, whole):
    emulator.reset_counters()
    parts = fs.cat_ranges(["ranges/blob.bin"] * 3, [0, 1000, SIZE - 5], [10, 2000, SIZE])
    assert parts == [whole[:10], whole[1000:2000], whole[-5:]]
    assert emulator.requests_to(r"^GET /drive/root:") == 1
    assert emulator.counters()["bytesOut"] == 10 + 1000 + 5


def test_a_broken_download_resumes_from_the_next_byte(emulator, conn, whole):
    ranges = []
    conn.session.hooks["response"].append(lambda r, **_: ranges.append(r.request.headers.get("Range")))
    emulator.fault(route="/dl/", kind="reset", afterBytes=1_000_000, count=1)
    emulator.reset_counters()
    assert conn.download("ranges/blob.bin") == whole
    assert emulator.counters()["faults"] == {"scripted": 1}
    # The connection was cut after 1,000,000 bytes; the next request asked only for the rest.
    assert [r for r in ranges if r] == [f"bytes=0-{SIZE - 1}", f"bytes=1000000-{SIZE - 1}"]


def test_an_expired_download_url_is_renewed_and_reading_goes_on(emulator, fs, whole):
    with fs.open("ranges/blob.bin", "rb", cache_type="none") as f:
        assert f.read(10) == whole[:10]
        # Past the download URL's lifetime (and the access token's, so the token is replaced too).
        emulator.advance_clock(2 * 3600)
        emulator.reset_counters()
        f.seek(4 * MiB)
        assert f.read(MiB) == whole[4 * MiB : 5 * MiB]
        assert f.link.renewals == 1
    assert emulator.requests_to(r"^GET /dl/", status=401) == 1


def test_a_file_that_changed_under_the_reader_stops_the_read(emulator, fs):
    from ferry_onedrive import FerryError

    fs.pipe_file("ranges/changing.bin", b"1" * 100_000)
    with fs.open("ranges/changing.bin", "rb", cache_type="none") as f:
        assert f.read(10) == b"1" * 10
        fs.pipe_file("ranges/changing.bin", b"2" * 100_000)
        emulator.advance_clock(2 * 3600)  # the reader's download URL expires; renewing it finds a new version
        with pytest.raises(FerryError, match="changed on OneDrive while it was being read"):
            f.read(10)
    fs.rm("ranges/changing.bin")

"""The onedrive:// fsspec filesystem against `ferry dev`: fsspec's verbs with fsspec's conventions (info keys,
FileNotFoundError, exist_ok, recursive), writes small and large, and registration through the entry point."""

import io
import os
from importlib.metadata import entry_points

import fsspec
import pandas as pd
import pytest

from ferry_onedrive import ConflictError, InvalidPathError, IsAFolderError, OneDriveFileSystem, quickxorhash


def test_registered_for_the_onedrive_protocol_through_the_entry_point():
    names = {ep.name: ep.value for ep in entry_points(group="fsspec.specs")}
    assert names["onedrive"] == "ferry_onedrive.filesystem:OneDriveFileSystem"
    assert fsspec.get_filesystem_class("onedrive") is OneDriveFileSystem


def test_ls_and_info_follow_fsspec_conventions(fs):
    listing = fs.ls("onedrive://reports")
    assert [(e["name"], e["type"]) for e in listing] == [("reports/q1.csv", "file")]
    info = fs.info("onedrive://reports/q1.csv")
    assert {"name", "size", "type", "mtime", "quickXorHash", "eTag", "id"} <= set(info)
    assert info["size"] == len(fs.cat_file("reports/q1.csv"))
    assert fs.ls("reports", detail=False) == ["reports/q1.csv"]
    assert fs.ls("reports/q1.csv", detail=False) == ["reports/q1.csv"]  # a file lists as itself
    root = fs.info("")
    assert (root["name"], root["type"]) == ("", "directory")
    assert {"data", "exports", "input", "reports"} <= set(fs.ls("/", detail=False))
    with pytest.raises(FileNotFoundError):
        fs.ls("no-such-folder")
    with pytest.raises(FileNotFoundError):
        fs.info("reports/nope.csv")
    assert fs.exists("reports/q1.csv") and not fs.exists("reports/nope.csv")
    assert fs.isdir("reports") and fs.isfile("reports/q1.csv") and not fs.isfile("reports")
    assert fs.modified("reports/q1.csv").tzinfo is not None


def test_walk_find_glob_du(fs):
    fs.pipe({"tree/a.csv": b"1", "tree/sub/b.csv": b"22", "tree/sub/deeper/c.txt": b"333"})
    assert fs.find("tree") == ["tree/a.csv", "tree/sub/b.csv", "tree/sub/deeper/c.txt"]
    assert fs.glob("onedrive://tree/*/*.csv") == ["tree/sub/b.csv"]
    assert fs.glob("tree/*.csv") == ["tree/a.csv"]
    assert fs.du("tree") == 6
    assert [d for d, _, _ in fs.walk("tree")] == ["tree", "tree/sub", "tree/sub/deeper"]
    fs.rm("tree", recursive=True)


def test_open_for_reading_seeks_and_reads(fs):
    whole = fs.cat_file("data/measurements.csv")
    with fs.open("onedrive://data/measurements.csv", "rb") as f:
        assert f.size == len(whole)
        assert f.read(10) == whole[:10]
        f.seek(-20, 2)
        assert f.read() == whole[-20:]
        f.seek(100)
        assert f.readline() == whole[100 : whole.index(b"\n", 100) + 1]
    with fs.open("data/measurements.csv", "r") as text:
        assert text.readline() == "timestamp,sensor,temperature_c,humidity_pct\n"
    assert fs.cat_file("data/measurements.csv", start=-11) == whole[-11:]
    assert fs.cat_file("data/measurements.csv", start=5, end=-5) == whole[5:-5]
    assert fs.cat("data/measurements.csv") == whole
    assert fs.head("data/measurements.csv", 9) == whole[:9] and fs.tail("data/measurements.csv", 9) == whole[-9:]
    with pytest.raises(IsADirectoryError):
        fs.open("data", "rb")
    with pytest.raises(FileNotFoundError):
        fs.open("data/missing.csv", "rb")
    with pytest.raises(NotImplementedError, match="no append"):
        fs.open("data/measurements.csv", "ab")


def test_writes_small_and_large_and_text(emulator, fs):
    emulator.reset_counters()
    with fs.open("onedrive://w/small.bin", "wb") as f:
        f.write(b"hello ")
        f.write(b"world")
    assert fs.cat_file("w/small.bin") == b"hello world"
    assert emulator.requests_to(r"createUploadSession") == 0  # one simple PUT

    big = os.urandom(9 * 1024 * 1024 + 17)
    with fs.open("w/big.bin", "wb") as f:
        for at in range(0, len(big), 1_000_000):
            f.write(big[at : at + 1_000_000])
    info = fs.info("w/big.bin")
    assert info["size"] == len(big) and info["quickXorHash"] == quickxorhash(big)
    assert emulator.requests_to(r"createUploadSession") == 1
    assert fs.cat_file("w/big.bin") == big

    with fs.open("w/text.txt", "w", encoding="utf-8") as f:
        f.write("naïve café\n")
    assert fs.cat_file("w/text.txt") == "naïve café\n".encode()
    fs.pipe_file("w/piped.bin", b"\x00" * 5_000_000)  # over 4 MiB: through a session, from memory
    assert fs.info("w/piped.bin")["size"] == 5_000_000
    fs.touch("w/empty")
    assert fs.info("w/empty")["size"] == 0
    before = fs.info("w/small.bin")
    fs.touch("w/small.bin", truncate=False)  # only the modification time changes
    after = fs.info("w/small.bin")
    assert after["size"] == before["size"] and after["mtime"] >= before["mtime"]
    assert fs.cat_file("w/small.bin") == b"hello world"
    fs.rm("w", recursive=True)


def test_a_failed_write_leaves_nothing_behind(fs):
    with pytest.raises(RuntimeError):
        with fs.open("half/written.csv", "wb") as f:
            f.write(b"a,b\n1,2\n")
            raise RuntimeError("the job failed midway")
    assert not fs.exists("half/written.csv")


def test_a_transaction_uploads_on_commit_only(fs):
    with pytest.raises(RuntimeError):
        with fs.transaction:
            with fs.open("tx/a.txt", "wb") as f:
                f.write(b"a")
            raise RuntimeError("the job failed before the end of the transaction")
    assert not fs.exists("tx/a.txt")
    with fs.transaction:
        with fs.open("tx/a.txt", "wb") as f:
            f.write(b"a")
        with fs.open("tx/b.txt", "wb") as f:
            f.write(b"b")
        assert not fs.exists("tx/a.txt")  # nothing is uploaded before the transaction ends
    assert fs.cat_file("tx/a.txt") + fs.cat_file("tx/b.txt") == b"ab"
    fs.rm("tx", recursive=True)


def test_put_and_get_local_files(fs, tmp_path):
    local = tmp_path / "up.bin"
    local.write_bytes(os.urandom(6 * 1024 * 1024))
    fs.put(str(local), "onedrive://transfer/up.bin")
    assert fs.info("transfer/up.bin")["quickXorHash"] == quickxorhash(local.read_bytes())
    back = tmp_path / "down.bin"
    fs.get("transfer/up.bin", str(back))
    assert back.read_bytes() == local.read_bytes()
    assert not (tmp_path / "down.bin.ferry-partial").exists()
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "x.txt").write_text("x")
    fs.put(str(tmp_path / "tree"), "transfer/tree", recursive=True)
    assert fs.cat_file("transfer/tree/sub/x.txt") == b"x"
    fs.rm("transfer", recursive=True)


def test_makedirs_mkdir_rm_rmdir(fs):
    fs.makedirs("dirs/a/b")
    with pytest.raises(FileExistsError):
        fs.makedirs("dirs/a/b")
    fs.makedirs("dirs/a/b", exist_ok=True)
    with pytest.raises(FileExistsError):
        fs.mkdir("dirs/a")
    fs.mkdir("dirs/x/y")  # create_parents=True by default
    with pytest.raises(FileNotFoundError):
        fs.mkdir("dirs/none/z", create_parents=False)
    fs.pipe_file("dirs/a/file.txt", b"1")
    with pytest.raises(IsAFolderError, match="pass recursive=True"):
        fs.rm("dirs/a")
    with pytest.raises(OSError):
        fs.rmdir("dirs/a")
    fs.rmdir("dirs/x/y")
    assert not fs.exists("dirs/x/y")
    fs.rm("dirs/a/file.txt")
    fs.rm("dirs", recursive=True)
    assert not fs.exists("dirs")
    with pytest.raises(FileNotFoundError):
        fs.rm("dirs")


def test_mv_and_cp_on_the_service_side(emulator, fs):
    fs.pipe_file("moves/a.csv", b"a")
    emulator.reset_counters()
    fs.mv("onedrive://moves/a.csv", "moves/b.csv")
    assert emulator.counters()["bytesIn"] == 0  # no bytes went through this machine
    assert not fs.exists("moves/a.csv") and fs.cat_file("moves/b.csv") == b"a"
    fs.mv("moves/b.csv", "moves/archive/2026/b.csv")  # missing folders are created
    fs.makedirs("moves/into")
    fs.mv("moves/archive", "moves/into")  # onto an existing folder: inside it, folder and all
    assert fs.find("moves") == ["moves/into/archive/2026/b.csv"]
    fs.pipe_file("moves/other.csv", b"other")
    fs.mv("moves/other.csv", "moves/into/archive/2026/b.csv")  # an existing file is replaced
    assert fs.cat_file("moves/into/archive/2026/b.csv") == b"other"
    fs.cp_file("moves/into/archive/2026/b.csv", "moves/copy.csv")
    assert fs.cat_file("moves/copy.csv") == b"other"
    with pytest.raises(ConflictError):
        fs.cp_file("moves/copy.csv", "moves/copy.csv")
    fs.rm("moves", recursive=True)


def test_pandas_reads_and_writes_onedrive_urls(conn):
    df = pd.read_csv("onedrive://reports/q1.csv")
    assert list(df.columns) == ["month", "region", "revenue", "orders"] and len(df) == 12
    df.head(3).to_csv("onedrive://pandas/head.csv", index=False)
    back = pd.read_csv("onedrive://pandas/head.csv")
    pd.testing.assert_frame_equal(back, df.head(3))
    with fsspec.open("onedrive://pandas/head.csv", "rb") as f:
        assert f.read(5) == b"month"
    conn.fs.rm("pandas", recursive=True)


def test_storage_options_pick_another_broker(stack):
    fs = fsspec.filesystem("onedrive", url=stack.broker_url, api_key=stack.api_key, graph_url=stack.graph_url)
    assert fs.connection.credentials.source == "arguments"
    assert fs.cat_file("reports/q1.csv", 0, 5) == b"month"
    df = pd.read_csv(
        "onedrive://reports/q1.csv",
        storage_options={"url": stack.broker_url, "api_key": stack.api_key, "graph_url": stack.graph_url},
    )
    assert len(df) == 12


def test_hostile_paths_are_refused_by_the_filesystem(fs):
    for path in ["onedrive://a/../b", "x?$select=id", "reports:/children", "a\\b", "CON"]:
        with pytest.raises(InvalidPathError):
            fs.info(path)
    with pytest.raises(InvalidPathError):
        io.BytesIO(fs.cat_file("onedrive://../../drives/x"))

"""Errors carry the Node client's stable codes and say what to do: hostile paths are refused before any request,
a revoked grant says how to reconnect, the broker's refusals and absence are named, throttling is waited out."""

from glob import has_magic

import pandas as pd
import pytest

from ferry_onedrive import (
    BrokerUnreachableError,
    InvalidPathError,
    NeedsReconnectError,
    NotConnectedError,
    UnauthorizedError,
    onedrive_connect,
)

HOSTILE = [
    "../../drives/other-drive/root",
    "a/../../me",
    "reports:/children",
    "x?$select=id",
    "x?y#fragment",
    "a\\..\\b",
    "nul\u0000byte",
    "line\r\nbreak",
    "lone\ud800surrogate",
    "CON",
    "~$lock.docx",
    "trailing.",
    " leading",
    "x" * 256,
    "/".join(["n" * 100] * 5),
]


def test_hostile_paths_are_refused_before_any_request(stack, emulator):
    # A broker no one listens on: had anything asked it for a token, the error would be broker_unreachable.
    conn = onedrive_connect("http://127.0.0.1:9", "fry_not_used", graph_url=stack.graph_url)
    fs = conn.fs
    emulator.reset_counters()
    attempts = [
        lambda p: conn.list(p),
        lambda p: conn.download(p),
        lambda p: conn.stat(p),
        lambda p: conn.upload(p, b"x"),
        lambda p: conn.mkdir(p, parents=True),
        lambda p: conn.delete(p),
        lambda p: conn.move("reports/q1.csv", p),
        lambda p: fs.ls(f"onedrive://{p}"),
        lambda p: fs.info(p),
        lambda p: fs.open(p, "rb"),
        lambda p: fs.open(p, "wb"),
        lambda p: fs.cat_file(p, 0, 10),
        lambda p: fs.pipe_file(p, b"x"),
        lambda p: fs.makedirs(p, exist_ok=True),
        lambda p: fs.rm_file(p),
    ]
    # fsspec.open (what pandas calls) reads `?`, `*` and `[` as a glob pattern, matched against listed names;
    # every other hostile URL is refused before the filesystem is even made.
    no_glob = [p for p in HOSTILE if not has_magic(p)]
    refused = 0
    for path in HOSTILE:
        for attempt in attempts:
            with pytest.raises(InvalidPathError) as error:
                attempt(path)
            assert error.value.code == "invalid_path"
            assert str(error.value).startswith("invalid OneDrive path ")
            refused += 1
    for path in no_glob:
        with pytest.raises(InvalidPathError):
            pd.read_csv(f"onedrive://{path}", storage_options={"connection": conn})
        refused += 1
    assert refused == len(HOSTILE) * len(attempts) + len(no_glob)
    assert emulator.graph_requests() == 0


def test_a_revoked_grant_raises_the_reconnect_error(stack, emulator, conn):
    assert conn.list("reports")
    emulator.revoke("personal")
    try:
        for attempt in (
            lambda: conn.list("reports"),
            lambda: conn.fs.ls("reports"),
            lambda: pd.read_csv("onedrive://reports/q1.csv"),
        ):
            with pytest.raises(NeedsReconnectError) as error:
                attempt()
            assert error.value.code == "needs_reconnect"
            assert str(error.value).startswith("OneDrive needs reconnecting: run `ferry integrations onedrive connect`")
        status = stack.broker("GET", "/api/v1/integrations").json()["integrations"][0]["status"]
        assert status == "needs_reconnect"
    finally:
        stack.connect_onedrive()
    # Reconnected, the same connection object works again.
    assert [i["name"] for i in conn.list("reports")] == ["q1.csv"]


def test_a_disconnected_user_is_told_to_connect(stack, conn):
    conn.token()
    assert stack.broker("DELETE", "/api/v1/integrations/onedrive").status_code == 200
    try:
        fresh = onedrive_connect()
        with pytest.raises(NotConnectedError) as error:
            fresh.token()
        assert error.value.code == "not_connected"
        assert "ferry integrations onedrive connect" in str(error.value)
    finally:
        stack.connect_onedrive()
    assert onedrive_connect().list("reports")


def test_a_refused_api_key_is_named(stack):
    conn = onedrive_connect(stack.broker_url, "fry_0000000000000000_not-a-real-key", graph_url=stack.graph_url)
    with pytest.raises(UnauthorizedError) as error:
        conn.list("")
    assert error.value.code == "unauthorized"
    assert f"the Ferry broker at {stack.broker_url} refused the API key from the arguments" in str(error.value)
    assert "fry_0000000000000000_not-a-real-key" not in str(error.value)


def test_a_broker_that_is_not_running_is_named(stack):
    conn = onedrive_connect("http://127.0.0.1:9", "fry_x", graph_url=stack.graph_url)
    with pytest.raises(BrokerUnreachableError) as error:
        conn.token()
    assert error.value.code == "broker_unreachable"
    assert "cannot reach the Ferry broker at http://127.0.0.1:9 (from the arguments): is it running?" in str(
        error.value
    )


def test_throttling_is_waited_out(emulator, conn):
    conn.token()
    emulator.reset_counters()
    emulator.fault(path="/reports", status=429, retryAfter=1.5, count=2)
    assert [i["name"] for i in conn.list("reports")] == ["q1.csv"]
    # A faulted request is counted under the framework's route pattern, before Graph routing.
    assert emulator.requests_to(r"^GET /v1\.0/", status=429) == 2
    assert emulator.requests_to(r"children", status=200) == 1
    emulator.fault(route="/up/", status=503, count=1)
    item = conn.upload("throttled/big.bin", b"z" * (5 * 1024 * 1024))
    assert item["size"] == 5 * 1024 * 1024
    assert emulator.requests_to(r"^PUT /up/", status=503) == 1
    assert emulator.counters()["faults"] == {"scripted": 3}
    conn.delete("throttled")


def test_an_upload_session_that_ends_midway_starts_over(emulator, conn):
    data = bytes(range(256)) * (6 * 4096)  # 6 MiB: a session of 10 MiB fragments
    emulator.reset_counters()
    # The first fragment finds the session gone, as after Graph expired an idle one.
    emulator.fault(route="/up/", status=404, code="itemNotFound", count=1)
    item = conn.upload("restarted/six.bin", data, fragment_size=4 * 320 * 1024)
    assert item["size"] == len(data)
    assert emulator.requests_to(r"createUploadSession", status=200) == 2
    assert emulator.requests_to(r"^DELETE /up/") == 1  # the abandoned session is cancelled
    assert conn.download("restarted/six.bin") == data
    conn.delete("restarted")


def test_graph_errors_keep_graphs_details(conn):
    from ferry_onedrive import NotFoundError

    with pytest.raises(NotFoundError) as error:
        conn.stat("reports/missing.csv")
    e = error.value
    assert (e.status, e.graph_code, e.code) == (404, "itemNotFound", "not_found")
    assert isinstance(e, FileNotFoundError)
    assert str(e).startswith("GET reports/missing.csv failed: not found: check the path")

"""The seed's connection API against `ferry dev`: token(), list(), download(), get(), request(), and the verbs
beyond it, with the broker's token cache and refresh."""

import threading

import pytest
import requests

from ferry_onedrive import (
    ConflictError,
    FerryError,
    IntegrityError,
    IsAFolderError,
    NotAFolderError,
    NotFoundError,
    onedrive_connect,
)
from conftest import ACCOUNT_EMAIL


def test_token_is_cached_and_shared_between_threads(stack, conn):
    tokens = []
    threads = [threading.Thread(target=lambda: tokens.append(conn.token())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(tokens)) == 1
    assert conn.token() == tokens[0]
    assert conn._tokens.mints == 1
    me = requests.get(f"{conn.graph_url}/me", headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=30)
    assert me.status_code == 200
    assert conn.account()["email"] == ACCOUNT_EMAIL


def test_a_token_graph_refuses_is_replaced_through_the_broker(emulator, conn):
    first = conn.token()
    emulator.expire_tokens()
    emulator.reset_counters()
    # Graph answers 401 to the cached token; the client names it to the broker (staleExpiresAt) and retries.
    assert [i["name"] for i in conn.list("reports")] == ["q1.csv"]
    assert conn.token() != first
    assert emulator.requests_to(r"^GET ", status=401) == 1, emulator.counters()["requests"]
    assert emulator.counters()["grants"].get("refresh_token") == 1


def test_list_follows_every_page(emulator, conn):
    emulator.seed(files=[{"path": f"many/f{i:03}.txt", "content": str(i)} for i in range(450)])
    emulator.reset_counters()
    items = conn.list("many")
    assert sorted(i["name"] for i in items) == [f"f{i:03}.txt" for i in range(450)]
    assert all("id" in i and "size" in i for i in items)
    # Graph's default page is 200 items: three pages, each followed through @odata.nextLink as given.
    assert emulator.requests_to(r"children", method="GET") == 3
    assert len(conn.list("many", select="name", top=1000)) == 450


def test_download_is_verified_and_get_takes_relative_and_absolute_urls(stack, conn):
    data = conn.download("reports/q1.csv")
    assert data.startswith(b"month,region,revenue,orders\n")
    item = conn.get("me/drive/root:/reports/q1.csv")
    assert item["size"] == len(data)
    assert conn.get(f"{conn.graph_url}/me/drive/root:/reports/q1.csv")["id"] == item["id"]
    selected = conn.get("me/drive/root:/reports:/children", params={"$select": "name"})["value"]
    assert [i["name"] for i in selected] == ["q1.csv"] and "size" not in selected[0]
    with pytest.raises(NotFoundError) as missing:
        conn.get("me/drive/root:/nope.csv")
    assert missing.value.status == 404 and missing.value.code == "not_found"
    assert "GET me/drive/root:/nope.csv failed: not found" in str(missing.value)
    with pytest.raises(IsAFolderError):
        conn.download("reports")


def test_the_token_never_goes_to_another_origin(conn):
    with pytest.raises(FerryError) as refused:
        conn.get("http://127.0.0.1:9/v1.0/me")
    assert refused.value.code == "foreign_url"
    with pytest.raises(FerryError):
        conn.request("GET", "https://example.invalid/steal")


def test_request_returns_the_response_whatever_its_status(conn):
    missing = conn.request("GET", "me/drive/root:/no/such/file.csv")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "itemNotFound"
    # …/content answers 302 to the download URL, followed without the token.
    content = conn.request("GET", "me/drive/root:/reports/q1.csv:/content")
    assert content.status_code == 200 and content.content.startswith(b"month,")


def test_upload_mkdir_move_copy_delete(emulator, conn):
    emulator.reset_counters()
    small = conn.upload("verbs/small.bin", b"x" * 1000)
    assert small["size"] == 1000
    big = bytes(range(256)) * (5 * 4096 + 3)  # just over 5 MiB: an upload session
    item = conn.upload("verbs/big.bin", big, fragment_size=2 * 320 * 1024)
    assert item["size"] == len(big)
    assert emulator.requests_to(r"createUploadSession") == 1
    assert emulator.requests_to(r"^PUT /up/") == -(-len(big) // (2 * 320 * 1024))  # 9 fragments
    assert emulator.counters()["authOnPreauthenticatedUrl"] == 0
    assert conn.download("verbs/big.bin") == big

    conn.mkdir("verbs/a/b/c", parents=True)
    conn.mkdir("verbs/a/b/c", parents=True)  # like mkdir -p: an existing folder is fine
    with pytest.raises(ConflictError):
        conn.mkdir("verbs/a")
    with pytest.raises(NotAFolderError):
        conn.mkdir("verbs/small.bin/sub", parents=True)

    conn.move("verbs/small.bin", "verbs/a/renamed.bin")
    assert not conn.exists("verbs/small.bin") and conn.stat("verbs/a/renamed.bin")["size"] == 1000
    with pytest.raises(NotFoundError, match="does not exist; create it first"):
        conn.move("verbs/a/renamed.bin", "verbs/missing/x.bin")
    copied = conn.copy("verbs/big.bin", "verbs/a/b/copy.bin")
    assert copied["file"]["hashes"]["quickXorHash"] == item["file"]["hashes"]["quickXorHash"]

    conn.delete("verbs")
    assert not conn.exists("verbs")
    with pytest.raises(FerryError, match="refusing to delete the drive root"):
        conn.delete("/")


def test_a_corrupted_download_is_refused(stack, conn, monkeypatch):
    link = conn.open_link("reports/q1.csv")
    monkeypatch.setitem(link.item["file"]["hashes"], "quickXorHash", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    with pytest.raises(IntegrityError) as refused:
        link.read_all()
    assert refused.value.code == "hash_mismatch"
    assert "QuickXorHash mismatch" in str(refused.value)


def test_explicit_arguments_reach_the_same_broker(stack):
    conn = onedrive_connect(stack.broker_url, stack.api_key, graph_url=stack.graph_url)
    assert conn.credentials.source == "arguments"
    assert "q1.csv" in [i["name"] for i in conn.list("reports")]

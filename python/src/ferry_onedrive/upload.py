"""Writing file bytes. Empty files and files up to 4 MiB go in one PUT; larger ones through a resumable upload
session, in fragments that are multiples of 320 KiB, sent one after another (Graph requires order) to the
session's pre-authenticated URL without an Authorization header. After a failure the session says where to carry
on (``nextExpectedRanges``); a session that ends midway is started over. Every upload is checked against the
QuickXorHash OneDrive reports for the stored file.

Every fragment states the file's total size, so the source must know its size: bytes, a local file, or the
spooled buffer of a file written through fsspec.
"""

from __future__ import annotations

import io
from typing import BinaryIO, Optional

from .errors import FerryError, IntegrityError, NotFoundError, UploadSessionGoneError
from .paths import item_action, item_path
from .quickxorhash import QuickXorHash
from .transport import Transport

#: Graph: every fragment but the last is a multiple of 320 KiB, and under 60 MiB.
FRAGMENT_UNIT = 320 * 1024
MAX_FRAGMENT = 60 * 1024 * 1024 // FRAGMENT_UNIT * FRAGMENT_UNIT
#: Microsoft's guidance: simple PUT up to 4 MiB, upload sessions above.
SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024
DEFAULT_FRAGMENT = 32 * FRAGMENT_UNIT  # 10 MiB
#: Sessions one upload may go through when sessions keep ending under it.
MAX_SESSIONS = 3


def upload(
    transport: Transport,
    path: str,
    source: BinaryIO,
    size: int,
    *,
    conflict: str = "replace",
    fragment_size: int = DEFAULT_FRAGMENT,
) -> dict:
    """Uploads ``size`` bytes read from the seekable ``source`` (from its position 0) to ``path``; returns the item."""
    item_path(path)  # refuse a bad path before reading anything
    if size <= SIMPLE_UPLOAD_LIMIT:
        source.seek(0)
        data = source.read(size)
        if len(data) != size:
            raise FerryError(f"{path}: the source ended at byte {len(data)} of {size}")
        return simple_upload(transport, path, data, conflict=conflict)
    for attempt in range(1, MAX_SESSIONS + 1):
        try:
            return _session_upload(transport, path, source, size, conflict, fragment_size)
        except UploadSessionGoneError:
            # Graph drops sessions that see no bytes for a while; nothing of it was committed, and the source can
            # be read again, so a new session starts over.
            if attempt >= MAX_SESSIONS:
                raise
    raise AssertionError("unreachable")


def simple_upload(transport: Transport, path: str, data: bytes, *, conflict: str = "replace") -> dict:
    item = transport.json(
        "PUT",
        transport.url(item_action(path, "content")),
        params={"@microsoft.graph.conflictBehavior": conflict},
        headers={"Content-Type": "application/octet-stream"},
        data=bytes(data),
        label=path,
    )
    _verify(path, item, QuickXorHash(data).digest())
    return item


def _session_upload(
    transport: Transport, path: str, source: BinaryIO, total: int, conflict: str, fragment_size: int
) -> dict:
    chunk = min(MAX_FRAGMENT, max(FRAGMENT_UNIT, fragment_size // FRAGMENT_UNIT * FRAGMENT_UNIT))
    session = transport.json(
        "POST",
        transport.url(item_action(path, "createUploadSession")),
        json={"item": {"@microsoft.graph.conflictBehavior": conflict}},
        label=path,
        # Creating a session commits nothing; a duplicate simply expires.
        idempotent=True,
    )
    upload_url = (session or {}).get("uploadUrl")
    if not upload_url:
        raise FerryError(f"{path}: Graph returned no uploadUrl for the upload session")
    hasher = QuickXorHash()
    hashed = 0
    offset = 0
    stalls = 0
    finished = False
    try:
        while True:
            source.seek(offset)
            fragment = source.read(min(chunk, total - offset))
            if len(fragment) != min(chunk, total - offset):
                raise FerryError(f"{path}: the source ended at byte {offset + len(fragment)} of {total}")
            end = offset + len(fragment)
            if end > hashed:
                # Hash each byte once, in order, the first time it is sent.
                hasher.update(memoryview(fragment)[hashed - offset :])
                hashed = end
            last = end == total
            response = transport.send(
                "PUT",
                upload_url,
                label=path,
                auth=False,
                headers={
                    "Content-Range": f"bytes {offset}-{end - 1}/{total}",
                    "Content-Type": "application/octet-stream",
                },
                data=fragment,
                # 416: the service has (some of) these bytes or wants others first; 404: the session is gone, or
                # it completed and the reply to the last fragment was lost.
                accept=(404, 416),
            )
            status = response.status_code
            if status in (200, 201):
                finished = True
                item = response.json()
                _verify(path, item, hasher.digest())
                return item
            if status == 404:
                if last:
                    # The final fragment may have gone through with its reply lost (and a retry then found the
                    # session closed): the file is ours only if it now holds exactly our bytes.
                    item = _stat_or_none(transport, path)
                    if item is not None and _hash_of(item) == hasher.digest():
                        finished = True
                        return item
                raise UploadSessionGoneError(
                    f"{path}: the upload session ended before the upload finished (it expired or was cancelled); "
                    "upload the file again",
                    status=404,
                    path=path,
                )
            if status == 416:
                nxt = _next_expected(transport, upload_url, path)
            else:  # 202: the fragment is in
                nxt = _first_range(response.json().get("nextExpectedRanges")) or end
            if nxt == end:
                offset, stalls = end, 0
            elif offset <= nxt < end:
                # The service kept only part of this fragment; resend the rest.
                offset = nxt
                stalls += 1
                if stalls > 5:
                    raise FerryError(f"{path}: the upload session keeps refusing bytes from {nxt}; upload it again")
            else:
                raise FerryError(
                    f"{path}: the upload session asked for byte {nxt}, outside the fragment just sent; upload it again"
                )
    finally:
        if not finished:
            try:  # best effort: a session that could not be cancelled expires on its own
                transport.send("DELETE", upload_url, label=path, auth=False, raw=True).close()
            except Exception:
                pass


def _next_expected(transport: Transport, upload_url: str, path: str) -> int:
    response = transport.send("GET", upload_url, label=path, auth=False, accept=(404,))
    if response.status_code == 404:
        raise UploadSessionGoneError(
            f"{path}: the upload session ended before the upload finished (it expired or was cancelled); "
            "upload the file again",
            status=404,
            path=path,
        )
    nxt = _first_range(response.json().get("nextExpectedRanges"))
    if nxt is None:
        raise FerryError(f"{path}: the upload session reports nothing left to send but did not finish")
    return nxt


def _first_range(ranges) -> Optional[int]:
    if not ranges:
        return None
    try:
        return int(str(ranges[0]).split("-")[0])
    except ValueError:
        return None


def _stat_or_none(transport: Transport, path: str) -> Optional[dict]:
    try:
        return transport.json("GET", transport.url(item_path(path)), label=path)
    except NotFoundError:
        return None


def _hash_of(item: dict) -> Optional[str]:
    return (((item or {}).get("file") or {}).get("hashes") or {}).get("quickXorHash")


def _verify(path: str, item: dict, actual: str) -> None:
    expected = _hash_of(item)
    # A service that reports no hash cannot be checked; every Microsoft drive type reports this one.
    if expected and expected != actual:
        raise IntegrityError(path, expected, actual)


def as_source(data) -> "tuple[BinaryIO, int]":
    """Bytes-like data as a seekable source and its size."""
    view = memoryview(data).cast("B")
    return io.BytesIO(view), len(view)

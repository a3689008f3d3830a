"""Reading file bytes. They come from the item's pre-authenticated ``@microsoft.graph.downloadUrl``, called without
an Authorization header, with a Range header for exactly the bytes asked. A connection that breaks mid-body is
reopened from the next byte needed; a URL that stopped working (they live minutes to an hour) is replaced by
fetching the item again, and if the file changed meanwhile the read stops instead of mixing two versions.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Optional
from urllib.parse import quote

import requests

from .errors import FerryError, IntegrityError, IsAFolderError, NotFoundError
from .paths import item_path
from .quickxorhash import QuickXorHash
from .transport import Transport

SELECT = "id,name,size,eTag,cTag,file,folder,@microsoft.graph.downloadUrl"
#: What Microsoft's file hosts answer for an expired or revoked pre-authenticated URL.
EXPIRED_LINK = frozenset([401, 403, 404, 410])
_READ = 1024 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-")


class DownloadLink:
    """A file's download URL, renewed on demand; ``fetch(start, end)`` reads ``[start, end)`` of the file."""

    def __init__(self, transport: Transport, item: dict, path: str) -> None:
        self.transport = transport
        self.item = item
        self.path = path
        self._url = item["@microsoft.graph.downloadUrl"]
        self._lock = threading.Lock()
        #: Times the URL had to be renewed (tests and diagnostics).
        self.renewals = 0

    @classmethod
    def open(cls, transport: Transport, path: str) -> "DownloadLink":
        item = transport.json("GET", transport.url(item_path(path)), params={"$select": SELECT}, label=path or "/")
        if "folder" in item or "file" not in item:
            raise IsAFolderError(f"{path or '/'} is a folder: only files can be read")
        if not item.get("@microsoft.graph.downloadUrl"):
            raise FerryError(f"{path}: Graph returned no download URL for this file")
        return cls(transport, item, path)

    @property
    def size(self) -> int:
        return int(self.item.get("size") or 0)

    @property
    def quickxorhash(self) -> Optional[str]:
        return ((self.item.get("file") or {}).get("hashes") or {}).get("quickXorHash")

    def fetch(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` (``end`` clamped to the size), in one ranged request when nothing fails."""
        stop = min(end, self.size)
        if stop <= start:
            return b""
        out = bytearray()
        for chunk in self.iter_range(start, stop):
            out += chunk
        return bytes(out)

    def read_all(self) -> bytes:
        """The whole file, checked against the QuickXorHash OneDrive reports for it."""
        hasher = QuickXorHash()
        out = bytearray()
        for chunk in self.iter_range(0, self.size):
            hasher.update(chunk)
            out += chunk
        expected = self.quickxorhash
        if expected:
            actual = hasher.digest()
            if actual != expected:
                raise IntegrityError(self.path, expected, actual)
        return bytes(out)

    def iter_range(self, start: int, end: int):
        """Yields the bytes of ``[start, end)`` as they arrive, resuming and renewing as needed."""
        offset = start
        attempt = 0
        renewals = 0
        transport = self.transport
        while offset < end:
            attempt += 1
            url = self._url
            response = transport.send(
                "GET",
                url,
                label=self.path,
                auth=False,
                headers={"Range": f"bytes={offset}-{end - 1}"},
                stream=True,
                accept=EXPIRED_LINK,
            )
            try:
                if response.status_code in EXPIRED_LINK:
                    renewals += 1
                    if renewals > 3:
                        raise FerryError(
                            f"{self.path}: the download URL keeps being refused (HTTP {response.status_code}); "
                            "try again later"
                        )
                    self.renew(url)
                    continue
                # Microsoft's hosts may ignore Range and send the whole file; then skip what precedes the range.
                skip = 0 if response.status_code == 206 else offset
                if response.status_code == 206:
                    got = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
                    if not got or int(got.group(1)) != offset:
                        raise FerryError(
                            f"{self.path}: the server answered a different range than asked "
                            f"({response.headers.get('content-range')})"
                        )
                try:
                    for chunk in response.iter_content(_READ):
                        if skip:
                            drop = min(skip, len(chunk))
                            skip -= drop
                            chunk = chunk[drop:]
                        if len(chunk) > end - offset:
                            chunk = chunk[: end - offset]
                        if chunk:
                            offset += len(chunk)
                            yield chunk
                        if offset >= end:
                            break
                except requests.RequestException as error:
                    cut: Optional[BaseException] = error
                else:
                    cut = None
                if offset < end:
                    # A body cut off mid-read (an error, or a clean close before Content-Length: urllib3 1.x does
                    # not check it): carry on from the next byte needed.
                    if attempt >= transport.max_attempts:
                        raise FerryError(
                            f"downloading {self.path} failed: the connection closed early at byte {offset} of {end}; "
                            "check the network and try again",
                            code="network_error",
                        ) from cut
                    transport.retries += 1
                    time.sleep(min(transport.max_delay, transport.base_delay * 2 ** (attempt - 1)))
                    continue
            finally:
                response.close()

    def renew(self, stale: str) -> str:
        """A fresh URL after ``stale`` stopped working; threads that find it expired share one renewal."""
        with self._lock:
            if stale != self._url:
                return self._url
            item_id = self.item.get("id", "")
            try:
                fresh = self.transport.json(
                    "GET",
                    self.transport.url(f"me/drive/items/{quote(item_id, safe='')}"),
                    params={"$select": SELECT},
                    label=self.path,
                )
            except NotFoundError:
                raise FerryError(f"{self.path} was deleted on OneDrive while it was being read") from None
            if fresh.get("eTag") != self.item.get("eTag") and fresh.get("cTag") != self.item.get("cTag"):
                raise FerryError(f"{self.path} changed on OneDrive while it was being read; read it again")
            url = fresh.get("@microsoft.graph.downloadUrl")
            if not url:
                raise FerryError(f"{self.path}: Graph returned no download URL for this file")
            self.renewals += 1
            self._url = url
            return url

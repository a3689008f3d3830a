"""``onedrive_connect()``: the connection a job uses, with the core API (``token``, ``list``, ``download``,
``get``, ``request``) and a few verbs beyond it that the fsspec filesystem is built on."""

from __future__ import annotations

import io
import os
import threading
import time
from typing import Any, BinaryIO, Optional, Union
from urllib.parse import quote

import requests

from . import __version__
from .credentials import DEFAULT_GRAPH_URL, BrokerCredentials, find_credentials
from .download import DownloadLink
from .errors import ConflictError, FerryError, NotAFolderError, NotFoundError
from .paths import item_action, item_path, normalize_path
from .tokens import BrokerTokenSource
from .transport import Transport
from .upload import DEFAULT_FRAGMENT, as_source, upload


class OneDriveConnection:
    """OneDrive through a Ferry broker. Paths are relative to the signed-in user's drive root; ``onedrive://`` is
    accepted in front of them. Thread-safe: share one connection between threads."""

    def __init__(self, credentials: BrokerCredentials, session: Optional[requests.Session] = None) -> None:
        self.credentials = credentials
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"ferry-onedrive/{__version__}")
        self._tokens = BrokerTokenSource(credentials, self.session)
        #: Microsoft Graph's v1.0 base URL this connection talks to.
        self.graph_url = (credentials.graph_url or DEFAULT_GRAPH_URL).rstrip("/")
        self.transport = Transport(self.graph_url, self._tokens, self.session)
        self._fs = None
        self._fs_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<OneDriveConnection broker={self.credentials.url} ({self.credentials.source}) graph={self.graph_url}>"

    # ---- the core API -------------------------------------------------------------------------------------

    def token(self) -> str:
        """A current Microsoft Graph access token (cached; refreshed through the broker shortly before expiry)."""
        return self._tokens()

    def list(self, folder: str = "", *, select: Optional[str] = None, top: Optional[int] = None) -> list:
        """Every child of ``folder`` (``""`` is the drive root) as raw driveItem dicts, following every page.

        ``select`` names the driveItem properties to return (``"name,size"``); ``top`` the page size (up to 1000).
        """
        path = _drive_path(folder)
        url: Optional[str] = self.transport.url(item_action(path, "children"))
        query: Optional[dict] = {k: v for k, v in (("$select", select), ("$top", top)) if v is not None} or None
        items: list = []
        while url:
            page = self.transport.json("GET", url, params=query, label=path or "/")
            items.extend(page.get("value", []))
            # The next page is an absolute URL carrying $skiptoken and the original query: follow it as given.
            url, query = page.get("@odata.nextLink"), None
        return items

    def download(self, path: str) -> bytes:
        """The whole file's bytes, checked against the QuickXorHash OneDrive reports."""
        return DownloadLink.open(self.transport, _drive_path(path)).read_all()

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET a Graph URL, absolute or relative to the v1.0 base (``me/drive/root:/a.csv``), as parsed JSON.

        Keyword arguments go to ``requests`` (``params``, ``headers``, ``timeout``). Raises a GraphError on failure.
        """
        return self.transport.json("GET", self.transport.url(path), label=path, follow=True, **kwargs)

    def request(self, method: str, path: str, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
        """Any Graph request; returns the ``requests.Response`` whatever its status (after throttling retries and
        one token refresh). ``path`` is absolute or relative to the v1.0 base; other keyword arguments go to
        ``requests`` (``params``, ``headers``, ``timeout``)."""
        return self.transport.send(
            method, self.transport.url(path), label=path, data=data, json=json, raw=True, follow=True, **kwargs
        )

    # ---- beyond the core -------------------------------------------------------------------------------------

    def account(self) -> dict:
        """The connected Microsoft account (``email``, ``name``), as the broker last reported it."""
        self.token()
        last = self._tokens.last()
        return dict(last.account) if last else {}

    def stat(self, path: str, select: Optional[str] = None) -> dict:
        """The driveItem at ``path``; raises NotFoundError (a FileNotFoundError) when there is none."""
        p = _drive_path(path)
        return self.transport.json(
            "GET", self.transport.url(item_path(p)), params={"$select": select} if select else None, label=p or "/"
        )

    def exists(self, path: str) -> bool:
        try:
            self.stat(path, select="id")
            return True
        except NotFoundError:
            return False

    def open_link(self, path: str) -> DownloadLink:
        """The file's download link, for random access: ``link.fetch(start, end)``."""
        return DownloadLink.open(self.transport, _drive_path(path))

    def upload(
        self,
        path: str,
        data: Union[bytes, bytearray, memoryview, str, os.PathLike, BinaryIO],
        *,
        size: Optional[int] = None,
        conflict: str = "replace",
        fragment_size: int = DEFAULT_FRAGMENT,
    ) -> dict:
        """Uploads bytes, a local file (a path) or a seekable binary file to ``path`` and returns the driveItem.

        Up to 4 MiB in one PUT, larger through an upload session; verified by QuickXorHash. Missing folders are
        created by OneDrive. ``conflict`` is ``replace`` (default), ``fail`` (ConflictError) or ``rename``.
        """
        p = _drive_path(path)
        if isinstance(data, (str, os.PathLike)):
            with open(data, "rb") as f:
                return upload(
                    self.transport, p, f, os.fstat(f.fileno()).st_size, conflict=conflict, fragment_size=fragment_size
                )
        if isinstance(data, (bytes, bytearray, memoryview)):
            source, n = as_source(data)
            return upload(self.transport, p, source, n, conflict=conflict, fragment_size=fragment_size)
        if size is None:
            here = data.tell()
            size = data.seek(0, io.SEEK_END) - here
            data.seek(here)
        return upload(
            self.transport, p, _Offset(data, data.tell()), size, conflict=conflict, fragment_size=fragment_size
        )

    def mkdir(self, path: str, *, parents: bool = False, conflict: str = "fail") -> dict:
        """Creates a folder. ``parents`` creates missing ancestors and accepts an existing folder, like ``mkdir -p``."""
        names = normalize_path(_strip(path))
        if not names:
            return self.stat("")
        if not parents:
            return self._create_folder(names, conflict)
        made: dict = {}
        for i in range(1, len(names) + 1):
            try:
                made = self._create_folder(names[:i], "fail")
            except ConflictError:
                made = self.stat("/".join(names[:i]))
                if "folder" not in made:
                    raise NotAFolderError(
                        f"cannot create folder {'/'.join(names)}: {'/'.join(names[:i])} is a file"
                    ) from None
        return made

    def delete(self, path: str) -> None:
        """Deletes a file or a folder with everything in it (OneDrive moves it to the recycle bin)."""
        p = _drive_path(path)
        if not normalize_path(p):
            raise FerryError("refusing to delete the drive root")
        self.transport.json("DELETE", self.transport.url(item_path(p)), label=p)

    def move(self, source: str, target: str, *, conflict: str = "fail") -> dict:
        """Moves and/or renames ``source`` to the full path ``target``; the destination's folder must exist."""
        src = _drive_path(source)
        normalize_path(_strip(target))  # refuse a bad target before any request
        item = self.stat(src, select="id")
        parent, name = self._destination(target)
        return self.transport.json(
            "PATCH",
            self.transport.url(f"me/drive/items/{quote(item['id'], safe='')}"),
            json={"parentReference": {"id": parent["id"]}, "name": name, "@microsoft.graph.conflictBehavior": conflict},
            label=src,
        )

    def copy(self, source: str, target: str) -> dict:
        """Copies ``source`` to the full path ``target`` on the service side, and waits until it is done."""
        src = _drive_path(source)
        normalize_path(_strip(target))  # refuse a bad target before any request
        item = self.stat(src, select="id")
        parent, name = self._destination(target)
        reference = {"id": parent["id"]}
        if (parent.get("parentReference") or {}).get("driveId"):
            reference["driveId"] = parent["parentReference"]["driveId"]
        # Graph answers 202 with a monitor URL in Location; the copy completes behind it. A repeated request would
        # make a second copy, so it is not retried unless it surely never reached the service.
        response = self.transport.send(
            "POST",
            self.transport.url(f"me/drive/items/{quote(item['id'], safe='')}/copy"),
            json={"parentReference": reference, "name": name},
            label=src,
            idempotent=False,
        )
        monitor = response.headers.get("location")
        response.close()
        if not monitor:
            raise FerryError(f"copying {src}: Graph accepted the copy but gave no monitor URL")
        wait = 0.05
        while True:
            # The monitor URL is pre-authenticated, like download URLs; it answers 202 with the job's status.
            status = self.transport.send("GET", monitor, auth=False, label=src).json()
            if status.get("status") == "completed" and status.get("resourceId"):
                return self.transport.json(
                    "GET", self.transport.url(f"me/drive/items/{quote(status['resourceId'], safe='')}"), label=name
                )
            if status.get("status") == "failed":
                error = status.get("error") or {}
                why = error.get("message") or error.get("code") or "no reason given"
                raise FerryError(f"copying {src} to {target} failed on OneDrive: {why}", code="copy_failed")
            time.sleep(wait)
            wait = min(2.0, wait * 2)

    def _destination(self, target: str) -> "tuple[dict, str]":
        names = normalize_path(_strip(target))
        if not names:
            raise FerryError("the destination must name an item, not the drive root")
        parent_path = "/".join(names[:-1])
        try:
            parent = self.stat(parent_path, select="id,folder,parentReference")
        except NotFoundError:
            raise NotFoundError(
                f"destination folder {parent_path or '/'} does not exist; create it first (mkdir with parents)",
                status=404,
                path=parent_path,
            ) from None
        if "folder" not in parent:
            raise NotAFolderError(f"destination {parent_path} is not a folder")
        return parent, names[-1]

    @property
    def fs(self):
        """The ``onedrive://`` fsspec filesystem over this connection."""
        with self._fs_lock:
            if self._fs is None:
                from .filesystem import OneDriveFileSystem

                self._fs = OneDriveFileSystem(connection=self, skip_instance_cache=True)
            return self._fs

    def _create_folder(self, names: list, conflict: str) -> dict:
        parent = "/".join(names[:-1])
        return self.transport.json(
            "POST",
            self.transport.url(item_action(parent, "children")),
            json={"name": names[-1], "folder": {}, "@microsoft.graph.conflictBehavior": conflict},
            label="/".join(names),
            # Repeating a create is harmless unless Graph picks a new name: with `fail` a retry whose first attempt
            # landed meets 409; `rename` would make a second folder.
            idempotent=conflict != "rename",
        )


class _Offset(io.RawIOBase):
    """A view of a seekable file from ``base`` on, so an upload's offsets start at 0."""

    def __init__(self, inner: BinaryIO, base: int) -> None:
        self._inner, self._base = inner, base

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(self._base + offset, whence) - self._base

    def read(self, size: int = -1) -> bytes:
        return self._inner.read(size)


def _strip(path: str) -> str:
    return path[len("onedrive://") :] if path[:11].lower() == "onedrive://" else path


def _drive_path(path: str) -> str:
    """``onedrive://a/b``, ``/a/b`` and ``a/b`` as the normalised drive path ``a/b`` (refusing bad paths)."""
    return "/".join(normalize_path(_strip(path)))


_current: Optional[OneDriveConnection] = None
_current_lock = threading.Lock()


def onedrive_connect(
    url: Optional[str] = None,
    api_key: Optional[str] = None,
    *,
    graph_url: Optional[str] = None,
    session: Optional[requests.Session] = None,
) -> OneDriveConnection:
    """Connects to OneDrive through the Ferry broker found in the arguments, FERRY_URL + FERRY_API_KEY, or the
    credentials file in FERRY_HOME. Makes no request yet. The connection becomes the one bare ``onedrive://``
    paths use (``pd.read_csv("onedrive://…")``)."""
    global _current
    connection = OneDriveConnection(find_credentials(url, api_key, graph_url), session)
    with _current_lock:
        _current = connection
    return connection


def current_connection() -> OneDriveConnection:
    """The connection ``onedrive://`` paths use: the last ``onedrive_connect()``, or one made from the environment."""
    global _current
    with _current_lock:
        if _current is None:
            _current = OneDriveConnection(find_credentials())
        return _current

"""``onedrive://`` as an fsspec filesystem, so pandas and any fsspec-aware library read and write OneDrive.

Registered for the ``onedrive`` protocol through the ``fsspec.specs`` entry point: ``pd.read_csv("onedrive://…")``
works with the package installed and nothing imported. Paths are drive paths below the signed-in user's root
(``onedrive://data/q1.csv`` and ``data/q1.csv`` are the same file) and go through the one path rule (paths.py),
so a hostile path is refused before any request.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
from datetime import datetime, timezone
from glob import has_magic
from typing import Any, Optional

from fsspec.callbacks import _DEFAULT_CALLBACK
from fsspec.spec import AbstractBufferedFile, AbstractFileSystem
from fsspec.utils import stringify_path

from .caching import SequentialReadahead
from .connection import OneDriveConnection, current_connection
from .credentials import find_credentials
from .errors import ConflictError, FerryError, IntegrityError, IsAFolderError, NotAFolderError, NotFoundError
from .isotime import timestamp
from .paths import item_action, item_path, normalize_path
from .quickxorhash import QuickXorHash
from .upload import SIMPLE_UPLOAD_LIMIT

PROTOCOL = "onedrive"
#: The driveItem properties ``info`` needs; asking for only these keeps listings small.
INFO_SELECT = "id,name,size,file,folder,eTag,createdDateTime,lastModifiedDateTime,fileSystemInfo"


class OneDriveFileSystem(AbstractFileSystem):
    """fsspec filesystem over a :class:`OneDriveConnection`.

    ``OneDriveFileSystem()`` (what ``onedrive://`` URLs get) uses the current connection: the last
    ``onedrive_connect()``, or one found from FERRY_URL + FERRY_API_KEY or the CLI's credentials file. Pass
    ``url`` and ``api_key`` (``storage_options`` in pandas) to use another broker.
    """

    protocol = PROTOCOL
    root_marker = ""

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        graph_url: Optional[str] = None,
        connection: Optional[OneDriveConnection] = None,
        **storage_options: Any,
    ) -> None:
        super().__init__(**storage_options)
        self._connection = connection
        self._lock = threading.Lock()
        if connection is None and (url or api_key or graph_url):
            self._connection = OneDriveConnection(find_credentials(url, api_key, graph_url))

    @property
    def connection(self) -> OneDriveConnection:
        return self._connection if self._connection is not None else current_connection()

    # ---- paths --------------------------------------------------------------------------------------------

    @classmethod
    def _strip_protocol(cls, path):
        """``onedrive://a/b.csv``, ``/a/b.csv`` and ``a/b.csv`` become ``a/b.csv``; ``""`` is the drive root.

        A hostile path is refused here, with the path rule's own message. Glob patterns (``*``, ``?``, ``[``) are
        only tidied: fsspec's glob expands them, and every path it then requests is checked in full.
        """
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        path = stringify_path(path)
        if path[:11].lower() == "onedrive://":
            path = path[11:]
        elif path[:10].lower() == "onedrive::":
            path = path[10:]
        if has_magic(path):
            return "/".join(s for s in path.split("/") if s not in ("", "."))
        return "/".join(normalize_path(path))

    def unstrip_protocol(self, name: str) -> str:
        return f"{PROTOCOL}://{self._strip_protocol(name)}"

    # ---- reading and inspecting -------------------------------------------------------------------------------

    def ls(self, path, detail=True, **kwargs):
        p = self._strip_protocol(path)
        items = self.connection.list(p, select=INFO_SELECT, top=1000)
        if items:
            entries = [_info(item, _join(p, item["name"])) for item in items]
        else:
            # Graph answers an empty list for a file's children as for an empty folder; only then is the item
            # itself fetched, to tell the two apart (fsspec lists a file as itself) or raise FileNotFoundError.
            me = self.info(p)
            entries = [me] if me["type"] == "file" else []
        return entries if detail else [e["name"] for e in entries]

    def info(self, path, **kwargs):
        p = self._strip_protocol(path)
        return _info(self.connection.stat(p, select=INFO_SELECT), p)

    def modified(self, path) -> datetime:
        return _time(self.info(path).get("mtime"))

    def created(self, path) -> datetime:
        return _time(self.info(path).get("created"))

    def cat_file(self, path, start=None, end=None, **kwargs) -> bytes:
        """The file's bytes, or ``[start, end)`` of them (negative offsets count from the end).

        One metadata request, then one ranged request to the download URL for exactly those bytes. A whole file
        is checked against its QuickXorHash.
        """
        link = self.connection.open_link(self._strip_protocol(path))
        if start is None and end is None:
            return link.read_all()
        size = link.size
        return link.fetch(_offset(start, size, 0), _offset(end, size, size))

    def cat_ranges(self, paths, starts, ends, max_gap=None, on_error="return", **kwargs):
        """Several ranges, one metadata request per distinct file; failures are returned in place (on_error)."""
        if not isinstance(paths, list):
            raise TypeError("paths must be a list")
        starts = starts if isinstance(starts, list) else [starts] * len(paths)
        ends = ends if isinstance(ends, list) else [ends] * len(paths)
        if not len(starts) == len(ends) == len(paths):
            raise ValueError("paths, starts and ends must have the same length")
        links: dict = {}
        out: list = []
        for path, start, end in zip(paths, starts, ends):
            try:
                p = self._strip_protocol(path)
                if p not in links:
                    links[p] = self.connection.open_link(p)
                link = links[p]
                out.append(link.fetch(_offset(start, link.size, 0), _offset(end, link.size, link.size)))
            except Exception as error:
                if on_error != "return":
                    raise
                out.append(error)
        return out

    def _open(self, path, mode="rb", block_size=None, autocommit=True, cache_options=None, **kwargs):
        return OneDriveFile(self, path, mode, block_size, autocommit, cache_options=cache_options, **kwargs)

    def get_file(self, rpath, lpath, callback=_DEFAULT_CALLBACK, outfile=None, **kwargs):
        """Downloads one file, verified; bytes land in ``<lpath>.ferry-partial`` until the hash matches."""
        p = self._strip_protocol(rpath)
        if outfile is None and self.isdir(p):
            os.makedirs(lpath, exist_ok=True)
            return
        link = self.connection.open_link(p)
        callback.set_size(link.size)
        hasher = QuickXorHash()
        partial = None if outfile is not None else f"{lpath}.ferry-partial"
        target = outfile if outfile is not None else open(partial, "wb")
        try:
            for chunk in link.iter_range(0, link.size):
                hasher.update(chunk)
                target.write(chunk)
                callback.relative_update(len(chunk))
            expected = link.quickxorhash
            if expected and hasher.digest() != expected:
                raise IntegrityError(p, expected, hasher.digest())
        except BaseException:
            if partial is not None:
                target.close()
                os.remove(partial)
            raise
        if partial is not None:
            target.close()
            os.replace(partial, lpath)

    # ---- writing and managing ---------------------------------------------------------------------------------

    def pipe_file(self, path, value, **kwargs):
        """Writes bytes: one PUT up to 4 MiB, an upload session above; missing folders are created by OneDrive."""
        self.connection.upload(self._strip_protocol(path), value)

    def put_file(self, lpath, rpath, callback=_DEFAULT_CALLBACK, **kwargs):
        """Uploads one local file straight from disk (a folder becomes a folder)."""
        p = self._strip_protocol(rpath)
        if os.path.isdir(lpath):
            self.makedirs(p, exist_ok=True)
            return
        size = os.path.getsize(lpath)
        callback.set_size(size)
        self.connection.upload(p, lpath)
        callback.relative_update(size)

    def mkdir(self, path, create_parents=True, **kwargs):
        p = self._strip_protocol(path)
        parent = self._parent(p)
        if parent and create_parents:
            self.connection.mkdir(parent, parents=True)
        try:
            self.connection.mkdir(p, conflict="fail")
        except ConflictError as error:
            raise ConflictError(f"{p} already exists", status=error.status, path=p) from None
        except NotFoundError as error:
            raise NotFoundError(
                f"cannot create {p}: its parent folder {parent} does not exist", status=error.status, path=p
            ) from None

    def makedirs(self, path, exist_ok=False):
        p = self._strip_protocol(path)
        if not exist_ok and self.exists(p):
            raise ConflictError(f"{p} already exists", path=p)
        self.connection.mkdir(p, parents=True)

    def rmdir(self, path):
        """Deletes an empty folder."""
        p = self._strip_protocol(path)
        if self.info(p)["type"] != "directory":
            raise NotAFolderError(f"{p} is a file, not a folder")
        if self._has_children(p):
            raise IsAFolderError(f"{p} is not empty: use rm(path, recursive=True) to delete it with its contents")
        self.connection.delete(p)

    def rm(self, path, recursive=False, maxdepth=None):
        """Deletes files, and folders with ``recursive=True``: one request per path, as OneDrive deletes a folder
        with everything in it (into the recycle bin). Glob patterns are expanded first."""
        targets = []
        for p in path if isinstance(path, list) else [path]:
            p = self._strip_protocol(p)
            if has_magic(p):
                targets.extend(self.glob(p))
            else:
                targets.append(p)
        for p in targets:
            self._rm_one(p, recursive)

    def rm_file(self, path):
        """Deletes exactly ``path`` (no glob): a file, or an empty folder."""
        self._rm_one(self._strip_protocol(path), False)

    _rm = rm_file

    def _rm_one(self, path: str, recursive: bool) -> None:
        if not recursive and self.info(path)["type"] == "directory" and self._has_children(path):
            raise IsAFolderError(f"{path} is a folder with contents: pass recursive=True to delete it")
        self.connection.delete(path)

    def mv(self, path1, path2, recursive=False, maxdepth=None, **kwargs):
        """Moves or renames on the service side (folders whole, whatever ``recursive``); moving onto an existing
        folder puts the item inside it, and missing folders above the target are created. An existing file at
        the target is replaced, as fsspec's other filesystems do."""
        source = self._strip_protocol(path1)
        target = self._into_folder(self._strip_protocol(path2), source)
        self.connection.move(source, target, conflict="replace")

    def cp_file(self, path1, path2, **kwargs):
        """Copies on the service side: no bytes pass through this machine."""
        source = self._strip_protocol(path1)
        target = self._into_folder(self._strip_protocol(path2), source)
        self.connection.copy(source, target)

    def touch(self, path, truncate=True, **kwargs):
        p = self._strip_protocol(path)
        if truncate or not self.exists(p):
            self.pipe_file(p, b"")
        else:
            # Only the modification time changes.
            now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            t = self.connection.transport
            t.json("PATCH", t.url(item_path(p)), json={"fileSystemInfo": {"lastModifiedDateTime": now}}, label=p)

    # ---- helpers --------------------------------------------------------------------------------------------

    def _has_children(self, path: str) -> bool:
        t = self.connection.transport
        page = t.json("GET", t.url(item_action(path, "children")), params={"$select": "id", "$top": 1}, label=path)
        return bool(page.get("value"))

    def _into_folder(self, target: str, source: str) -> str:
        """``target``, or ``target/<name of source>`` when ``target`` is an existing folder."""
        try:
            if self.info(target)["type"] == "directory":
                return _join(target, source.rsplit("/", 1)[-1])
        except FileNotFoundError:
            parent = self._parent(target)
            if parent:
                self.connection.mkdir(parent, parents=True)
        return target


class OneDriveFile(AbstractBufferedFile):
    """A file opened with ``fs.open``.

    Reading (``rb``): one metadata request, then range requests to the download URL; reads that go forward read
    ahead by the block size, reads that jump (Parquet's footer, then its column chunks) fetch exactly what is
    asked. Writing (``wb``): OneDrive has no append and every upload-session fragment states the total size, so
    the bytes are spooled (in memory up to 4 MiB, then to a temporary file) and uploaded when the file is closed:
    small files in one PUT, larger ones through an upload session. A ``with`` block that raises uploads nothing.
    """

    DEFAULT_BLOCK_SIZE = 5 * 2**20

    def __init__(
        self,
        fs: OneDriveFileSystem,
        path: str,
        mode: str = "rb",
        block_size: Any = "default",
        autocommit: bool = True,
        cache_type: Optional[str] = None,
        cache_options: Optional[dict] = None,
        **kwargs: Any,
    ) -> None:
        if mode not in ("rb", "wb"):
            raise NotImplementedError(f"onedrive:// files open as 'rb' or 'wb', not {mode!r} (OneDrive has no append)")
        self._spool: Optional[Any] = None
        if mode == "rb":
            self.link = fs.connection.open_link(path)
            super().__init__(
                fs,
                path,
                mode,
                block_size,
                autocommit,
                cache_type=cache_type or "none",
                cache_options=cache_options,
                size=self.link.size,
                **kwargs,
            )
            self.details = _info(self.link.item, path)
            if cache_type is None:
                self.cache = SequentialReadahead(self.blocksize, self._fetch_range, self.size)
        else:
            normalize_path(path)  # refuse a bad path now, not when the file is closed
            super().__init__(fs, path, mode, block_size, autocommit, cache_options=cache_options, **kwargs)

    def _fetch_range(self, start: int, end: int) -> bytes:
        return self.link.fetch(start, end)

    def _initiate_upload(self) -> None:
        self._spool = tempfile.SpooledTemporaryFile(max_size=SIMPLE_UPLOAD_LIMIT, prefix="ferry-onedrive-")

    def _upload_chunk(self, final: bool = False) -> bool:
        self.buffer.seek(0)
        shutil.copyfileobj(self.buffer, self._spool)
        if final and self.autocommit:
            self.commit()
        return True

    def commit(self) -> None:
        """Uploads what was written (called on close, or by a transaction)."""
        spool = self._spool
        if spool is None:
            return
        try:
            size = spool.seek(0, io.SEEK_END)
            spool.seek(0)
            self.fs.connection.upload(self.path, spool, size=size)
        finally:
            spool.close()
            self._spool = None

    def discard(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self.mode == "wb" and not self.closed:
            # A failed `with` block must not leave half a file on OneDrive.
            self.discard()
            self.closed = True
            return
        self.close()


def _info(item: dict, name: str) -> dict:
    """A driveItem as fsspec info: ``name``, ``size``, ``type`` first, then OneDrive's own fields."""
    fsi = item.get("fileSystemInfo") or {}
    modified = fsi.get("lastModifiedDateTime") or item.get("lastModifiedDateTime")
    created = fsi.get("createdDateTime") or item.get("createdDateTime")
    is_dir = "folder" in item or "file" not in item
    info = {
        "name": name,
        "size": int(item.get("size") or 0),
        "type": "directory" if is_dir else "file",
        "mtime": timestamp(modified),
        "created": timestamp(created),
        "id": item.get("id"),
        "eTag": item.get("eTag"),
    }
    if not is_dir:
        info["quickXorHash"] = ((item.get("file") or {}).get("hashes") or {}).get("quickXorHash")
        info["mimetype"] = (item.get("file") or {}).get("mimeType")
    return info


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _offset(value: Optional[int], size: int, default: int) -> int:
    if value is None:
        return default
    return max(0, min(size, size + value if value < 0 else value))


def _time(ts: Optional[float]) -> datetime:
    if ts is None:
        raise FerryError("OneDrive reported no time for this item")
    return datetime.fromtimestamp(ts, tz=timezone.utc)

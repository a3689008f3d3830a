"""The read cache of ``onedrive://`` files: read ahead only while reading goes forward.

fsspec's ``readahead`` cache fetches a block beyond every read, which is right for a CSV parser reading from
start to end and wrong for Parquet readers, which jump to the footer and then to the column chunks they need:
each jump would pull a block nobody asked for. This cache reads ahead only when a read starts where the last one
ended (or at the start of the file); any other read fetches exactly the bytes asked for.
"""

from __future__ import annotations

from fsspec.caching import BaseCache


class SequentialReadahead(BaseCache):
    name = "onedrive-sequential"

    def __init__(self, blocksize: int, fetcher, size: int) -> None:
        super().__init__(blocksize, fetcher, size)
        self.cache = b""
        self.start = 0
        self.end = 0
        self._next = 0  # where a sequential read would start

    def _fetch(self, start, end) -> bytes:
        start = 0 if start is None else start
        end = self.size if end is None or end > self.size else end
        if start >= end:
            return b""
        if self.start <= start and end <= self.end:
            out = self.cache[start - self.start : end - self.start]
        else:
            sequential = start == self._next
            have, fetch_from = b"", start
            if self.start <= start < self.end:
                have, fetch_from = self.cache[start - self.start :], self.end
            fetch_to = min(self.size, end + self.blocksize) if sequential else end
            self.cache = have + self.fetcher(fetch_from, fetch_to)
            self.start, self.end = start, fetch_to
            out = self.cache[: end - start]
        self._next = end
        return out

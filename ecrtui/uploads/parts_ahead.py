"""The next part of a push made ready while the current one is sent: read from the layer's file,
hashed, and encoded into its request body on a worker thread.

ECR takes UploadLayerPart calls strictly one after another, so a push's time is the sum over its
parts of making the request and of sending it and waiting for ECR. `PartsAhead` takes the first
off that sum: while part N is on the wire and ECR stores it, part N+1 is read, hashed and encoded
(hashing and file reads let the sending thread run meanwhile). The parts are still sent one at a
time, in order, by the engine, which decides each next offset from ECR's answer: a part made
ready for another offset, or from another digest state, is dropped and the right one made.

Memory: at most two parts' request bodies at once (the one being sent, the next being made, each
4/3 of the part size), plus one chunk being read; never the layer whole.

The bytes sent are the bytes hashed: each part carries the sha256 state of the layer's bytes up to
its end, fed from the very chunks that were encoded, so the push's check of the sent bytes'
digest against the digest computed up front catches a file changed while it was pushed.

Also here: hashing a layer's file, whole or a range of it (`sha256_of`, `hash_range`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ecrtui.ecr.encoded_parts import EncodedPart

# Bytes read, hashed and encoded at a time: a multiple of 3, so each chunk encodes on its own.
READ_CHUNK = 3 * 256 * 1024


class FileEnded(Exception):
    """The layer's file ended before the part's last byte."""

    def __init__(self, at: int, wanted: int) -> None:
        super().__init__(f"the file ended at byte {at}, before byte {wanted}")
        self.at, self.wanted = at, wanted


@dataclass(frozen=True)
class ReadyPart:
    """A part ready to send: bytes first..end-1 of the layer, as `blob` for layerPartBlob, and the
    sha256 state of the layer's bytes 0..end-1 (the state it was made from, fed with them)."""

    first: int
    end: int
    blob: EncodedPart | bytes
    hasher: Any
    made_from: Any  # the sha256 state of bytes 0..first-1 it continued

    @property
    def size(self) -> int:
        return self.end - self.first


class PartsAhead:
    """Parts of one file for one upload, each made ready on a worker thread while the one before
    it is sent. Use as a context manager: leaving it waits for the worker to stop.

    `members(first, size)` gives the UploadLayerPart members besides the blob for a part; with
    `encoded=False` parts are plain bytes (for a client that cannot send an EncodedPart).
    """

    def __init__(
        self,
        path: Path,
        size: int,
        part_size: int,
        members: Callable[[int, int], Mapping[str, Any]],
        *,
        encoded: bool = True,
    ) -> None:
        self.path, self.size, self.part_size = path, size, part_size
        self.members, self.encoded = members, encoded
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecrtui-parts-ahead")
        self._source: BinaryIO | None = None
        self._next: Future[ReadyPart] | None = None

    def __enter__(self) -> PartsAhead:
        self._source = self.path.open("rb")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._next is not None:
            self._next.cancel()
        self._worker.shutdown(wait=True)
        self._next = None
        if self._source is not None:
            self._source.close()

    def take(self, first: int, hasher: Any) -> ReadyPart:
        """The part starting at byte `first`, continuing the sha256 state `hasher` (not changed):
        the one made ready ahead if it is that part, else made now. The part after it starts
        being made at once. FileEnded when the file is shorter than the part."""
        part = self._made_ahead()
        if part is None or part.first != first or part.made_from is not hasher:
            part = self._make(first, hasher)
        if part.end < self.size:
            self._next = self._worker.submit(self._make, part.end, part.hasher)
        return part

    def _made_ahead(self) -> ReadyPart | None:
        ahead, self._next = self._next, None
        if ahead is None:
            return None
        try:
            return ahead.result()
        except FileEnded:
            return None  # made again, if it is the part wanted, and then it fails there

    def _make(self, first: int, hasher: Any) -> ReadyPart:
        assert self._source is not None, "PartsAhead is used outside its `with` block"
        end = min(first + self.part_size, self.size)
        fed = hasher.copy()
        self._source.seek(first)
        if not self.encoded:
            data = _read(self._source, first, end)
            fed.update(data)
            return ReadyPart(first, end, data, fed, hasher)
        blob = EncodedPart(self.members(first, end - first), end - first)
        try:
            for at in range(first, end, READ_CHUNK):
                chunk = _read(self._source, at, min(at + READ_CHUNK, end))
                fed.update(chunk)
                blob.add(chunk)
        except FileEnded as ended:
            raise FileEnded(ended.at, end) from None  # the part's end, not the chunk's
        return ReadyPart(first, end, blob, fed, hasher)


def _read(source: BinaryIO, at: int, end: int) -> bytes:
    """Bytes at..end-1 of the file, read from where it stands (at); FileEnded if it is shorter."""
    data = source.read(end - at)
    while len(data) < end - at:
        more = source.read(end - at - len(data))
        if not more:
            raise FileEnded(at + len(data), end)
        data += more
    return data


def sha256_of(path: Path, length: int | None = None) -> Any:
    """A sha256 object fed with the first `length` bytes of the file (all of it by default)."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        remaining = length
        while remaining is None or remaining > 0:
            size = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
            chunk = source.read(size)
            if not chunk:
                break
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    return digest


def hash_range(path: Path, start: int, end: int, hasher: Any) -> Any:
    """The hasher, fed with bytes start..end-1 of the file; FileEnded if it is shorter."""
    with path.open("rb") as source:
        source.seek(start)
        for at in range(start, end, READ_CHUNK):
            hasher.update(_read(source, at, min(at + READ_CHUNK, end)))
    return hasher

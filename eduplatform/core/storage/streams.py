"""File-like access to stored objects through Range reads, and small stream adapters.

Probes (Pillow, PyAV, pypdf, zipfile) need ``seek``/``read`` on the uploaded file. Rather than
keeping a local copy, :class:`RangeReader` reads the stored object through the storage backend's
Range reads (``Storage.open(key, start, end)``), with a read-ahead block so that a header parser's
many small reads cost a few requests.
"""

from __future__ import annotations

import io
import shutil
import tempfile

from eduplatform.core.storage.base import Storage

READ_AHEAD = 256 * 1024


class RangeReader(io.RawIOBase):
    """A read-only, seekable file over one stored object."""

    def __init__(self, storage: Storage, key: str, size: int, read_ahead: int = READ_AHEAD):
        self.storage = storage
        self.key = key
        self.size = size
        self.read_ahead = read_ahead
        self.pos = 0
        self._block_start = 0
        self._block = b""
        self.requests = 0  # how many range reads were made (tests and tuning)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self.pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError("negative seek position")
        self.pos = pos
        return pos

    def _fetch(self, start: int, length: int) -> bytes:
        self.requests += 1
        end = min(self.size, start + length) - 1
        if end < start:
            return b""
        return b"".join(self.storage.open(self.key, start, end))

    def read(self, n: int = -1) -> bytes:
        if self.pos >= self.size:
            return b""
        if n is None or n < 0:
            n = self.size - self.pos
        n = min(n, self.size - self.pos)
        block_end = self._block_start + len(self._block)
        if not (self._block_start <= self.pos and self.pos + n <= block_end):
            self._block_start = self.pos
            self._block = self._fetch(self.pos, max(n, self.read_ahead))
        offset = self.pos - self._block_start
        data = self._block[offset: offset + n]
        self.pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class PrefixedStream:
    """``read(n)`` that returns ``prefix`` (bytes already read for sniffing) before ``stream``."""

    def __init__(self, prefix: bytes, stream):
        self._prefix = prefix
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        if self._prefix:
            if n is None or n < 0:
                data, self._prefix = self._prefix + self._stream.read(), b""
                return data
            data, self._prefix = self._prefix[:n], self._prefix[n:]
            return data
        return self._stream.read(n)


def read_head(stream, n: int) -> bytes:
    """Up to ``n`` bytes from a stream whose reads may return less than asked."""
    chunks, got = [], 0
    while got < n:
        data = stream.read(n - got)
        if not data:
            break
        chunks.append(data)
        got += len(data)
    return b"".join(chunks)


def local_copy(storage: Storage, key: str, suffix: str = "") -> tempfile.NamedTemporaryFile:
    """A temporary local file with the object's bytes (for libraries that want a real file)."""
    tmp = tempfile.NamedTemporaryFile(suffix=suffix)  # noqa: SIM115 - the caller closes it
    for chunk in storage.open(key):
        tmp.write(chunk)
    tmp.flush()
    tmp.seek(0)
    return tmp


def copy_stream(source, target) -> None:
    shutil.copyfileobj(source, target, 1024 * 1024)

"""The storage contract shared by every backend, plus the helpers they have in common.

Objects are addressed by platform-generated keys (``resources/2026/11/3f2a…e9/file.pdf``); a
user-supplied file name never becomes a key verbatim, so :func:`validate_key` can be strict.
Every backend streams: ``put`` never holds the whole upload in memory and ``open`` yields chunks.
"""

from __future__ import annotations

import abc
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO, Protocol
from urllib.parse import quote

DEFAULT_CHUNK_SIZE = 64 * 1024
MAX_KEY_LENGTH = 512

_SEGMENT_RE = re.compile(r"[A-Za-z0-9._-]+")


class StorageError(Exception):
    """The backend failed or is unusable (I/O error, unreachable server, missing bucket…)."""


class ObjectNotFound(StorageError):
    """No object is stored under the key."""

    def __init__(self, key: str):
        super().__init__(f"object not found: {key!r}")
        self.key = key


class ObjectTooLarge(StorageError):
    """The stream being stored is larger than the allowed ``limit`` (bytes)."""

    def __init__(self, limit: int):
        super().__init__(f"object exceeds the size limit of {limit} bytes")
        self.limit = limit


class InvalidKey(StorageError):
    """The key is not a well-formed, relative storage key."""


@dataclass(frozen=True)
class PutResult:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ObjectStat:
    key: str
    size: int
    content_type: str | None
    #: last write (UTC), where the backend tells; not part of equality (tests compare the rest)
    modified: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Temporary:
    """Something an unfinished write left in the backend: a temp file, or an open multipart upload."""

    name: str  #: shown to the operator: the temp file's name, or ``key (upload id)``
    started: datetime | None  #: when the write began (UTC), as the backend knows it
    size: int | None = None
    key: str | None = None  #: the object key being written, where the backend knows it
    upload_id: str | None = None


def validate_key(key: object) -> str:
    """Return ``key`` if it is a well-formed storage key, else raise :class:`InvalidKey`.

    A key is relative, made of '/'-separated segments of ``[A-Za-z0-9._-]``, with no empty, '.'
    or '..' segment, and at most 512 characters.
    """
    if not isinstance(key, str):
        raise InvalidKey(f"storage key must be a string, not {type(key).__name__}")
    if not key:
        raise InvalidKey("storage key is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"storage key is longer than {MAX_KEY_LENGTH} characters")
    for segment in key.split("/"):
        if segment in (".", "..") or not _SEGMENT_RE.fullmatch(segment):
            raise InvalidKey(f"invalid storage key: {key!r}")
    return key


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A ``Content-Disposition`` value for ``filename`` (RFC 6266 / RFC 5987).

    ``filename*=UTF-8''…`` carries the exact (e.g. Chinese) name; ``filename="…"`` is an ASCII
    fallback for old clients, with anything outside a safe set replaced by ``_``.
    """
    name = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")  # no CR/LF
    name = name.replace("/", "_").replace("\\", "_").strip() or "download"
    fallback = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", name) or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class HashingLimitedReader:
    """Wrap a binary stream: hash (sha256) and count what is read, and enforce a size limit.

    ``read(n)`` returns up to ``n`` bytes, filling the request from the underlying stream until
    ``n`` bytes or EOF (so a consumer that asks for a whole multipart part gets it in one piece).
    As soon as more than ``max_size`` bytes have been read from the underlying stream,
    :class:`ObjectTooLarge` is raised (and again on every later read); ``max_size=None`` means
    no limit.
    """

    def __init__(self, stream: _Readable | BinaryIO, max_size: int | None = None):
        if max_size is not None and max_size < 0:
            raise ValueError("max_size must be >= 0 or None")
        self._stream = stream
        self.max_size = max_size
        self.size = 0
        self.overflowed = False
        self._hash = hashlib.sha256()
        self._pending = b""  # bytes the underlying stream returned beyond what was asked for
        self._eof = False

    def _account(self, data: bytes) -> None:
        self.size += len(data)
        if self.max_size is not None and self.size > self.max_size:
            self.overflowed = True
            raise ObjectTooLarge(self.max_size)
        self._hash.update(data)

    def _read_raw(self, n: int) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:n], self._pending[n:]
            return data
        if self._eof:
            return b""
        data = self._stream.read(n)
        if not data:
            self._eof = True
            return b""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"stream.read() returned {type(data).__name__}, not bytes")
        data = bytes(data)
        if len(data) > n:  # a sloppy stream: keep the surplus for the next read
            data, self._pending = data[:n], data[n:]
        return data

    def read(self, n: int | None = -1) -> bytes:
        if self.overflowed:
            raise ObjectTooLarge(self.max_size)  # type: ignore[arg-type]
        want = None if n is None or n < 0 else n
        if want == 0:
            return b""
        chunks: list[bytes] = []
        got = 0
        while want is None or got < want:
            step = DEFAULT_CHUNK_SIZE if want is None else want - got
            data = self._read_raw(step)
            if not data:
                break
            self._account(data)
            chunks.append(data)
            got += len(data)
        if len(chunks) == 1:
            return chunks[0]
        return b"".join(chunks)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class ChunkIterator(Iterator[bytes]):
    """Iterate over ``read(chunk)`` results until EOF or ``length`` bytes; close the source once.

    Returned by :meth:`Storage.open`: the source (file, HTTP response) is already open, so a
    missing object has been reported before iteration starts. It is closed when exhausted, on
    error, on :meth:`close` (WSGI servers call it) and, as a last resort, when garbage-collected.
    """

    def __init__(
        self,
        read: Callable[[int], bytes],
        close: Callable[[], None],
        *,
        length: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        wrap_errors: Callable[[Exception], Exception] | None = None,
    ):
        self._read = read
        self._close = close
        self._remaining = length
        self._chunk_size = chunk_size
        self._wrap_errors = wrap_errors
        self._closed = False

    def __iter__(self) -> ChunkIterator:
        return self

    def __next__(self) -> bytes:
        if self._closed:
            raise StopIteration
        want = self._chunk_size if self._remaining is None else min(self._chunk_size, self._remaining)
        if want <= 0:
            self.close()
            raise StopIteration
        try:
            data = self._read(want)
        except Exception as exc:
            self.close()
            if self._wrap_errors is not None and not isinstance(exc, StorageError):
                raise self._wrap_errors(exc) from exc
            raise
        if not data:
            self.close()
            raise StopIteration
        if self._remaining is not None:
            self._remaining -= len(data)
        return data

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - never raise from a finaliser
            pass


def check_range(start: int, end: int | None) -> None:
    if start < 0:
        raise ValueError("start must be >= 0")
    if end is not None and end < start:
        raise ValueError("end must be >= start")


class Storage(abc.ABC):
    """One object store. Keys are validated with :func:`validate_key` by every method."""

    name: str = ""

    @abc.abstractmethod
    def put(
        self,
        key: str,
        stream: BinaryIO,
        *,
        max_size: int | None = None,
        content_type: str = "application/octet-stream",
    ) -> PutResult:
        """Store ``stream`` under ``key`` (replacing any object there), streaming.

        Raises :class:`ObjectTooLarge` once more than ``max_size`` bytes were read; nothing is
        left behind then (no partial object, temp file or pending multipart upload).
        """

    @abc.abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Chunks of bytes ``start``..``end`` inclusive (HTTP Range style; ``end=None``: to EOF).

        ``end`` past the end of the object is clamped; ``start`` past it yields nothing.
        :class:`ObjectNotFound` is raised by this call, before any chunk is requested.
        """

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectStat: ...

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""

    @abc.abstractmethod
    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """All keys starting with ``prefix`` (plain string prefix), in sorted order."""

    @abc.abstractmethod
    def presigned_url(self, key: str, expires: timedelta, filename: str | None = None, *,
                      disposition: str = "attachment", content_type: str | None = None) -> str | None:
        """A time-limited direct download URL, or None where the backend has none."""

    def temporaries(self) -> list[Temporary]:
        """What unfinished writes left behind (a killed worker's partial upload), oldest first."""
        return []

    def stale_temporaries(self, older_than: timedelta) -> list[Temporary]:
        """The :meth:`temporaries` that began more than ``older_than`` ago (unknown start: stale)."""
        from datetime import UTC

        cutoff = datetime.now(UTC) - older_than
        return [t for t in self.temporaries() if t.started is None or t.started <= cutoff]

    def remove_temporary(self, temporary: Temporary) -> None:
        """Remove one leftover (a temp file, or abort the multipart upload); gone already is fine."""
        raise NotImplementedError

    @abc.abstractmethod
    def check(self) -> None:
        """Raise :class:`StorageError` if the backend is unusable (used by /healthz)."""

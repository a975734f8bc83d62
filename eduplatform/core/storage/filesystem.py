"""File-system storage backend: one file per object under a root directory.

Writes go to a temp file in ``<root>/.tmp/`` (same file system), are fsynced, then renamed into
place with ``os.replace``: a reader sees the old object or the new one, never half of one.
The content type is not stored: :meth:`stat` guesses it from the key (the database row keeps the
real one).
"""

from __future__ import annotations

import mimetypes
import os
import stat as stat_module
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from eduplatform.core.storage.base import (
    DEFAULT_CHUNK_SIZE,
    ChunkIterator,
    HashingLimitedReader,
    InvalidKey,
    ObjectNotFound,
    ObjectStat,
    PutResult,
    Storage,
    StorageError,
    Temporary,
    check_range,
    validate_key,
)

TMP_DIR_NAME = ".tmp"
_FILE_MODE = 0o644
_RENAME_ATTEMPTS = 5
#: put() copies in 1 MiB blocks: ~30 % faster than 64 KiB (fewer Python round trips).
WRITE_CHUNK_SIZE = 1024 * 1024


def _wrap(exc: BaseException, what: str) -> StorageError:
    return StorageError(f"file storage: {what} failed: {exc}")


class FileSystemStorage(Storage):
    name = "file"

    def __init__(
        self,
        root: Path | str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        write_chunk_size: int = WRITE_CHUNK_SIZE,
        fsync: bool = True,
    ):
        self.root = Path(root)
        self.chunk_size = chunk_size  # size of the chunks open() yields
        self.write_chunk_size = write_chunk_size
        self.fsync = fsync
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"file storage: cannot create root {self.root}: {exc}") from exc
        self._root = self.root.resolve()
        self.tmp_dir = self._root / TMP_DIR_NAME

    def __repr__(self) -> str:
        return f"FileSystemStorage({str(self.root)!r})"

    # -- paths -----------------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        """The file of ``key``; refuses keys that land outside root (also through symlinks)."""
        validate_key(key)
        if key.split("/", 1)[0] == TMP_DIR_NAME:
            raise InvalidKey(f"storage key uses the reserved prefix {TMP_DIR_NAME!r}: {key!r}")
        path = self._root / key
        resolved = path.resolve()
        if resolved == self._root or not resolved.is_relative_to(self._root):
            raise InvalidKey(f"storage key resolves outside the storage root: {key!r}")
        return path

    # -- writing ---------------------------------------------------------------------------------
    def put(
        self,
        key: str,
        stream: BinaryIO,
        *,
        max_size: int | None = None,
        content_type: str = "application/octet-stream",
    ) -> PutResult:
        target = self._path(key)
        reader = HashingLimitedReader(stream, max_size)
        try:
            self.tmp_dir.mkdir(exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix="put-", suffix=".part", dir=self.tmp_dir)
        except OSError as exc:
            raise _wrap(exc, "creating a temp file") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(self.write_chunk_size):
                    out.write(chunk)
                out.flush()
                os.fchmod(out.fileno(), _FILE_MODE)
                if self.fsync:
                    os.fsync(out.fileno())
            self._move_into_place(tmp_name, target)
        except BaseException as exc:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            except OSError:  # pragma: no cover - nothing better to do; the original error wins
                pass
            if isinstance(exc, OSError):
                raise _wrap(exc, f"writing {key!r}") from exc
            raise
        return PutResult(key=key, size=reader.size, sha256=reader.hexdigest())

    def _move_into_place(self, tmp_name: str, target: Path) -> None:
        # A concurrent delete() prunes empty directories, so the parent can vanish between
        # mkdir and rename: retry a few times.
        for attempt in range(_RENAME_ATTEMPTS):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(tmp_name, target)
                break
            except FileNotFoundError:
                if attempt == _RENAME_ATTEMPTS - 1 or not os.path.exists(tmp_name):
                    raise
        if self.fsync:
            self._fsync_dir(target.parent)

    @staticmethod
    def _fsync_dir(path: Path) -> None:
        try:
            dir_fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # pragma: no cover - platform without directory fds
            return
        try:
            os.fsync(dir_fd)
        except OSError:  # pragma: no cover
            pass
        finally:
            os.close(dir_fd)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except IsADirectoryError:  # "a" when only "a/b" exists: no object "a"
            return
        except OSError as exc:
            raise _wrap(exc, f"deleting {key!r}") from exc
        # Prune the now-empty directories (one per object in the platform's key layout).
        parent = path.parent
        while parent != self._root and parent.is_relative_to(self._root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    # -- reading ---------------------------------------------------------------------------------
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        check_range(start, end)
        path = self._path(key)
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed by ChunkIterator
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise _wrap(exc, f"opening {key!r}") from exc
        try:
            size = os.fstat(fh.fileno()).st_size
            if start:
                fh.seek(start)
        except OSError as exc:
            fh.close()
            raise _wrap(exc, f"opening {key!r}") from exc
        last = size - 1 if end is None else min(end, size - 1)
        length = max(0, last - start + 1)
        return ChunkIterator(
            fh.read,
            fh.close,
            length=length,
            chunk_size=self.chunk_size,
            wrap_errors=lambda exc: _wrap(exc, f"reading {key!r}"),
        )

    def stat(self, key: str) -> ObjectStat:
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise _wrap(exc, f"stat of {key!r}") from exc
        if not stat_module.S_ISREG(st.st_mode):
            raise ObjectNotFound(key)
        return ObjectStat(key=key, size=st.st_size, content_type=mimetypes.guess_type(key)[0],
                          modified=datetime.fromtimestamp(st.st_mtime, UTC))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Walk lazily in key order: within a directory, a sub-directory ``d`` sorts as ``d/``."""

        def walk(directory: Path, key_prefix: str) -> Iterator[str]:
            try:
                entries = list(os.scandir(directory))
            except (FileNotFoundError, NotADirectoryError):
                return
            except OSError as exc:
                raise _wrap(exc, f"listing {directory}") from exc
            items = []
            for entry in entries:
                if not key_prefix and entry.name == TMP_DIR_NAME:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    items.append((key_prefix + entry.name + "/", True, entry.path))
                elif entry.is_file(follow_symlinks=False):
                    items.append((key_prefix + entry.name, False, entry.path))
            items.sort()
            for name, is_dir, entry_path in items:
                if is_dir:
                    # Descend only where keys can start with ``prefix``.
                    if name.startswith(prefix) or prefix.startswith(name):
                        yield from walk(Path(entry_path), name)
                elif name.startswith(prefix):
                    yield name

        return walk(self._root, "")

    def presigned_url(self, key: str, expires: timedelta, filename: str | None = None, *,
                      disposition: str = "attachment", content_type: str | None = None) -> str | None:
        validate_key(key)
        return None

    # -- leftovers -------------------------------------------------------------------------------
    def temporaries(self) -> list[Temporary]:
        """Files in ``.tmp/``: a put() whose process was killed (``kill -9``, OOM) leaves its part."""
        found = []
        try:
            entries = list(os.scandir(self.tmp_dir))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _wrap(exc, f"listing {self.tmp_dir}") from exc
        for entry in entries:
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # finished or removed meanwhile
                continue
            found.append(Temporary(name=f"{TMP_DIR_NAME}/{entry.name}", size=st.st_size,
                                   started=datetime.fromtimestamp(st.st_mtime, UTC)))
        return sorted(found, key=lambda t: (t.started, t.name))

    def remove_temporary(self, temporary: Temporary) -> None:
        name = temporary.name.removeprefix(f"{TMP_DIR_NAME}/")
        if not name or "/" in name or name in (".", ".."):
            raise InvalidKey(f"not a temp file name: {temporary.name!r}")
        try:
            os.unlink(self.tmp_dir / name)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise _wrap(exc, f"removing {temporary.name}") from exc

    def check(self) -> None:
        root = self.root
        if not root.is_dir():
            raise StorageError(f"file storage: root {root} is missing or not a directory")
        if not os.access(root, os.W_OK | os.X_OK):
            raise StorageError(f"file storage: root {root} is not writable")
        try:
            self.tmp_dir.mkdir(exist_ok=True)
            with tempfile.TemporaryFile(dir=self.tmp_dir):
                pass
        except OSError as exc:
            raise StorageError(f"file storage: cannot write under {root}: {exc}") from exc

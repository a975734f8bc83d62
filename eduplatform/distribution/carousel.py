"""One-way delivery (satellite / data broadcast): a file — a push's offline package — as a carousel
of erasure-coded chunks (zfec, Reed–Solomon over GF(2^8)), repeated in rounds. A receiver rebuilds
every segment from any ``k`` of its ``m`` shares, checks the file's SHA-256, and never asks for
anything; a chunk damaged on the link fails its CRC and is dropped like a lost one.

Chunk: a fixed header (``HEADER``) then the share's bytes. The header names the file by its SHA-256,
so chunks of several carousels may share one link.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import zfec

MAGIC = b"XXTC"
#: magic, version, file sha256, segments, segment, k, m, share number, share length, file size, crc32
HEADER = struct.Struct("!4sB32sIIHHHIQI")
DEFAULT_K, DEFAULT_M, DEFAULT_SHARE = 180, 256, 1024


def _segments(size: int, k: int, share: int) -> int:
    return max(1, -(-size // (k * share)))


def emit(path, *, k: int = DEFAULT_K, m: int = DEFAULT_M, share: int = DEFAULT_SHARE) -> Iterator[bytes]:
    """One round of the carousel: every share of every segment, share-major (segment 0 share 0,
    segment 1 share 0, …) so a burst of loss spreads over many segments."""
    if not 1 <= k < m <= 256:
        raise ValueError("需要 1 ≤ k < m ≤ 256")
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    file_id = digest.digest()
    count = _segments(size, k, share)
    encoder = zfec.Encoder(k, m)
    encoded = []
    with path.open("rb") as handle:
        for _ in range(count):
            data = handle.read(k * share).ljust(k * share, b"\0")
            encoded.append(encoder.encode([data[i * share:(i + 1) * share] for i in range(k)]))
    for number in range(m):
        for segment in range(count):
            body = encoded[segment][number]
            yield HEADER.pack(MAGIC, 1, file_id, count, segment, k, m, number, len(body), size,
                              zlib.crc32(body)) + body


class Receiver:
    """Collect chunks from the link (any order, duplicates and damage tolerated); ``done`` once every
    segment has ``k`` shares; ``rebuild`` writes the file (via a part file) only if its SHA-256 holds."""

    def __init__(self):
        self.shares: dict[bytes, dict[int, dict[int, bytes]]] = {}
        self.meta: dict[bytes, tuple] = {}
        self.accepted = self.damaged = self.duplicates = 0

    def take(self, chunk: bytes) -> bool:
        if len(chunk) < HEADER.size:
            self.damaged += 1
            return False
        magic, version, file_id, count, segment, k, m, number, length, size, crc = HEADER.unpack_from(chunk)
        body = chunk[HEADER.size:]
        if magic != MAGIC or version != 1 or len(body) != length or zlib.crc32(body) != crc \
                or segment >= count or number >= m or not 1 <= k < m:
            self.damaged += 1
            return False
        if self.meta.setdefault(file_id, (count, k, m, size)) != (count, k, m, size):
            self.damaged += 1
            return False
        got = self.shares.setdefault(file_id, {}).setdefault(segment, {})
        if number in got or len(got) >= k:
            self.duplicates += 1
            return False
        got[number] = body
        self.accepted += 1
        return True

    def done(self, file_id: bytes) -> bool:
        if file_id not in self.meta:
            return False
        count, k, _m, _size = self.meta[file_id]
        segments = self.shares.get(file_id, {})
        return len(segments) == count and all(len(s) >= k for s in segments.values())

    def rebuild(self, file_id: bytes, target) -> Path:
        """Decode every segment, write ``target`` via ``target.part``; refuse (and leave nothing) unless
        the SHA-256 is the carousel's."""
        if not self.done(file_id):
            raise ValueError("分片尚不足以恢复文件")
        count, k, m, size = self.meta[file_id]
        decoder = zfec.Decoder(k, m)
        target = Path(target)
        part = target.with_name(target.name + ".part")
        digest, left = hashlib.sha256(), size
        with part.open("wb") as out:
            for segment in range(count):
                got = sorted(self.shares[file_id][segment].items())[:k]
                blocks = decoder.decode([b for _, b in got], [n for n, _ in got])
                data = b"".join(blocks)[:left]
                left -= len(data)
                digest.update(data)
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if digest.digest() != file_id:
            part.unlink()
            raise ValueError("恢复后的文件校验和不符")
        os.replace(part, target)
        return target


def file_id_of(path) -> bytes:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.digest()

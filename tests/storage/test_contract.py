"""One contract for every storage backend: the same tests run on the file system and on MinIO.

The MinIO backend talks to moto's S3 server (started once per module on a free port) through the
real ``minio`` SDK; each test gets a fresh bucket. moto does not check signatures, so nothing
here claims to test credentials.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import threading
import time
import tracemalloc
import urllib.request
from datetime import timedelta
from urllib.parse import quote

import pytest
import urllib3

from eduplatform.core.storage import (
    InvalidKey,
    ObjectNotFound,
    ObjectStat,
    ObjectTooLarge,
    PutResult,
    StorageError,
    validate_key,
)
from eduplatform.core.storage.base import HashingLimitedReader, content_disposition
from eduplatform.core.storage.filesystem import FileSystemStorage
from eduplatform.core.storage.minio_backend import MinioStorage
from tests.fixtures.storage import PART_SIZE, free_port  # the moto fixtures come from that plugin

MiB = 1024 * 1024


# -- helpers -----------------------------------------------------------------------------------
def pseudo_random_chunks(total: int, chunk_size: int = MiB, seed: int = 7):
    """``total`` random-looking bytes in chunks, without ever holding them all."""
    block = random.Random(seed).randbytes(chunk_size)
    sent, index = 0, 0
    while sent < total:
        n = min(chunk_size, total - sent)
        yield (index.to_bytes(8, "big") + block[8:])[:n]
        sent += n
        index += 1


class GeneratorStream:
    """A read()-able stream over a generator of chunks; records how it was read."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""
        self.bytes_read = 0
        self.max_request = 0
        self.unbounded_reads = 0
        self.on_read = None  # optional callback(bytes_read_so_far)

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            self.unbounded_reads += 1
            data = self._buffer + b"".join(self._chunks)
            self._buffer = b""
        else:
            self.max_request = max(self.max_request, n)
            while len(self._buffer) < n:
                try:
                    self._buffer += next(self._chunks)
                except StopIteration:
                    break
            data, self._buffer = self._buffer[:n], self._buffer[n:]
        self.bytes_read += len(data)
        if self.on_read is not None:
            self.on_read(self.bytes_read)
        return data


def sha256_of(chunks) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def read_all(storage, key, start=0, end=None) -> bytes:
    return b"".join(storage.open(key, start, end))


@pytest.fixture(params=["file", "minio"])
def storage(request, tmp_path):
    if request.param == "file":
        return FileSystemStorage(tmp_path / "store")
    return request.getfixturevalue("make_minio_storage")()


def assert_nothing_left_behind(storage, key: str) -> None:
    assert storage.exists(key) is False
    assert list(storage.iter_keys()) == []
    if isinstance(storage, FileSystemStorage):
        assert list(storage.tmp_dir.iterdir()) == [], "temp file left behind"
    else:
        assert storage.incomplete_uploads() == [], "incomplete multipart upload left behind"


# -- put / get -----------------------------------------------------------------------------------
def test_put_then_open_roundtrip(storage):
    data = random.Random(1).randbytes(300_000)
    key = "resources/2026/11/3f2a9e/lesson-plan.pdf"

    result = storage.put(key, io.BytesIO(data), content_type="application/pdf")

    assert result == PutResult(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    assert read_all(storage, key) == data
    assert storage.exists(key) is True


def test_put_empty_object(storage):
    result = storage.put("empty/zero.bin", io.BytesIO(b""))
    assert result.size == 0
    assert result.sha256 == hashlib.sha256(b"").hexdigest()
    assert read_all(storage, "empty/zero.bin") == b""
    assert storage.stat("empty/zero.bin").size == 0


def test_put_streams_40mb_from_a_generator(storage, monkeypatch):
    total = 40 * MiB
    expected_sha, _ = sha256_of(pseudo_random_chunks(total))
    stream = GeneratorStream(pseudo_random_chunks(total))
    multipart_uploads = []
    if isinstance(storage, MinioStorage):
        original = storage.client._create_multipart_upload

        def spy(*args, **kwargs):
            upload_id = original(*args, **kwargs)
            multipart_uploads.append(upload_id)
            return upload_id

        monkeypatch.setattr(storage.client, "_create_multipart_upload", spy)

    tracing = isinstance(storage, FileSystemStorage)  # moto's in-process server would skew it
    if tracing:
        tracemalloc.start()
    try:
        result = storage.put("big/payload.bin", stream)
        peak = tracemalloc.get_traced_memory()[1] if tracing else 0
    finally:
        if tracing:
            tracemalloc.stop()

    assert result.size == total
    assert result.sha256 == expected_sha
    assert stream.unbounded_reads == 0, "put() must never read the whole stream"
    assert stream.bytes_read == total
    if isinstance(storage, MinioStorage):
        assert stream.max_request <= PART_SIZE + 1
        assert len(multipart_uploads) == 1, "a 40 MB object must go up as a multipart upload"
        assert "-" in storage.client.stat_object(storage.bucket, "big/payload.bin").etag
    else:
        assert stream.max_request <= storage.write_chunk_size
        assert peak < 6 * MiB, f"file put held {peak} bytes at once"
    assert sha256_of(storage.open("big/payload.bin")) == (expected_sha, total)
    assert storage.stat("big/payload.bin").size == total


def test_overwrite_replaces_content(storage):
    storage.put("docs/a.txt", io.BytesIO(b"first version, rather long"))
    result = storage.put("docs/a.txt", io.BytesIO(b"second"))
    assert result.size == 6
    assert read_all(storage, "docs/a.txt") == b"second"
    assert storage.stat("docs/a.txt").size == 6
    assert list(storage.iter_keys()) == ["docs/a.txt"]


def test_readers_see_the_old_object_or_none_during_a_put(storage):
    """Atomic replace: half-way through an upload (a multipart part already sent to MinIO, a
    temp file half written on disk) readers still get the old object, or no object."""
    storage.put("docs/a.txt", io.BytesIO(b"old content"))
    seen = {}

    def streaming(name):
        stream = GeneratorStream(pseudo_random_chunks(12 * MiB))

        def on_read(bytes_read):
            if bytes_read >= 6 * MiB and name not in seen:
                seen[name] = (
                    read_all(storage, "docs/a.txt"),
                    storage.exists("docs/new.txt"),
                    list(storage.iter_keys()),
                )

        stream.on_read = on_read
        return stream

    storage.put("docs/a.txt", streaming("overwrite"))
    storage.put("docs/new.txt", streaming("create"))

    assert seen["overwrite"] == (b"old content", False, ["docs/a.txt"])
    assert seen["create"][1:] == (False, ["docs/a.txt"])
    assert storage.stat("docs/a.txt").size == 12 * MiB
    assert storage.stat("docs/new.txt").size == 12 * MiB


# -- size limit ------------------------------------------------------------------------------------
def test_put_at_exactly_max_size_is_accepted(storage):
    result = storage.put("limits/exact.bin", io.BytesIO(b"x" * 100), max_size=100)
    assert result.size == 100


def test_put_over_max_size_leaves_nothing(storage):
    with pytest.raises(ObjectTooLarge) as info:
        storage.put("limits/small.bin", io.BytesIO(b"x" * 101), max_size=100)
    assert info.value.limit == 100
    assert_nothing_left_behind(storage, "limits/small.bin")


def test_put_over_max_size_mid_multipart_leaves_nothing(storage, monkeypatch):
    calls = {"create": 0}
    if isinstance(storage, MinioStorage):
        original = storage.client._create_multipart_upload

        def spy(*args, **kwargs):
            calls["create"] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(storage.client, "_create_multipart_upload", spy)
    stream = GeneratorStream(pseudo_random_chunks(30 * MiB))

    with pytest.raises(ObjectTooLarge):
        storage.put("limits/big.bin", stream, max_size=12 * MiB)

    assert stream.bytes_read <= 12 * MiB + PART_SIZE + 1, "the stream must stop being read early"
    if isinstance(storage, MinioStorage):
        assert calls["create"] == 1, "the test must overflow after parts were uploaded"
    assert_nothing_left_behind(storage, "limits/big.bin")


def test_overflow_is_reported_and_cleaned_even_if_the_sdk_abort_fails(make_minio_storage, monkeypatch):
    storage = make_minio_storage()
    original_abort = storage.client._abort_multipart_upload
    aborts = []

    def flaky_abort(*args, **kwargs):
        aborts.append(args)
        if len(aborts) == 1:
            raise urllib3.exceptions.ProtocolError("connection reset during abort")
        return original_abort(*args, **kwargs)

    monkeypatch.setattr(storage.client, "_abort_multipart_upload", flaky_abort)

    with pytest.raises(ObjectTooLarge):
        storage.put("limits/big.bin", GeneratorStream(pseudo_random_chunks(20 * MiB)), max_size=11 * MiB)

    assert len(aborts) == 2, "the SDK's failed abort must be retried by the backend"
    assert_nothing_left_behind(storage, "limits/big.bin")


def test_oversized_overwrite_keeps_the_old_object(storage):
    storage.put("docs/keep.txt", io.BytesIO(b"precious"))
    with pytest.raises(ObjectTooLarge):
        storage.put("docs/keep.txt", io.BytesIO(b"y" * 50), max_size=10)
    assert read_all(storage, "docs/keep.txt") == b"precious"


def test_a_failing_stream_propagates_and_leaves_nothing(storage):
    class Broken(Exception):
        pass

    def chunks():
        yield from pseudo_random_chunks(7 * MiB)
        raise Broken("client went away")

    with pytest.raises(Broken):
        storage.put("docs/broken.bin", GeneratorStream(chunks()))
    assert_nothing_left_behind(storage, "docs/broken.bin")


# -- ranges --------------------------------------------------------------------------------------
@pytest.fixture
def ranged(storage):
    data = random.Random(3).randbytes(200_000)  # > 3 chunks of 64 KiB
    storage.put("media/clip.mp4", io.BytesIO(data))
    return storage, data


def test_open_whole_object_in_bounded_chunks(ranged):
    storage, data = ranged
    chunks = list(storage.open("media/clip.mp4"))
    assert b"".join(chunks) == data
    assert len(chunks) > 1
    assert max(len(c) for c in chunks) <= 64 * 1024


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (10, 99, slice(10, 100)),
        (0, 0, slice(0, 1)),
        (65_530, 65_545, slice(65_530, 65_546)),  # across a chunk boundary
        (1_000, None, slice(1_000, None)),
        (199_999, None, slice(199_999, None)),  # last byte, open-ended
        (199_999, 199_999, slice(199_999, None)),  # last byte, explicit
        (150_000, 10_000_000, slice(150_000, None)),  # end past EOF is clamped
        (200_000, None, slice(0, 0)),  # start past EOF: nothing
    ],
)
def test_open_range(ranged, start, end, expected):
    storage, data = ranged
    assert read_all(storage, "media/clip.mp4", start, end) == data[expected]


def test_open_rejects_a_reversed_range(ranged):
    storage, _ = ranged
    with pytest.raises(ValueError):
        storage.open("media/clip.mp4", 10, 5)
    with pytest.raises(ValueError):
        storage.open("media/clip.mp4", -1)


def test_open_iterator_can_be_closed_early(ranged):
    storage, data = ranged
    chunks = storage.open("media/clip.mp4")
    assert next(chunks) == data[: 64 * 1024]
    chunks.close()
    assert list(chunks) == []
    assert read_all(storage, "media/clip.mp4", 5, 9) == data[5:10]  # connection/file released


# -- stat / missing objects ------------------------------------------------------------------------
def test_stat(storage):
    storage.put("docs/syllabus.pdf", io.BytesIO(b"%PDF-1.7 hello"), content_type="application/pdf")
    assert storage.stat("docs/syllabus.pdf") == ObjectStat(
        key="docs/syllabus.pdf", size=14, content_type="application/pdf"
    )


def test_missing_object_raises_object_not_found_eagerly(storage):
    storage.put("docs/present.txt", io.BytesIO(b"x"))
    with pytest.raises(ObjectNotFound):
        storage.open("docs/absent.txt")  # raised by the call itself, before any iteration
    with pytest.raises(ObjectNotFound):
        storage.open("docs/absent.txt", 5, 10)
    with pytest.raises(ObjectNotFound):
        storage.stat("docs/absent.txt")
    with pytest.raises(ObjectNotFound):
        storage.stat("docs")  # a "directory" is not an object
    assert storage.exists("docs/absent.txt") is False
    assert issubclass(ObjectNotFound, StorageError)


# -- delete ----------------------------------------------------------------------------------------
def test_delete_is_idempotent(storage):
    storage.put("resources/2026/11/abc/file.pdf", io.BytesIO(b"pdf"))
    storage.put("resources/2026/11/abd/other.pdf", io.BytesIO(b"pdf"))
    storage.delete("resources/2026/11/abc/file.pdf")
    storage.delete("resources/2026/11/abc/file.pdf")
    storage.delete("never/existed.bin")
    assert storage.exists("resources/2026/11/abc/file.pdf") is False
    assert list(storage.iter_keys()) == ["resources/2026/11/abd/other.pdf"]
    if isinstance(storage, FileSystemStorage):
        assert not (storage.root / "resources/2026/11/abc").exists(), "empty directory not pruned"
        assert (storage.root / "resources/2026/11").is_dir()


# -- listing -------------------------------------------------------------------------------------
def test_iter_keys_sorted_with_prefix(storage):
    keys = ["b/2.txt", "a/10.txt", "a/1.txt", "a-b/x.txt", "a/sub/y.txt", "c.txt", "a/sub-z.txt"]
    for key in keys:
        storage.put(key, io.BytesIO(key.encode()))

    assert list(storage.iter_keys()) == sorted(keys)
    assert list(storage.iter_keys("a/")) == sorted(k for k in keys if k.startswith("a/"))
    assert list(storage.iter_keys("a")) == sorted(k for k in keys if k.startswith("a"))
    assert list(storage.iter_keys("a/sub")) == ["a/sub-z.txt", "a/sub/y.txt"]
    assert list(storage.iter_keys("a/1")) == ["a/1.txt", "a/10.txt"]
    assert list(storage.iter_keys("zzz")) == []


def test_iter_keys_on_an_empty_store(storage):
    assert list(storage.iter_keys()) == []


# -- keys ----------------------------------------------------------------------------------------
INVALID_KEYS = ["../x", "/abs", "a//b", "a/../b", "a\\b", "", "a/./b", "a/", ".", "a b", "课件.pdf", "x" * 513]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys_are_rejected_everywhere(storage, key):
    with pytest.raises(InvalidKey):
        storage.put(key, io.BytesIO(b"data"))
    with pytest.raises(InvalidKey):
        storage.open(key)
    with pytest.raises(InvalidKey):
        storage.delete(key)
    with pytest.raises(InvalidKey):
        storage.stat(key)
    with pytest.raises(InvalidKey):
        storage.exists(key)
    with pytest.raises(InvalidKey):
        storage.presigned_url(key, timedelta(minutes=5))
    assert list(storage.iter_keys()) == []


@pytest.mark.parametrize(
    "key", ["a", "resources/2026/11/3f2a0c1de9/file.pdf", "a/.hidden", "x-y_z.tar.gz", "k" * 512]
)
def test_validate_key_accepts_platform_keys(key):
    assert validate_key(key) == key


@pytest.mark.parametrize("key", INVALID_KEYS + [None, b"bytes/key"])
def test_validate_key_rejects(key):
    with pytest.raises(InvalidKey):
        validate_key(key)


def test_file_backend_refuses_symlink_escape_and_reserved_tmp(tmp_path):
    storage = FileSystemStorage(tmp_path / "store")
    outside = tmp_path / "outside"
    outside.mkdir()
    (storage.root / "evil").symlink_to(outside)
    (outside / "secret.txt").write_text("secret")

    with pytest.raises(InvalidKey):
        storage.put("evil/x.txt", io.BytesIO(b"pwned"))
    with pytest.raises(InvalidKey):
        storage.open("evil/secret.txt")
    with pytest.raises(InvalidKey):
        storage.delete("evil/secret.txt")
    with pytest.raises(InvalidKey):
        storage.put(".tmp/x", io.BytesIO(b"x"))
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "secret"
    assert list(storage.iter_keys()) == []  # symlinks are not listed


# -- presigned URLs -------------------------------------------------------------------------------
def test_presigned_url(storage):
    storage.put("docs/lesson.pdf", io.BytesIO(b"%PDF- lesson body"), content_type="application/pdf")
    filename = "二次函数 第1课.pdf"

    url = storage.presigned_url("docs/lesson.pdf", timedelta(minutes=10), filename=filename)

    if isinstance(storage, FileSystemStorage):
        assert url is None
        return
    assert url.startswith("http://")
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        disposition = response.headers["Content-Disposition"]
    assert body == b"%PDF- lesson body"
    assert f"filename*=UTF-8''{quote(filename, safe='')}" in disposition
    assert disposition.startswith("attachment;")

    plain = storage.presigned_url("docs/lesson.pdf", timedelta(minutes=10))
    with urllib.request.urlopen(plain, timeout=10) as response:
        assert response.read() == b"%PDF- lesson body"
        assert response.headers.get("Content-Disposition") is None


def test_content_disposition_encoding():
    value = content_disposition("二次函数 第1课.pdf")
    assert value == (
        "attachment; filename=\"____ _1_.pdf\"; "
        "filename*=UTF-8''%E4%BA%8C%E6%AC%A1%E5%87%BD%E6%95%B0%20%E7%AC%AC1%E8%AF%BE.pdf"
    )
    injected = content_disposition('a"b\r\nSet-Cookie: x=1.txt')
    assert "\r" not in injected and "\n" not in injected
    assert 'filename="a_bSet-Cookie_ x_1.txt"' in injected
    assert content_disposition("  ").startswith('attachment; filename="download"')


# -- health --------------------------------------------------------------------------------------
def test_check_passes_on_a_working_backend(storage):
    storage.check()


def test_file_check_fails_when_root_is_gone_or_a_file(tmp_path):
    root = tmp_path / "store"
    storage = FileSystemStorage(root)
    storage.check()

    shutil.rmtree(root)
    with pytest.raises(StorageError, match="missing"):
        storage.check()

    root.write_bytes(b"not a directory")
    with pytest.raises(StorageError):
        storage.check()
    with pytest.raises(StorageError):
        storage.put("docs/a.txt", io.BytesIO(b"x"))


def test_file_backend_init_fails_on_an_unusable_root(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    with pytest.raises(StorageError):
        FileSystemStorage(blocker / "store")


def test_minio_check_fails_on_a_missing_bucket_until_ensured(make_minio_storage):
    storage = make_minio_storage(create_bucket=False)
    with pytest.raises(StorageError, match="does not exist"):
        storage.check()
    with pytest.raises(StorageError):
        storage.put("docs/a.txt", io.BytesIO(b"x"))

    storage.ensure_bucket()
    storage.ensure_bucket()  # idempotent
    storage.check()
    storage.put("docs/a.txt", io.BytesIO(b"x"))
    assert storage.exists("docs/a.txt")


def test_minio_check_fails_on_an_unreachable_server():
    storage = MinioStorage(f"127.0.0.1:{free_port()}", "testing", "testing", "some-bucket")
    with pytest.raises(StorageError, match="health check"):
        storage.check()
    with pytest.raises(StorageError):
        storage.stat("docs/a.txt")


def test_minio_part_size_has_the_s3_minimum():
    with pytest.raises(ValueError):
        MinioStorage("127.0.0.1:9", "a", "b", "bucket", part_size=MiB)


def test_backend_names(tmp_path):
    assert FileSystemStorage(tmp_path).name == "file"
    assert MinioStorage.name == "minio"


# -- HashingLimitedReader ----------------------------------------------------------------------
class TrickleStream:
    """Returns at most ``step`` bytes per read, from ``total`` bytes (None: endless)."""

    def __init__(self, step: int, total: int | None):
        self.step, self.total, self.consumed = step, total, 0

    def read(self, n: int = -1) -> bytes:
        n = self.step if n is None or n < 0 else min(n, self.step)
        if self.total is not None:
            n = min(n, self.total - self.consumed)
        self.consumed += n
        return b"z" * n


def test_reader_hashes_and_counts():
    data = random.Random(5).randbytes(10_000)
    reader = HashingLimitedReader(io.BytesIO(data))
    parts = []
    while chunk := reader.read(3_000):
        parts.append(chunk)
    assert b"".join(parts) == data
    assert [len(p) for p in parts] == [3_000, 3_000, 3_000, 1_000]
    assert reader.size == 10_000
    assert reader.hexdigest() == hashlib.sha256(data).hexdigest()


def test_reader_fills_requests_from_a_trickling_stream():
    reader = HashingLimitedReader(TrickleStream(step=7, total=100))
    assert reader.read(50) == b"z" * 50
    assert reader.read() == b"z" * 50
    assert reader.read(10) == b""
    assert reader.size == 100


def test_reader_accepts_exactly_max_size():
    reader = HashingLimitedReader(io.BytesIO(b"a" * 64), max_size=64)
    assert reader.read() == b"a" * 64
    assert reader.read(1) == b""
    assert reader.hexdigest() == hashlib.sha256(b"a" * 64).hexdigest()


def test_reader_raises_as_soon_as_the_limit_is_passed():
    stream = TrickleStream(step=10, total=None)  # endless: must not hang
    reader = HashingLimitedReader(stream, max_size=95)
    with pytest.raises(ObjectTooLarge) as info:
        while reader.read(1_000_000):
            pass
    assert info.value.limit == 95
    assert stream.consumed == 100, "read past the limit by more than one underlying read"
    with pytest.raises(ObjectTooLarge):
        reader.read(1)


def test_reader_with_zero_limit():
    assert HashingLimitedReader(io.BytesIO(b""), max_size=0).read() == b""
    with pytest.raises(ObjectTooLarge):
        HashingLimitedReader(io.BytesIO(b"x"), max_size=0).read(10)


def test_reader_copes_with_a_stream_returning_too_much():
    class Sloppy:
        def __init__(self):
            self.data = [b"0123456789", b"abc"]

        def read(self, n=-1):
            return self.data.pop(0) if self.data else b""

    reader = HashingLimitedReader(Sloppy())
    assert reader.read(4) == b"0123"
    assert reader.read(4) == b"4567"
    assert reader.read(100) == b"89abc"
    assert reader.size == 13
    assert reader.hexdigest() == hashlib.sha256(b"0123456789abc").hexdigest()


def test_reader_rejects_a_negative_limit():
    with pytest.raises(ValueError):
        HashingLimitedReader(io.BytesIO(b""), max_size=-1)


def test_no_threads_leak_from_failed_minio_uploads(make_minio_storage):
    storage = make_minio_storage()
    before = threading.active_count()
    for _ in range(2):
        with pytest.raises(ObjectTooLarge):
            storage.put("limits/x.bin", GeneratorStream(pseudo_random_chunks(12 * MiB)), max_size=7 * MiB)
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)  # moto's per-request server threads may still be finishing
    assert threading.active_count() <= before, "failed uploads leaked threads"
    assert storage.incomplete_uploads() == []


def test_file_put_cleans_its_temp_file_when_the_rename_fails(tmp_path):
    storage = FileSystemStorage(tmp_path / "store")
    storage.put("a", io.BytesIO(b"object a"))  # "a" is a file, so "a/b" cannot be created
    with pytest.raises(StorageError):
        storage.put("a/b", io.BytesIO(b"x" * 1000))
    assert list(storage.tmp_dir.iterdir()) == []
    assert read_all(storage, "a") == b"object a"
    assert os.path.isfile(storage.root / "a")


# -- leftovers of a killed upload -----------------------------------------------------------------
def _slow_put(storage_factory, key: str, total: int) -> None:  # runs in a forked child
    storage = storage_factory()

    def chunks():
        for chunk in pseudo_random_chunks(total):
            time.sleep(0.02)
            yield chunk

    storage.put(key, GeneratorStream(chunks()))


def _kill_mid_upload(storage, factory, key: str) -> None:
    """Start a put of 40 MiB in a child process and ``kill -9`` it once a leftover is visible."""
    import multiprocessing
    import signal

    child = multiprocessing.get_context("fork").Process(target=_slow_put, args=(factory, key, 40 * MiB))
    child.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            temps = storage.temporaries()
            if temps and (temps[0].size is None or temps[0].size > 0):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the upload left nothing visible to kill")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(5)
    assert child.exitcode == -signal.SIGKILL


def test_a_killed_upload_leaves_a_temporary_that_is_listed_and_removed(storage, moto_endpoint):
    key = "resources/2026/12/killed/lecture.mp4"
    if isinstance(storage, FileSystemStorage):
        root = storage.root

        def factory():
            return FileSystemStorage(root, fsync=False)
    else:
        bucket = storage.bucket

        def factory():
            from minio import Minio

            return MinioStorage(moto_endpoint, "testing", "testing", bucket, part_size=PART_SIZE,
                                client=Minio(moto_endpoint, "testing", "testing", secure=False))

    _kill_mid_upload(storage, factory, key)

    assert list(storage.iter_keys()) == []  # never a half object under its key
    [temp] = storage.temporaries()
    if isinstance(storage, FileSystemStorage):
        assert temp.name.startswith(".tmp/put-") and temp.size > 0
        assert storage.stale_temporaries(timedelta(hours=24)) == []  # may still be under way
    else:
        assert temp.key == key and temp.upload_id  # moto dates every upload 2010: no age test here
    assert storage.stale_temporaries(timedelta(0)) == [temp]

    storage.remove_temporary(temp)
    storage.remove_temporary(temp)  # gone already: not an error
    assert storage.temporaries() == []
    assert_nothing_left_behind(storage, key)

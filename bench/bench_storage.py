"""Storage throughput: the platform's backends against the raw calls they wrap.

    python bench/bench_storage.py [--size-mb 200] [--part-mb 16] [--skip-minio]

* file backend: ``FileSystemStorage.put`` (sha256 + size limit + fsync + atomic rename) vs a plain
  ``shutil.copyfileobj`` into a file; ``open()`` iteration vs reading the file in 64 KiB blocks.
* minio backend: ``MinioStorage.put`` vs the raw SDK ``put_object(length=-1)`` (SDK defaults, i.e.
  3 parallel part uploads) on the same moto S3 server; ``open()`` vs ``get_object().stream()``.

Every measurement runs in a fresh subprocess, so the peak-RSS growth of a put is its own (the
peak is reset through /proc/self/clear_refs, or sampled by a thread where that is refused). moto
runs in its own process too, so its memory is not counted. The payload comes from a generator
(a 1 MiB random block with a per-chunk counter): never held in memory whole.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024
READ_BLOCK = 64 * 1024
BUCKET = "bench-storage"
PLATFORM_KEY = "bench/platform.bin"
RAW_KEY = "bench/raw.bin"


# -- payload ----------------------------------------------------------------------------------
def payload_chunks(total: int, chunk_size: int = MiB, seed: int = 11):
    block = random.Random(seed).randbytes(chunk_size)
    sent, index = 0, 0
    while sent < total:
        n = min(chunk_size, total - sent)
        yield (index.to_bytes(8, "big") + block[8:])[:n]
        sent += n
        index += 1


class GeneratorStream:
    """``read(n)`` over a generator of chunks (what an upload looks like to the backends)."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            data, self._buffer = self._buffer + b"".join(self._chunks), b""
            return data
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        if len(self._buffer) <= n:
            data, self._buffer = self._buffer, b""
            return data
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data


# -- memory -------------------------------------------------------------------------------------
def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        match = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.MULTILINE)
    return int(match.group(1)) if match else 0


class PeakRss:
    """Peak RSS growth (MiB) over a block: VmHWM after a reset, else a 5 ms VmRSS sampler."""

    def __enter__(self):
        self.base = _status_kib("VmRSS")
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            self.method = "VmHWM"
        except OSError:
            self.method = "sampled"
            self._peak = self.base
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.005):
            self._peak = max(self._peak, _status_kib("VmRSS"))

    def __exit__(self, *exc):
        if self.method == "VmHWM":
            peak = _status_kib("VmHWM")
        else:
            self._stop.set()
            self._thread.join()
            peak = self._peak
        self.growth_mib = max(0, peak - self.base) / 1024


# -- one measurement (runs in a subprocess) ----------------------------------------------------
def _minio_client(endpoint):
    from minio import Minio

    return Minio(endpoint, "bench", "bench", secure=False)


def _minio_storage(endpoint, part_mb):
    from eduplatform.core.storage.minio_backend import MinioStorage

    return MinioStorage(endpoint, "bench", "bench", BUCKET, part_size=part_mb * MiB)


def run_case(case: str, size: int, workdir: Path, endpoint: str | None, part_mb: int) -> dict:
    from eduplatform.core.storage.filesystem import FileSystemStorage

    result: dict = {"case": case}
    if case == "file-put-platform":
        storage = FileSystemStorage(workdir / "store")
        stream = GeneratorStream(payload_chunks(size))
        with PeakRss() as mem:
            start = time.perf_counter()
            put = storage.put(PLATFORM_KEY, stream)
            elapsed = time.perf_counter() - start
        assert put.size == size
        result.update(seconds=elapsed, rss_mib=mem.growth_mib, rss_method=mem.method)
    elif case == "file-put-platform-nofsync":
        storage = FileSystemStorage(workdir / "store-nofsync", fsync=False)
        stream = GeneratorStream(payload_chunks(size))
        with PeakRss() as mem:
            start = time.perf_counter()
            put = storage.put(PLATFORM_KEY, stream)
            elapsed = time.perf_counter() - start
        assert put.size == size
        result.update(seconds=elapsed, rss_mib=mem.growth_mib, rss_method=mem.method)
    elif case == "file-put-raw":
        target = workdir / "raw.bin"
        stream = GeneratorStream(payload_chunks(size))
        with PeakRss() as mem:
            start = time.perf_counter()
            with open(target, "wb") as out:
                shutil.copyfileobj(stream, out, READ_BLOCK)
            elapsed = time.perf_counter() - start
        assert target.stat().st_size == size
        result.update(seconds=elapsed, rss_mib=mem.growth_mib, rss_method=mem.method)
    elif case == "file-get-platform":
        storage = FileSystemStorage(workdir / "store")
        start = time.perf_counter()
        got = sum(len(chunk) for chunk in storage.open(PLATFORM_KEY))
        result.update(seconds=time.perf_counter() - start)
        assert got == size
    elif case == "file-get-raw":
        start = time.perf_counter()
        got = 0
        with open(workdir / "store" / PLATFORM_KEY, "rb") as fh:
            while block := fh.read(READ_BLOCK):
                got += len(block)
        result.update(seconds=time.perf_counter() - start)
        assert got == size
    elif case == "minio-put-platform":
        storage = _minio_storage(endpoint, part_mb)
        stream = GeneratorStream(payload_chunks(size))
        with PeakRss() as mem:
            start = time.perf_counter()
            put = storage.put(PLATFORM_KEY, stream)
            elapsed = time.perf_counter() - start
        assert put.size == size
        result.update(seconds=elapsed, rss_mib=mem.growth_mib, rss_method=mem.method)
    elif case == "minio-put-raw":
        client = _minio_client(endpoint)
        stream = GeneratorStream(payload_chunks(size))
        with PeakRss() as mem:
            start = time.perf_counter()
            client.put_object(BUCKET, RAW_KEY, stream, length=-1, part_size=part_mb * MiB)
            elapsed = time.perf_counter() - start
        assert client.stat_object(BUCKET, RAW_KEY).size == size
        result.update(seconds=elapsed, rss_mib=mem.growth_mib, rss_method=mem.method)
    elif case == "minio-put-raw-sequential":
        client = _minio_client(endpoint)
        stream = GeneratorStream(payload_chunks(size))
        with PeakRss() as mem:
            start = time.perf_counter()
            client.put_object(
                BUCKET, RAW_KEY, stream, length=-1, part_size=part_mb * MiB, num_parallel_uploads=1
            )
            elapsed = time.perf_counter() - start
        result.update(seconds=elapsed, rss_mib=mem.growth_mib, rss_method=mem.method)
    elif case == "minio-get-platform":
        storage = _minio_storage(endpoint, part_mb)
        start = time.perf_counter()
        got = sum(len(chunk) for chunk in storage.open(PLATFORM_KEY))
        result.update(seconds=time.perf_counter() - start)
        assert got == size
    elif case == "minio-get-raw":
        client = _minio_client(endpoint)
        start = time.perf_counter()
        response = client.get_object(BUCKET, PLATFORM_KEY)
        try:
            got = sum(len(chunk) for chunk in response.stream(READ_BLOCK))
        finally:
            response.close()
            response.release_conn()
        result.update(seconds=time.perf_counter() - start)
        assert got == size
    elif case == "sha256":
        digest = hashlib.sha256()
        start = time.perf_counter()
        for chunk in payload_chunks(size):
            digest.update(chunk)
        result.update(seconds=time.perf_counter() - start)
    elif case == "generator":
        stream = GeneratorStream(payload_chunks(size))
        start = time.perf_counter()
        while stream.read(READ_BLOCK):
            pass
        result.update(seconds=time.perf_counter() - start)
    else:
        raise SystemExit(f"unknown case {case!r}")
    return result


# -- orchestration -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("moto server exited at start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("moto server did not start within 30 s")


def measure(case: str, args, workdir: Path, endpoint: str | None) -> dict:
    cmd = [
        sys.executable, __file__, "--worker", case, "--size-mb", str(args.size_mb),
        "--part-mb", str(args.part_mb), "--workdir", str(workdir),
    ]
    if endpoint:
        cmd += ["--endpoint", endpoint]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{case} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["mb_s"] = args.size_mb * MiB / 1e6 / result["seconds"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=200, help="object size in MiB (default 200)")
    parser.add_argument("--part-mb", type=int, default=16, help="MinIO multipart part size (default 16)")
    parser.add_argument("--skip-minio", action="store_true", help="file backend only")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = args.size_mb * MiB

    if args.worker:
        print(json.dumps(run_case(args.worker, size, Path(args.workdir), args.endpoint, args.part_mb)))
        return 0

    t0 = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    moto = None
    results: dict[str, dict] = {}
    try:
        for case in ("generator", "sha256", "file-put-raw", "file-put-platform",
                     "file-put-platform-nofsync", "file-get-raw", "file-get-platform"):
            results[case] = measure(case, args, workdir, None)
        if not args.skip_minio:
            moto, endpoint = start_moto()
            from minio import Minio

            Minio(endpoint, "bench", "bench", secure=False).make_bucket(BUCKET)
            for case in ("minio-put-raw", "minio-put-raw-sequential", "minio-put-platform",
                         "minio-get-raw", "minio-get-platform"):
                results[case] = measure(case, args, workdir, endpoint)
    finally:
        if moto is not None:
            moto.terminate()
            moto.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"storage benchmark: {args.size_mb} MiB object, minio part size {args.part_mb} MiB, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"reference: payload generator alone {results['generator']['mb_s']:.0f} MB/s, "
          f"sha256 alone {results['sha256']['mb_s']:.0f} MB/s")
    print()
    header = (
        f"{'operation':<11} {'platform MB/s':>13} {'raw MB/s':>9} {'ratio':>6}   "
        "put peak RSS growth (platform / raw)"
    )
    print(header)
    print("-" * len(header))
    rows = [("file put", "file-put"), ("file get", "file-get")]
    if not args.skip_minio:
        rows += [("minio put", "minio-put"), ("minio get", "minio-get")]
    for label, prefix in rows:
        platform, raw = results[f"{prefix}-platform"], results[f"{prefix}-raw"]
        memory = ""
        if "rss_mib" in platform:
            memory = f"{platform['rss_mib']:.1f} MiB / {raw['rss_mib']:.1f} MiB ({platform['rss_method']})"
        print(f"{label:<11} {platform['mb_s']:>13.0f} {raw['mb_s']:>9.0f} "
              f"{platform['mb_s'] / raw['mb_s']:>6.2f}   {memory}")
    print()
    extra = results["file-put-platform-nofsync"]
    print(f"reference: file put, platform with fsync=False: {extra['mb_s']:.0f} MB/s "
          f"(ratio {extra['mb_s'] / results['file-put-raw']['mb_s']:.2f})")
    if not args.skip_minio:
        extra = results["minio-put-raw-sequential"]
        print(f"reference: minio put, raw SDK with num_parallel_uploads=1: {extra['mb_s']:.0f} MB/s, "
              f"peak RSS growth {extra['rss_mib']:.1f} MiB")
    print()
    print("file put raw = shutil.copyfileobj, no fsync; platform adds sha256, size limit, fsync, rename.")
    if not args.skip_minio:
        print("minio put raw = SDK put_object(length=-1) with its default 3 parallel part uploads;")
        print("  the platform uploads parts one at a time (see minio_backend.py) and hashes the stream.")
        print("minio runs against moto's Python S3 server (its own process): the figures say more")
        print("  about moto than about a real MinIO.")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

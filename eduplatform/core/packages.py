"""Packages: a ZIP with ``manifest.json`` listing each file's path, size and SHA-256, optionally signed.

Domain-agnostic; used by the offline resource packages (``resources/packages.py``) and the portal's
ferry between the internal and the external network (``portal/services/ferry.py``). Reading checks
the whole archive before the caller writes anything: the archive inspector's limits (zip bomb,
links, nesting), a member path leaving the package, a file not in the manifest, a checksum or a size
that does not match, and — for a signed package — the HMAC-SHA256 of the manifest's exact bytes
(``manifest.sig``, hex), compared in constant time. Every refusal is a ``PackageError`` with its
reason in Chinese.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eduplatform.core.storage import inspect

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


class PackageError(Exception):
    """A package refused; ``reason`` says why (Chinese, for the person and the log)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def zip_time() -> tuple:
    now = datetime.now(UTC)
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def safe_member(name: str) -> bool:
    """A relative path inside the package: no absolute path, drive, backslash, ``..`` or empty part."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name.split("/", 1)[0]:
        return False
    return all(part not in ("", ".", "..") for part in name.rstrip("/").split("/"))


def sign(data: bytes, key: str | bytes) -> str:
    """HMAC-SHA256 of ``data`` (hex)."""
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    data = bytearray()
    with archive.open(info) as member:
        while block := member.read(64 * 1024):
            data += block
            if len(data) > limit:
                raise PackageError(f"条目“{info.filename[:80]}”实际大小超过声明")
    return bytes(data)


def hash_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    """sha256 and size of a member, reading at most its declared size (headers can lie)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as member:
            while block := member.read(1024 * 1024):
                size += len(block)
                if size > info.file_size:
                    raise PackageError(f"条目“{info.filename[:80]}”实际大小超过声明（疑似压缩炸弹）")
                digest.update(block)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise PackageError(f"条目“{info.filename[:80]}”已损坏") from exc
    return digest.hexdigest(), size


@dataclass
class OpenedPackage:
    archive: zipfile.ZipFile
    manifest: dict
    manifest_bytes: bytes
    names: set[str] = field(default_factory=set)


def open_package(fileobj, *, fmt: str, version: int, what: str = "包", limits=None,
                 key: str | bytes | None = None) -> OpenedPackage:
    """Inspect the archive, read and parse its manifest, check its format/version (and signature when
    ``key`` is given). The files are checked by ``verify_files``."""
    try:
        inspect.inspect_zip(fileobj, what=what, limits=limits)
    except inspect.ArchiveRefused as exc:
        raise PackageError(exc.reason) from None
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PackageError("不是有效的 ZIP 文件") from exc
    names = {info.filename for info in archive.infolist()}
    if MANIFEST not in names:
        raise PackageError("缺少 manifest.json")
    manifest_info = archive.getinfo(MANIFEST)
    if manifest_info.file_size > MAX_MANIFEST_BYTES:
        raise PackageError("manifest.json 过大")
    raw = read_limited(archive, manifest_info, MAX_MANIFEST_BYTES)
    if key is not None:
        if SIGNATURE not in names:
            raise PackageError("缺少签名 manifest.sig")
        given = read_limited(archive, archive.getinfo(SIGNATURE), 256).decode("ascii", "replace").strip()
        if not hmac.compare_digest(given, sign(raw, key)):
            raise PackageError("签名不符（清单被改动或密钥不对）")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError("manifest.json 不是有效的 JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != fmt or manifest.get("version") != version:
        raise PackageError(f"不是本平台的{what}（format/version 不符）")
    return OpenedPackage(archive, manifest, raw, names)


def verify_files(package: OpenedPackage, files: dict[str, tuple[str, int | None]]) -> None:
    """Each listed member ({path: (sha256, size or None)}) exists, has a safe path and its checksum and
    size; no member is outside the list (besides the manifest and its signature)."""
    archive, names = package.archive, package.names
    for path, (digest, _size) in files.items():
        if not isinstance(path, str) or not safe_member(path) or path not in names or path in (MANIFEST, SIGNATURE):
            raise PackageError(f"引用的文件“{str(path)[:80]}”不存在或路径不安全")
        if not isinstance(digest, str) or len(digest) != 64:
            raise PackageError(f"文件“{path[:80]}”缺少 sha256 校验值")
    extra = names - set(files) - {MANIFEST, SIGNATURE} - {n for n in names if n.endswith("/")}
    if extra:
        raise PackageError(f"包含清单以外的文件“{min(extra)[:80]}”")
    for path in sorted(files):
        expected, declared = files[path]
        digest, size = hash_member(archive, archive.getinfo(path))
        if digest != expected:
            raise PackageError(f"文件“{path[:80]}”校验和不符")
        if declared not in (None, size):
            raise PackageError(f"文件“{path[:80]}”大小与清单不符")


class PackageWriter:
    """Write a package: ``add_file`` streams a member and returns its (sha256, size); ``close`` writes
    the manifest (and its signature when a key is given)."""

    def __init__(self, path, *, key: str | bytes | None = None):
        self.archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.key = key
        self.files: dict[str, dict] = {}

    def add_file(self, member: str, chunks, *, compress: bool = True) -> dict:
        if member in self.files:
            return self.files[member]
        info = zipfile.ZipInfo(member, date_time=zip_time())
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        digest, size = hashlib.sha256(), 0
        with self.archive.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.files[member] = {"path": member, "sha256": digest.hexdigest(), "size": size}
        return self.files[member]

    def close(self, manifest: dict) -> bytes:
        raw = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        self.archive.writestr(MANIFEST, raw)
        if self.key is not None:
            self.archive.writestr(SIGNATURE, sign(raw, self.key))
        self.archive.close()
        return raw

    def abort(self) -> None:
        self.archive.close()

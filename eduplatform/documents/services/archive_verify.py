"""Verification of the 归档 packages (``archive_package``): every checksum of both BagIt manifests, and
of each 件 inside a year export, with what is missing, changed or not listed said in Chinese."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.signals import audit
from eduplatform.core.storage.inspect import inspect_bytes
from eduplatform.documents.services.archive_package import MANIFEST, TAG_FILES, TAGMANIFEST

MAX_VERIFY_BYTES = 500 * 1024**2


# --- verification --------------------------------------------------------------------------------

@dataclass
class VerifyReport:
    """What ``verify`` found: ``problems`` in Chinese (empty: intact), and how many files it checked."""

    problems: list[str] = field(default_factory=list)
    checked: int = 0
    items: int = 0
    identifier: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        if self.ok:
            what = f"（含 {self.items} 件）" if self.items else ""
            return f"校验通过：{self.checked} 个文件与清单一致{what}"
        return f"校验未通过：发现 {len(self.problems)} 处问题"


def _parse_manifest(text: bytes, name: str, report: VerifyReport, prefix: str) -> dict[str, str]:
    entries = {}
    for n, line in enumerate(text.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
            report.problems.append(f"{prefix}{name} 第 {n} 行格式有误")
            continue
        entries[parts[1].strip()] = parts[0].lower()
    return entries


def _member(archive: zipfile.ZipFile, name: str, present) -> bytes:
    """A tag file's bytes (empty when absent or unreadable: the tag manifest then reports it)."""
    if name not in present:
        return b""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        return b""


def _verify_zip(data: bytes, report: VerifyReport, prefix: str = "") -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        report.problems.append(f"{prefix}不是有效的 ZIP 文件")
        return
    with archive:
        present = {i.filename: i for i in archive.infolist() if not i.is_dir()}
        for required in ("bagit.txt", MANIFEST):
            if required not in present:
                report.problems.append(f"{prefix}缺少 {required}，不是归档数据包或清单已丢失")
        if MANIFEST not in present:
            return
        info = _member(archive, "bag-info.txt", present).decode("utf-8", "replace")
        ident = re.search(r"^External-Identifier:\s*(.+)$", info, re.MULTILINE)
        if not prefix and ident:
            report.identifier = ident.group(1).strip()
        listed = _parse_manifest(_member(archive, MANIFEST, present), MANIFEST, report, prefix)
        tags = _parse_manifest(_member(archive, TAGMANIFEST, present), TAGMANIFEST, report, prefix)
        if TAGMANIFEST not in present:
            report.problems.append(f"{prefix}缺少 {TAGMANIFEST}")
        for path, digest in [*tags.items(), *listed.items()]:
            report.checked += 1
            if path not in present:
                report.problems.append(f"{prefix}缺少文件：{path}")
                continue
            try:
                content = archive.read(path)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
                report.problems.append(f"{prefix}文件已损坏：{path}（数据与压缩包的 CRC 校验不符）")
                continue
            if hashlib.sha256(content).hexdigest() != digest:
                which = "清单文件" if path in TAG_FILES else "文件"
                report.problems.append(f"{prefix}{which}已被改动：{path}（SHA-256 与清单不符）")
            if path.startswith("data/items/") and path.endswith(".zip"):  # a changed 件: say what changed in it
                report.items += 1
                name = path.removeprefix("data/items/").removesuffix(".zip")
                _verify_zip(content, report, prefix=f"{prefix}件 {name}：")
        for path in sorted(set(present) - set(listed) - set(tags) - {TAGMANIFEST}):
            report.problems.append(f"{prefix}清单外的文件：{path}")


def verify(package_bytes: bytes, *, actor=None, audited: bool = True) -> VerifyReport:
    """Check every checksum of a 件's package or a year export (the 件 inside it too)."""
    if len(package_bytes) > MAX_VERIFY_BYTES:
        raise ValidationFailed(f"文件超过 {MAX_VERIFY_BYTES // 1024**2} MB，无法在线校验", code="too_large")
    inspect_bytes(package_bytes, what="归档数据包")  # a bomb or a path trick is refused (422) before reading
    report = VerifyReport()
    _verify_zip(package_bytes, report)
    if audited:
        audit("documents", "document.archive_verified", f"校验归档数据包{report.identifier}：{report.label}",
              actor=actor, data={"sha256": hashlib.sha256(package_bytes).hexdigest(), "ok": report.ok,
                                 "problems": report.problems[:20]})
    return report

"""The archive and upload inspector: each refusal with its Chinese reason, and what it lets through."""

from __future__ import annotations

import io
import stat
import struct
import zipfile

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import (
    ArchiveLimits,
    ArchiveRefused,
    UploadRefused,
    check_upload_head,
    inspect_bytes,
)
from eduplatform.core.text.xml import parse_xml

MiB = 1024 * 1024


def make_zip(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for member in members:
            if isinstance(member, zipfile.ZipInfo):
                archive.writestr(member, b"target")
            else:
                name, data = member
                archive.writestr(name, data)
    return buffer.getvalue()


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' flag bit in every local and central header."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            flags = struct.unpack_from("<H", out, start + offset)[0]
            struct.pack_into("<H", out, start + offset, flags | 0x1)
            start += 4
    return bytes(out)


LIMITS = ArchiveLimits(max_entries=50, max_expanded_bytes=8 * MiB, max_ratio=100, max_depth=1)


def test_an_ordinary_office_document_passes():
    docx = make_zip([("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
                     ("word/document.xml", "<w:document>二次函数</w:document>".encode()),
                     ("word/embeddings/sheet.xlsx", make_zip([("xl/workbook.xml", b"<workbook/>")]))])
    checked = inspect_bytes(docx, limits=LIMITS)
    assert set(checked.members) == {"[Content_Types].xml", "word/document.xml", "word/embeddings/sheet.xlsx"}
    assert checked.nested == ["word/embeddings/sheet.xlsx"]


@pytest.mark.parametrize("data, reason", [
    (make_zip([("../../etc/passwd", b"x")]), "跳出解压目录"),
    (make_zip([("a/../../x", b"x")]), "跳出解压目录"),
    (make_zip([("/etc/passwd", b"x")]), "绝对路径"),
    (make_zip([("C:/Windows/evil.dll", b"x")]), "绝对路径"),
    (make_zip([("..\\..\\evil.txt", b"x")]), "跳出解压目录"),
    (make_zip([("a\x01b.txt", b"x")]), "控制字符"),
    (make_zip([symlink("link")]), "符号链接"),
    (make_zip([("same.txt", b"1"), ("same.txt", b"2")]), "重复出现"),
    (make_zip([(f"f{i}.txt", b"x") for i in range(51)]), "条目数 51 超过上限 50"),
    (make_zip([("zeros.bin", b"\0" * (2 * MiB))]), "压缩比异常"),
    (make_zip([(f"z{i}.bin", b"\0" * MiB) for i in range(9)], zipfile.ZIP_STORED), "解压后超过 8 MB 上限"),
    (encrypted(make_zip([("secret.txt", b"x")], zipfile.ZIP_STORED)), "已加密"),
    (make_zip([("[Content_Types].xml", b'<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><t>&x;</t>')]),
     "XML 实体"),
    (make_zip([("a.zip", make_zip([("b.zip", make_zip([("c.txt", b"x")]))]))]), "嵌套压缩包层数超过 1 层"),
    (make_zip([("inner.docx", make_zip([("../evil", b"x")]))]), "跳出解压目录"),
    (b"PK\x03\x04 not really a zip", "不是有效的 ZIP 文件"),
])
def test_hostile_archives_are_refused_with_the_reason(data, reason):
    with pytest.raises(ArchiveRefused) as refused:
        inspect_bytes(data, limits=LIMITS, what="课件")
    assert refused.value.status == 422 and refused.value.message.startswith("课件")
    assert "未通过安全检查：" in refused.value.message  # a nested archive is named: 课件中的“a.zip”…
    assert reason in refused.value.message


def test_overlapping_entries_are_a_bomb():
    """Fifield's non-recursive bomb: many central-directory entries pointing at the same data."""
    data = bytearray(make_zip([("a.txt", b"hello"), ("b.txt", b"hello")], zipfile.ZIP_STORED))
    second = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 42, 0)  # b.txt's local header offset := a.txt's
    with pytest.raises(ArchiveRefused, match="重叠"):
        inspect_bytes(bytes(data), limits=LIMITS)


@pytest.mark.parametrize("name, head, reason", [
    ("讲义.pdf", b"MZ\x90\x00" + b"\0" * 60, "可执行程序"),
    ("photo.png", b"<!DOCTYPE html><html><script>", "与实际内容（网页）不符"),
    ("课件.pptx", "这是一段纯文本的内容 text".encode(), "与实际内容（纯文本）不符"),
    ("a\x00.pdf", b"%PDF-1.7", "控制字符"),
    ("长" * 90 + ".pdf", b"%PDF-1.7", "文件名过长"),
])
def test_lying_uploads_are_refused(name, head, reason):
    with pytest.raises(UploadRefused, match=reason):
        check_upload_head(name, head)


def test_honest_uploads_pass():
    assert check_upload_head("讲义.pdf", b"%PDF-1.7\n") == "pdf"
    assert check_upload_head("notes.txt", "备课笔记".encode()) == "text"
    assert check_upload_head("script.js", b"console.log(1)") == "text"  # no signature to contradict


def test_xml_with_entity_declarations_is_refused():
    with pytest.raises(ValidationFailed, match="XML 实体") as refused:
        parse_xml(b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaa">]><q>&a;</q>', "Moodle XML")
    assert refused.value.code == "xml_entities_refused"
    assert parse_xml(b"<quiz><question/></quiz>").tag == "quiz"


# -- inspect_upload: one uploaded file ---------------------------------------------------------

class OneWayStream:
    """A request body being parsed: read() only, no seek."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)
        self.filename = None

    def read(self, n=-1):
        return self._data.read(min(n, 1000) if n and n > 0 else n)  # short reads, as a socket gives


def test_inspect_upload_reports_kind_size_and_head_without_consuming_a_spooled_file():
    from werkzeug.datastructures import FileStorage

    from eduplatform.core.storage.inspect import inspect_upload

    data = b"%PDF-1.4\n" + b"x" * 20_000
    upload = FileStorage(io.BytesIO(data), filename="通知.PDF")
    inspected = inspect_upload(upload, allowed={"pdf"}, max_bytes=len(data))
    assert (inspected.filename, inspected.extension, inspected.kind) == ("通知.PDF", "pdf", "pdf")
    assert inspected.size == len(data) and inspected.head == data[:8192]
    assert inspected.stream is upload.stream and upload.stream.read() == data  # not consumed


def test_inspect_upload_replays_the_head_of_a_stream_it_cannot_rewind():
    from eduplatform.core.storage.inspect import inspect_upload

    data = bytes(range(256)) * 100
    inspected = inspect_upload(OneWayStream(b"PK\x03\x04" + data), filename="课件.zip", check_type=False)
    assert inspected.size is None and inspected.kind == "zip" and len(inspected.head) == 8192
    assert inspected.stream.read(-1) == b"PK\x03\x04" + data


def test_inspect_upload_refusals_and_their_words():
    from eduplatform.core.errors import AppError
    from eduplatform.core.storage.inspect import UploadRefusals, inspect_upload

    def refusal(upload, **options):
        with pytest.raises(AppError) as caught:
            inspect_upload(upload, **options)
        return caught.value

    assert refusal(None).code == "file_missing"
    assert refusal(io.BytesIO(b"x"), filename="").message == "请选择要上传的文件"
    assert refusal(io.BytesIO(b"x"), filename="a\x00.pdf").code == "bad_filename"
    wrong = refusal(io.BytesIO(b"%PDF-1.4"), filename="a.exe.pdf", allowed={"docx", "xlsx"})
    assert wrong.code == "unsupported_format" and "docx、xlsx" in wrong.message
    assert refusal(io.BytesIO(b""), filename="a.pdf", allow_empty=False).message == "上传的文件是空的"
    assert refusal(io.BytesIO(b"MZ\x90\x00"), filename="a.pdf").code == "executable_refused"
    assert refusal(io.BytesIO(b"<html><body>"), filename="a.png").code == "type_mismatch"
    big = refusal(io.BytesIO(b"%PDF-" + b"x" * 2048), filename="a.pdf", max_bytes=1024)
    assert big.status == 413 and "文件超过大小上限（1.0 KB）" == big.message
    # The type check can be left to a domain's own format list; the size then is still checked.
    assert inspect_upload(io.BytesIO(b"<html>"), filename="a.png", check_type=False).kind == "html"

    class Worded(UploadRefusals):
        def not_allowed(self, extension, allowed):
            return ValidationFailed(f"本栏只收 {'、'.join(sorted(allowed))}，不收 .{extension}")

    assert refusal(io.BytesIO(b"x"), filename="a.txt", allowed={"pdf"}, refusals=Worded()).message == \
        "本栏只收 pdf，不收 .txt"

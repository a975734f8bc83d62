"""verify: every checksum of a package is checked and what is wrong is named; the year export (移交)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.registry import get_storage
from eduplatform.documents.services import archive as service
from eduplatform.documents.services.archive_package import export_year
from eduplatform.documents.services.archive_verify import verify


def _bytes(item) -> bytes:
    return b"".join(get_storage().open(item.package_key))


def _rewrite(data: bytes, *, change: dict | None = None, drop: set | None = None, add: dict | None = None) -> bytes:
    """The same ZIP with members replaced, left out or added (each member's CRC consistent)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in (drop or set()):
                continue
            target.writestr(info, (change or {}).get(info.filename, source.read(info)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


@pytest.fixture
def item(bureau, dispatched):
    made = service.archive(dispatched(), bureau.clerk)
    db.session.commit()
    return made


def test_an_intact_package_passes(item):
    report = verify(_bytes(item))
    assert report.ok and report.checked == 11 and report.identifier == item.archival_code
    assert report.label.startswith("校验通过")


def test_a_changed_byte_is_named(item):
    data = _bytes(item)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read("data/body/final.txt")
        pdf_info = archive.getinfo("data/sealed.pdf")
    changed = bytearray(text)
    changed[0] ^= 0x01
    report = verify(_rewrite(data, change={"data/body/final.txt": bytes(changed)}))
    assert not report.ok
    assert report.problems == ["文件已被改动：data/body/final.txt（SHA-256 与清单不符）"]
    # one byte flipped in the ZIP itself (the sealed PDF is stored uncompressed): found too
    raw = bytearray(data)
    offset = pdf_info.header_offset + 30 + len(pdf_info.filename.encode()) + len(pdf_info.extra) + 100
    raw[offset] ^= 0xFF
    report = verify(bytes(raw))
    assert report.problems == ["文件已损坏：data/sealed.pdf（数据与压缩包的 CRC 校验不符）"]


def test_a_missing_file_an_extra_file_and_a_changed_manifest_are_named(item):
    data = _bytes(item)
    report = verify(_rewrite(data, drop={"data/sealed.pdf"}, add={"data/extra.txt": b"x"}))
    assert report.problems == ["缺少文件：data/sealed.pdf", "清单外的文件：data/extra.txt"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = archive.read("manifest-sha256.txt")
    report = verify(_rewrite(data, change={"manifest-sha256.txt": manifest.replace(b"data/form.html", b"data/x.html")}))
    assert "清单文件已被改动：manifest-sha256.txt（SHA-256 与清单不符）" in report.problems
    assert "缺少文件：data/x.html" in report.problems and "清单外的文件：data/form.html" in report.problems
    assert verify(_rewrite(data, drop={"manifest-sha256.txt"})).problems[0].startswith("缺少 manifest-sha256.txt")


def test_what_is_not_a_zip_is_refused():
    with pytest.raises(ValidationFailed, match="ZIP"):
        verify(b"not a zip at all")


def test_the_year_export_holds_every_package_and_the_catalogue(app, bureau, dispatched, done_incoming):
    items = [service.archive(dispatched(), bureau.clerk), service.archive(done_incoming(), bureau.clerk),
             service.archive(dispatched(doctype="decision", title="关于表彰的决定"), bureau.clerk)]
    db.session.commit()
    year = items[0].year
    assert {i.year for i in items} == {year}
    data = export_year(bureau.city, year, actor=bureau.clerk)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {f"data/items/{i.archival_code}.zip" for i in items} <= names
        for i in items:
            assert archive.read(f"data/items/{i.archival_code}.zip") == _bytes(i)
        rows = list(csv.DictReader(io.StringIO(archive.read("data/catalogue.csv").decode("utf-8-sig"))))
        catalogue = archive.read("data/catalogue.xml").decode()
    assert [r["档号"] for r in rows] == [items[2].archival_code, items[0].archival_code, items[1].archival_code]
    assert [r["序号"] for r in rows] == ["1", "2", "3"]  # 永久 first, then 定期30年 by 机构 (基础教育处) and 件号
    by_code = {r["档号"]: r for r in rows}
    decision = by_code[items[2].archival_code]
    assert decision["保管期限"] == "永久" and decision["题名"] == "关于表彰的决定" and decision["责任者"] == "示范市教育局"
    assert decision["文号"] == items[2].doc_number and decision["页数"] == str(items[2].pages)
    assert by_code[items[1].archival_code]["责任者"] == "省教育厅"
    assert '件数="3"' in catalogue and items[0].archival_code in catalogue
    report = verify(data)
    assert report.ok and report.items == 3
    # a changed byte inside one 件 of the export is found and the 件 named
    inner = f"data/items/{items[0].archival_code}.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        package = archive.read(inner)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        form = archive.read("data/form.html")
    tampered = _rewrite(package, change={"data/form.html": form.replace("归档".encode(), "改过".encode(), 1)})
    report = verify(_rewrite(data, change={inner: tampered}))
    assert f"文件已被改动：{inner}（SHA-256 与清单不符）" in report.problems
    assert "件 " + items[0].archival_code + "：文件已被改动：data/form.html（SHA-256 与清单不符）" in report.problems


def test_the_cli_exports_and_verifies(app, bureau, dispatched, tmp_path):
    item = service.archive(dispatched(), bureau.clerk)
    db.session.commit()
    out = tmp_path / "year.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["documents", "archive-export", "--org", "city", "--year", str(item.year), str(out)])
    assert result.exit_code == 0, result.output
    assert "已导出示范市教育局" in result.output and out.is_file()
    result = runner.invoke(args=["documents", "archive-verify", str(out)])
    assert result.exit_code == 0 and "校验通过" in result.output and "含 1 件" in result.output
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_rewrite(out.read_bytes(), drop={"data/catalogue.csv"}))
    result = runner.invoke(args=["documents", "archive-verify", str(bad)])
    assert result.exit_code == 1 and "缺少文件：data/catalogue.csv" in result.output
    result = runner.invoke(args=["documents", "archive-export", "--org", "nowhere", "--year", "2026", str(out)])
    assert result.exit_code != 0 and "没有代码为 nowhere 的单位" in result.output

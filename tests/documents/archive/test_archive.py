"""归档: a finished 公文 becomes a 件 with a gapless 件号, its 档号 and a package whose every file is checked."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.registry import get_storage
from eduplatform.documents.models import ArchiveCounter, ArchiveItem
from eduplatform.documents.services import archive as service
from eduplatform.documents.services import archive_package, outgoing
from eduplatform.documents.services.archive_verify import verify
from tests.documents.archive.conftest import walk_outgoing


def _package(item) -> zipfile.ZipFile:
    data = b"".join(get_storage().open(item.package_key))
    assert hashlib.sha256(data).hexdigest() == item.package_sha256
    return zipfile.ZipFile(io.BytesIO(data))


def _kinds(document):
    return list(db.session.scalars(sa.select(AuditEntry.kind).where(
        AuditEntry.object_type == "document", AuditEntry.object_id == str(document.id),
        AuditEntry.kind.like("document.archive%")).order_by(AuditEntry.id)))


def test_a_dispatched_outgoing_document_is_archived_with_its_package(bureau, dispatched):
    document = dispatched()
    item = service.archive(document, bureau.clerk)
    db.session.commit()
    year = document.written_on.year
    assert item.retention == "定期30年" and item.retention_rule == "out-notice"
    assert item.department_code == "city-basic" and item.item_number == 1
    assert item.archival_code == f"city-WS·{year}-D30-city-basic-0001"
    assert item.doc_number == document.doc_number and item.responsible == "示范市教育局" and item.pages >= 1
    package = _package(item)
    names = set(package.namelist())
    assert {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "data/form.html",
            "data/metadata.xml", "data/sealed.pdf", "data/body/final.txt", "data/body/versions/0001.txt",
            "data/body/versions/0002.txt", "data/body/versions.xml", "data/process/events.xml"} <= names
    sealed = b"".join(get_storage().open(document.sealed_file_key))
    assert package.read("data/sealed.pdf") == sealed
    assert package.read("data/body/final.txt").decode().endswith("二、落实值班制度。")
    assert "二、落实值班制度" not in package.read("data/body/versions/0001.txt").decode()
    manifest = dict(reversed(line.split("  ", 1)) for line in package.read("manifest-sha256.txt").decode().splitlines())
    assert set(manifest) == {n for n in names if n.startswith("data/")}
    for path, digest in manifest.items():
        assert hashlib.sha256(package.read(path)).hexdigest() == digest
    metadata = package.read("data/metadata.xml").decode()
    assert f"<档号>{item.archival_code}" in metadata and "<保管期限>定期30年</保管期限>" in metadata
    assert "<件号>0001</件号>" in metadata and document.doc_number in metadata
    events = package.read("data/process/events.xml").decode()
    assert '至="dispatched"' in events and "核发 →「核发」→ 已核发" in events and '办理人="clerk" 姓名="周秘书"' in events
    assert '姓名="王局长"' in events and "签发" in events
    assert "归档文件登记表" in package.read("data/form.html").decode()
    versions = package.read("data/body/versions.xml").decode()
    assert '作者="李科员"' in versions and '作者="陈处长" 说明="核稿补充" 清稿="是"' in versions
    assert _kinds(document) == ["document.archived", "document.archive_packaged"]
    assert verify(b"".join(get_storage().open(item.package_key))).ok


def test_a_done_incoming_document_is_archived(bureau, done_incoming):
    handled, read_only = done_incoming(), done_incoming("阅知件", title="关于印发教育统计手册的通知")
    first, second = service.archive(handled, bureau.clerk), service.archive(read_only, bureau.clerk)
    db.session.commit()
    assert (first.retention, first.retention_rule) == ("定期30年", "in-higher")  # 省教育厅: higher, to be handled
    assert (second.retention, second.retention_rule) == ("定期10年", "in-higher-read")
    assert first.department_code == "city-basic"  # the 主办科室
    assert second.department_code == "city-office"  # a 阅知件 has none: the office
    assert first.responsible == "省教育厅" and first.doc_number == "某教发〔2026〕31号"
    names = set(_package(first).namelist())
    assert "data/sealed.pdf" not in names and "data/body/final.txt" in names


def test_item_numbers_have_no_gaps_within_a_class(bureau, dispatched):
    documents = [dispatched(title=f"关于第{n}项工作的通知") for n in range(3)]
    letter = dispatched(doctype="letter", title="关于商请协助的函")
    items = [service.archive(d, bureau.clerk) for d in documents]
    other = service.archive(letter, bureau.clerk)
    db.session.commit()
    assert [i.item_number for i in items] == [1, 2, 3] and other.item_number == 1 and other.retention == "定期10年"
    assert items[2].archival_code.endswith("-D30-city-basic-0003")
    # a refused 归档 rolled back gives its 件号 back
    failing = dispatched(title="关于回滚的通知")
    service.archive(failing, bureau.clerk)
    db.session.rollback()
    again = service.archive(failing, bureau.clerk)
    db.session.commit()
    assert again.item_number == 4
    assert db.session.scalar(sa.select(ArchiveCounter.last).where(ArchiveCounter.retention == "定期30年")) == 4


def test_unfinished_documents_and_others_are_refused_and_nothing_is_written(bureau, dispatched):
    document = outgoing.draft(bureau.drafter, elements={"doctype": "notice", "title": "未完成的通知",
                                                        "agency_code": "示教发"}, body="正文", flow={"reviewer": bureau.head.id})
    db.session.commit()
    walk_outgoing(bureau, document, until="dispatch")
    files_before = db.session.scalar(sa.select(sa.func.count(StoredFile.id)))
    with pytest.raises(Conflict, match="尚未核发"):
        service.archive(document, bureau.clerk)
    db.session.rollback()
    finished = dispatched()
    for user in (bureau.drafter, bureau.leader, bureau.head, bureau.district_staff, bureau.outsider):
        with pytest.raises(PermissionDenied, match="办公室"):
            service.archive(finished, user)
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(ArchiveItem.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ArchiveCounter.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == files_before + 0 + 1  # +1: the 2nd seal
    assert _kinds(finished) == []
    service.archive(finished, bureau.clerk)
    db.session.commit()
    with pytest.raises(Conflict, match="已归档"):
        service.archive(finished, bureau.clerk)


def test_retention_rule_and_override_with_a_reason(bureau, dispatched):
    decision = dispatched(doctype="decision", title="关于表彰先进集体的决定")
    assert service.propose_retention(decision).retention == "永久"
    notice = dispatched(title="关于召开会议的通知")
    with pytest.raises(ValidationFailed, match="须写明理由"):
        service.archive(notice, bureau.clerk, retention="定期10年")
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="保管期限只能是"):
        service.archive(notice, bureau.clerk, retention="五年", reason="x")
    db.session.rollback()
    item = service.archive(notice, bureau.clerk, retention="定期10年", reason="事务性会议通知")
    db.session.commit()
    assert (item.retention, item.retention_reason, item.retention_rule) == ("定期10年", "事务性会议通知", "out-notice")
    assert "-D10-" in item.archival_code
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "document.retention_overridden")).one()
    assert entry.data["proposed"] == "定期30年" and entry.data["chosen"] == "定期10年" and "事务性" in entry.summary
    assert "事务性会议通知" in _package(item).read("data/form.html").decode()
    permanent = service.archive(decision, bureau.clerk)
    db.session.commit()
    assert permanent.retention == "永久" and "-Y-" in permanent.archival_code and permanent.retention_reason is None


def test_configured_fonds_and_department_codes(app, bureau, dispatched, monkeypatch):
    monkeypatch.setitem(app.config, "DOC_ARCHIVE_FONDS", {"city": "J001"})
    monkeypatch.setitem(app.config, "DOC_ARCHIVE_DEPARTMENT_CODES", {"city-basic": "JCJY"})
    item = service.archive(dispatched(), bureau.clerk)
    assert item.archival_code == f"J001-WS·{item.year}-D30-JCJY-0001"


def test_the_sender_level_of_an_incoming_document_picks_the_rule(bureau):
    from eduplatform.documents.services import incoming

    def paper(source, doctype):
        document = incoming.register_paper(bureau.clerk, elements={"doctype": doctype, "title": f"{source}的{doctype}",
                                                                   "source_org_name": source})
        return service.propose_retention(document)

    # a unit the platform knows by name is placed by the tree; an unknown one by the words of the table
    assert paper("东湖区教育局", "request").id == "in-lower-request"
    assert paper("东湖区教育局", "report").retention == "定期10年"
    assert paper("示范市人民政府", "notice").id == "in-higher"
    assert paper("某县图书馆", "letter").id == "in-other"
    assert service.retention_table().default.retention == "定期10年"


def test_export_and_verify_are_audited(bureau, dispatched):
    item = service.archive(dispatched(), bureau.clerk)
    db.session.commit()
    data = archive_package.export_year(bureau.city, item.year, actor=bureau.clerk)
    verify(data, actor=bureau.clerk)
    entries = {e.kind: e for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.kind.in_(("document.archive_exported", "document.archive_verified"))))}
    assert entries["document.archive_exported"].data["items"] == 1
    assert entries["document.archive_verified"].data["ok"] is True and "校验通过" in entries["document.archive_verified"].summary


def test_attachments_are_in_the_package(bureau):
    from eduplatform.core.storage.services import store_file
    from eduplatform.documents.services import incoming

    scan = store_file(io.BytesIO(b"%PDF-1.4 scanned paper"), prefix="documents/scans", filename="来文扫描件.pdf",
                      content_type="application/pdf", actor=bureau.clerk)
    document = incoming.register_paper(bureau.clerk, elements={"doctype": "letter", "title": "关于商请支持的函",
                                                               "source_org_name": "某县图书馆"}, scan=scan)
    for key, data in (("register", None), ("pass_check", None),
                      ("propose", {"handling_kind": "阅知件", "proposal": "阅", "readers": [bureau.head.id]})):
        incoming.act(document, key, actor=bureau.clerk, data=data)
    db.session.commit()
    item = service.archive(document, bureau.clerk)
    db.session.commit()
    package = _package(item)
    assert package.read("data/attachments/01-来文扫描件.pdf") == b"%PDF-1.4 scanned paper"
    assert "data/body/final.txt" not in package.namelist()  # no 正文 typed in: none made up
    assert verify(b"".join(get_storage().open(item.package_key))).ok

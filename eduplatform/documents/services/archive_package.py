"""The 归档 packages: one ZIP per 件, one ZIP per unit and 年度 (移交), and their verification.

Both are BagIt bags (RFC 8493): ``bagit.txt``, ``bag-info.txt``, the payload under ``data/``,
``manifest-sha256.txt`` (the SHA-256 of every payload file) and ``tagmanifest-sha256.txt`` (of the
other three) — so any BagIt tool can check them, and ``archive_verify.verify`` says in Chinese which
file is missing, changed or not in the manifest.

A 件's payload::

    data/form.html              归档文件登记表: the elements, readable in a browser
    data/metadata.xml           the elements as metadata (below)
    data/sealed.pdf             the sealed PDF (用印), when there is one
    data/body/final.txt         the final 正文 (清稿; the last version if never 清稿'd)
    data/body/versions/0001.txt every 正文 version, one file each, and versions.xml listing them
    data/attachments/NN-name    the stored attachments (附件, a paper 来文's scan)
    data/process/events.xml     办理过程: the event flow of its 发文 / 收文 instance

``metadata.xml`` uses the namespace ``urn:eduplatform:archive:dat46:1``; its elements take their
Chinese names and grouping from DA/T 46-2009 《文书类电子文件元数据方案》 (文件实体: 聚合层次, 档号
with 全宗号 / 年度 / 保管期限 / 机构或问题 / 件号, 题名, 文件编号, 责任者, 日期, 文种, 紧急程度, 主送,
抄送, 密级, 保密期限, 页数, 附件; 业务实体: 办理过程; 机构人员实体: 归档人). It is modelled on that
scheme, not validated against a published schema.

The year export holds ``data/items/<档号>.zip`` (each 件's package as stored) and the 归档文件目录
(DA/T 22-2015 §5.5 编目: 序号, 档号, 文号, 责任者, 题名, 日期, 密级, 页数, 备注, plus 保管期限) as
``data/catalogue.xml`` and ``data/catalogue.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import datetime
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from markupsafe import escape

from eduplatform import workflow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.core.storage.registry import get_storage
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.documents.doctypes import get_doctype
from eduplatform.documents.models import RETENTIONS, ArchiveItem, Document
from eduplatform.documents.services import incoming, outgoing

NS = "urn:eduplatform:archive:dat46:1"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
TAG_FILES = ("bagit.txt", "bag-info.txt", MANIFEST)
BAGIT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _read(key: str) -> bytes:
    return b"".join(get_storage().open(key))


def _local(moment: datetime | None) -> datetime:
    moment = moment or datetime.now(LOCAL_TZ)
    if moment.tzinfo is None:
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).isoformat(timespec="seconds")
    return value.isoformat()


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _sub(parent: ET.Element, name: str, value=None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, name, {k: str(v) for k, v in attrs.items() if v is not None})
    if value is not None and value != "":
        element.text = str(value)
    return element


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", name or "").strip(" .") or "file"
    return cleaned[:100]


# --- the bag -------------------------------------------------------------------------------------

def _manifest(files: dict[str, bytes]) -> bytes:
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(files.items())).encode()


def bag(payload: dict[str, bytes], info: dict[str, str], moment: datetime) -> bytes:
    """A BagIt ZIP of ``payload`` (paths under ``data/``), with both manifests; entries dated ``moment``."""
    files = {f"data/{path}": data for path, data in payload.items()}
    tags = {"bagit.txt": BAGIT.encode(),
            "bag-info.txt": "".join(f"{k}: {v}\n" for k, v in info.items()).encode(),
            MANIFEST: _manifest(files)}
    tags[TAGMANIFEST] = _manifest(tags)
    stamp = _local(moment).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in [*sorted(tags.items()), *sorted(files.items())]:
            entry = zipfile.ZipInfo(path, date_time=stamp)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_STORED if path.endswith((".zip", ".pdf")) else zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return out.getvalue()


# --- one 件 --------------------------------------------------------------------------------------

def _instance(document: Document):
    return outgoing.instance_of(document) if document.direction == "out" else incoming.instance_of(document)


def _final(document: Document):
    return next((v for v in document.versions if v.is_final), None) or document.current_version


def _page_count(pdf: bytes) -> int | None:
    try:
        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception:  # noqa: BLE001 - a page count is a courtesy; the PDF itself is kept as it is
        return None


def _element_rows(item: ArchiveItem, document: Document) -> list[tuple[str, str]]:
    doctype = get_doctype(document.doctype)
    return [
        ("档号", item.archival_code), ("全宗号", item.fonds_code), ("年度", str(item.year)),
        ("保管期限", item.retention), ("机构或问题", item.department_name or ""), ("件号", f"{item.item_number:04d}"),
        ("题名", document.title), ("文件编号", item.doc_number or ""), ("责任者", item.responsible or ""),
        ("日期", _iso(item.doc_date)), ("文种", doctype.name if doctype else document.doctype),
        ("密级", document.secrecy or ""), ("保密期限", document.secrecy_term or ""),
        ("紧急程度", document.urgency or ""), ("主送", document.main_recipients or ""),
        ("抄送", document.cc_recipients or ""), ("附件说明", document.attachment_note or ""),
        ("收文号", document.receipt_number or ""), ("收文日期", _iso(document.received_on)),
        ("印发机关", document.printing_org or ""), ("印发日期", _iso(document.printed_on)),
        ("页数", str(item.pages or "")), ("附注", document.remark or ""),
        ("归档时间", _iso(item.archived_at)),
        ("归档人", item.archived_by.display_name if item.archived_by is not None else ""),
    ]


def _form_html(item: ArchiveItem, document: Document) -> bytes:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>\n" for k, v in _element_rows(item, document))
    reason = f"<p>保管期限改定理由：{escape(item.retention_reason)}</p>" if item.retention_reason else ""
    return (f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>归档文件登记表 '
            f"{escape(item.archival_code)}</title>\n<style>table{{border-collapse:collapse}}th,td{{border:1px solid #999;"
            f"padding:4px 8px;text-align:left}}</style></head>\n<body><h1>归档文件登记表</h1>\n<table>\n{rows}</table>"
            f"{reason}\n</body></html>\n").encode()


def _metadata_xml(item: ArchiveItem, document: Document, files: dict[str, bytes], events) -> bytes:
    ET.register_namespace("", NS)
    q = f"{{{NS}}}"
    root = ET.Element(f"{q}电子文件", {"版本": "1"})
    entity = _sub(root, f"{q}文件实体")
    _sub(entity, f"{q}聚合层次", "件")
    code = _sub(entity, f"{q}档号", item.archival_code)
    for name, value in (("全宗号", item.fonds_code), ("门类代码", "WS"), ("年度", item.year),
                        ("保管期限", item.retention), ("保管期限代码", item.retention_code),
                        ("机构或问题", item.department_name), ("机构或问题代码", item.department_code),
                        ("件号", f"{item.item_number:04d}")):
        _sub(code, f"{q}{name}", value)
    skip = {"档号", "全宗号", "年度", "保管期限", "机构或问题", "件号"}
    for name, value in _element_rows(item, document):
        if name not in skip and value:
            _sub(entity, f"{q}{name}", value)
    _sub(entity, f"{q}收发", "收文" if document.direction == "in" else "发文")
    if item.retention_rule:
        _sub(entity, f"{q}保管期限依据", item.retention_rule, 改定理由=item.retention_reason)
    computer = _sub(root, f"{q}计算机文件")
    for path, data in sorted(files.items()):
        _sub(computer, f"{q}文件", path, 字节数=len(data), SHA256=hashlib.sha256(data).hexdigest())
    if document.sealed_sha256:
        _sub(root, f"{q}电子签章", document.seal_ref or "", SHA256=document.sealed_sha256)
    business = _sub(root, f"{q}业务实体")
    for event in events:
        _sub(business, f"{q}办理过程", event.summary or event.transition or event.kind, 时间=_iso(event.created_at),
             行为=event.kind, 环节=event.from_state, 至=event.to_state, 责任人=event.actor_name)
    return _xml(root)


def _names(events) -> dict[int, str]:
    from eduplatform.accounts.models import User

    ids = {e.actor_id for e in events if e.actor_id}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}


def _events_xml(instance, events) -> bytes:
    root = ET.Element("办理过程", {"流程": instance.process_key if instance else "",
                                   "实例": str(instance.id) if instance else ""})
    names = _names(events)
    for event in events:
        node = _sub(root, "事件", 序号=event.id, 时间=_iso(event.created_at), 类型=event.kind,
                    操作=event.transition, 自=event.from_state, 至=event.to_state, 办理人=event.actor_name,
                    姓名=names.get(event.actor_id))
        _sub(node, "摘要", event.summary)
        if event.reason:
            _sub(node, "理由", event.reason)
        for name, change in sorted((event.changes or {}).items()):
            old, new = (change + [None, None])[:2] if isinstance(change, list) else (None, change)
            _sub(node, "字段", None if new is None else (new if isinstance(new, str) else repr(new)), 名称=name,
                 原值=None if old is None else (old if isinstance(old, str) else repr(old)))
    return _xml(root)


def _versions_xml(document: Document) -> bytes:
    from eduplatform.accounts.models import User

    root = ET.Element("正文版本")
    ids = {v.author_id for v in document.versions if v.author_id}
    names = dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    for version in document.versions:
        _sub(root, "版本", f"versions/{version.number:04d}.txt", 稿次=version.number, 保存时间=_iso(version.saved_at),
             作者=names.get(version.author_id), 说明=version.note, 清稿="是" if version.is_final else None,
             SHA256=hashlib.sha256(version.text.encode()).hexdigest())
    return _xml(root)


def build_item(item: ArchiveItem, document: Document) -> tuple[bytes, int | None]:
    """The 件's package and the page count of its sealed PDF (None without one)."""
    payload: dict[str, bytes] = {}
    pages = None
    if document.sealed_file_key:
        pdf = _read(document.sealed_file_key)
        payload["sealed.pdf"] = pdf
        pages = _page_count(pdf)
    final = _final(document)
    if final is not None:
        payload["body/final.txt"] = final.text.encode()
    for version in document.versions:
        payload[f"body/versions/{version.number:04d}.txt"] = version.text.encode()
    if document.versions:
        payload["body/versions.xml"] = _versions_xml(document)
    for n, attachment in enumerate(document.attachments or [], start=1):
        if attachment.get("key"):
            payload[f"attachments/{n:02d}-{_safe_name(attachment.get('name') or '')}"] = _read(attachment["key"])
    instance = _instance(document)
    events = workflow.events(instance) if instance is not None else []
    payload["process/events.xml"] = _events_xml(instance, events)
    item.pages = pages
    payload["form.html"] = _form_html(item, document)
    payload["metadata.xml"] = _metadata_xml(item, document, dict(payload), events)
    info = {"Source-Organization": document.org.name, "External-Identifier": item.archival_code,
            "External-Description": document.title, "Bagging-Date": _local(item.archived_at).date().isoformat(),
            "Payload-Oxum": f"{sum(len(d) for d in payload.values())}.{len(payload)}"}
    return bag(payload, info, item.archived_at), pages


# --- 移交: a unit's year --------------------------------------------------------------------------

CATALOGUE_COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "保管期限", "备注")


def _catalogue_rows(items: list[ArchiveItem]) -> list[dict]:
    return [{"序号": n, "档号": i.archival_code, "文号": i.doc_number or "", "责任者": i.responsible or "",
             "题名": i.title, "日期": i.doc_date.strftime("%Y%m%d") if i.doc_date else "", "密级": i.secrecy or "",
             "页数": i.pages or "", "保管期限": i.retention, "备注": i.retention_reason or ""}
            for n, i in enumerate(items, start=1)]


def export_year(unit, year: int, *, actor=None) -> bytes:
    """The unit's 件 of ``year`` for 移交: every package as stored, the 归档文件目录 and the manifests."""
    order = list(RETENTIONS)  # 永久, 定期30年, 定期10年: the longest first
    items = sorted(db.session.scalars(sa.select(ArchiveItem).where(ArchiveItem.org_id == unit.id,
                                                                   ArchiveItem.year == year)),
                   key=lambda i: (order.index(i.retention), i.department_code, i.item_number))
    rows = _catalogue_rows(items)
    payload: dict[str, bytes] = {}
    for item in items:
        data = _read(item.package_key)
        if hashlib.sha256(data).hexdigest() != item.package_sha256:
            raise ValidationFailed(f"归档数据包 {item.archival_code} 与归档时的校验值不符，已停止导出", code="package_changed")
        payload[f"items/{item.archival_code}.zip"] = data
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CATALOGUE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    payload["catalogue.csv"] = ("\ufeff" + text.getvalue()).encode()
    root = ET.Element("归档文件目录", {"全宗": unit.name, "年度": str(year), "件数": str(len(items))})
    for row in rows:
        entry = _sub(root, "条目")
        for column in CATALOGUE_COLUMNS:
            _sub(entry, column, row[column])
    payload["catalogue.xml"] = _xml(root)
    now = datetime.now(LOCAL_TZ)
    data = bag(payload, {"Source-Organization": unit.name, "External-Description": f"{unit.name}{year}年度文书档案",
                         "Bagging-Date": now.date().isoformat(), "Bag-Count": f"{len(items)} 件"}, now)
    audit("documents", "document.archive_exported", f"导出{unit.name}{year}年度归档文件（{len(items)} 件）",
          actor=actor, obj=unit, data={"year": year, "items": len(items), "sha256": hashlib.sha256(data).hexdigest()})
    return data

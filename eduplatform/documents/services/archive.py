"""归档 (DA/T 22-2015 《归档文件整理规则》): a finished 公文 becomes one 件 with its 档号 and package.

- Only a finished document: a 发文 once 核发 (``dispatched``), a 收文 once 办结 (``done``).
- Only the unit's archivist: the bureau staff of its 办公室 (``outgoing.office_of``), or a school's
  administrator for a school.
- 年度: the year the document was made (its 成文日期, DA/T 22-2015 §5.2 分类: 形成年度); a paper 收文
  typed in without one goes by the day it was received.
- 保管期限 from ``retention.yaml`` (by 文种, 发文 or 收文, the sender's level, 批办/阅知); the archivist
  may choose another with a reason (audited as ``document.retention_overridden``).
- 机构（问题）: the 科室 that drafted (发文) or handled (收文, the 主办科室) it, else the 办公室; a school
  has no 科室 and its 档号 leaves the class out (DA/T 22-2015 §5.4 编号: 机构（问题） is used only
  where the unit classifies by it).
- 件号: gapless within 年度 + 保管期限 + 机构, from a counter row taken ``FOR UPDATE`` (as the
  发文字号 in ``numbering.py``: a rolled-back 归档 gives its 件号 back).
- 档号: ``全宗号-WS·年度-保管期限代码-机构（问题）代码-件号`` (``Z109-WS·2026-Y-BGS-0001``); 全宗号 and
  机构代码 from ``DOC_ARCHIVE_FONDS`` / ``DOC_ARCHIVE_DEPARTMENT_CODES`` (unit code → code), else the
  unit's own code.
- The package (``archive_package.build_item``) is stored in the same transaction.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
import yaml
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.core.storage.services import store_file
from eduplatform.documents.models import RETENTIONS, ArchiveCounter, ArchiveItem, Document
from eduplatform.documents.services import exchange, incoming, outgoing
from eduplatform.documents.services.numbering import LOCAL
from eduplatform.orgs.models import OrgType, OrgUnit

#: the state in which each direction's flow is finished
FINISHED = {"out": "dispatched", "in": "done"}
CATEGORY = "WS"  # 文书档案 门类代码


@dataclass(frozen=True)
class RetentionRule:
    id: str
    retention: str
    note: str = ""
    direction: str | None = None
    doctypes: tuple[str, ...] = ()
    source: str | None = None
    handling: str | None = None

    def matches(self, facts: dict) -> bool:
        return ((self.direction is None or self.direction == facts["direction"])
                and (not self.doctypes or facts["doctype"] in self.doctypes)
                and (self.source is None or self.source == facts["source"])
                and (self.handling is None or self.handling == facts["handling"]))


@dataclass(frozen=True)
class RetentionTable:
    rules: tuple[RetentionRule, ...]
    default: RetentionRule
    higher_names: tuple[str, ...]


def _rule(row: dict) -> RetentionRule:
    if row.get("retention") not in RETENTIONS:
        raise ValueError(f"retention.yaml: 规则 {row.get('id')} 的保管期限“{row.get('retention')}”无效")
    return RetentionRule(id=row["id"], retention=row["retention"], note=row.get("note", ""),
                         direction=row.get("direction"), doctypes=tuple(row.get("doctypes") or ()),
                         source=row.get("source"), handling=row.get("handling"))


@cache
def retention_table() -> RetentionTable:
    data = yaml.safe_load(Path(__file__).parent.parent.joinpath("retention.yaml").read_text(encoding="utf-8"))
    return RetentionTable(rules=tuple(_rule(r) for r in data["rules"]), default=_rule(data["default"]),
                          higher_names=tuple(data.get("higher_names") or ()))


def _source_level(document: Document) -> str:
    """higher / lower / other: where a 收文 came from, relative to the receiving unit."""
    source = None
    if document.source_document_id:
        sent = db.session.get(Document, document.source_document_id)
        source = sent.org if sent is not None else None
    elif document.source_org_name:
        source = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.name == document.source_org_name).limit(1))
    unit = document.org
    if source is not None:
        source = source.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU, OrgType.SCHOOL) or source
        if source.id != unit.id and source.contains(unit):
            return "higher"
        if source.id != unit.id and unit.contains(source):
            return "lower"
        return "other"
    name = document.source_org_name or ""
    return "higher" if any(word in name for word in retention_table().higher_names) else "other"


def _flow_data(document: Document) -> dict:
    instance = outgoing.instance_of(document) if document.direction == "out" else incoming.instance_of(document)
    return dict(instance.data or {}) if instance is not None else {}


def propose_retention(document: Document) -> RetentionRule:
    """The rule of ``retention.yaml`` that applies to the document (the first that matches)."""
    facts = {"direction": document.direction, "doctype": document.doctype,
             "source": _source_level(document) if document.direction == "in" else None,
             "handling": _flow_data(document).get("handling_kind")}
    table = retention_table()
    return next((rule for rule in table.rules if rule.matches(facts)), table.default)


# --- who, what ----------------------------------------------------------------------------------

def can_archive_for(user, unit: OrgUnit | None) -> bool:
    """The unit's archivist is its 办公室 — the same people who sign for its 来文 (``exchange.clerk_unit``):
    a school's administrators, the bureau staff of the bureau's 办公室."""
    keeps = exchange.clerk_unit(user)
    return unit is not None and keeps is not None and keeps.id == unit.id


def archivist_unit(user) -> OrgUnit | None:
    """The unit whose archive ``user`` keeps (None: nobody's)."""
    return exchange.clerk_unit(user)


def is_finished(document: Document) -> bool:
    return document.state == FINISHED.get(document.direction)


def item_of(document: Document) -> ArchiveItem | None:
    return db.session.scalar(sa.select(ArchiveItem).where(ArchiveItem.document_id == document.id))


def can_archive(user, document: Document) -> bool:
    return is_finished(document) and item_of(document) is None and can_archive_for(user, document.org)


# --- the 件's elements ---------------------------------------------------------------------------

def _configured(name: str, unit: OrgUnit) -> str:
    return str((current_app.config.get(name) or {}).get(unit.code) or unit.code)


def fonds_code(unit: OrgUnit) -> str:
    return _configured("DOC_ARCHIVE_FONDS", unit)


def _department(document: Document) -> OrgUnit | None:
    unit = document.org
    if unit.type == OrgType.SCHOOL:
        return None
    data = _flow_data(document)
    key = "drafting_department" if document.direction == "out" else "lead_department"
    found = db.session.get(OrgUnit, int(data[key])) if data.get(key) else None
    if found is None or found.parent_id != unit.id:
        found = outgoing.office_of(unit)
    return found if found.id != unit.id else None


def archival_code(fonds: str, year: int, retention: str, department_code: str, number: int) -> str:
    """DA/T 22-2015 §5.4: 全宗号-门类代码·年度-保管期限代码-机构（问题）代码-件号 (机构 left out when none)."""
    parts = [fonds, f"{CATEGORY}·{year}", RETENTIONS[retention]]
    if department_code:
        parts.append(department_code)
    return "-".join([*parts, f"{number:04d}"])


def _year(document: Document) -> int:
    day = document.written_on or (document.received_on if document.direction == "in" else None)
    return day.year if day else local_year()


def _next_number(org_id: int, year: int, retention: str, department_code: str) -> int:
    values = {"org_id": org_id, "year": year, "retention": retention, "department_code": department_code, "last": 0}
    table = ArchiveCounter.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(table).values(**values).on_conflict_do_nothing(
        index_elements=["org_id", "year", "retention", "department_code"]))
    counter = db.session.execute(sa.select(ArchiveCounter).where(
        ArchiveCounter.org_id == org_id, ArchiveCounter.year == year, ArchiveCounter.retention == retention,
        ArchiveCounter.department_code == department_code).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    counter.last += 1
    return counter.last


# --- 归档 ----------------------------------------------------------------------------------------

def archive(document: Document, actor, retention: str | None = None, reason: str | None = None) -> ArchiveItem:
    """归档: the document becomes a 件 with its 件号, 档号 and stored package. Flushes; the caller commits."""
    locked = db.session.execute(sa.select(Document).where(Document.id == document.id).with_for_update()
                                .execution_options(populate_existing=True)).scalar_one()
    if not can_archive_for(actor, locked.org):
        raise PermissionDenied("只有本单位办公室的工作人员（学校为学校管理员）可以归档")
    if not is_finished(locked):
        what = "核发" if locked.direction == "out" else "办结"
        raise Conflict(f"公文尚未{what}，不能归档", code="not_finished")
    existing = item_of(locked)
    if existing is not None:
        raise Conflict(f"该公文已归档，档号 {existing.archival_code}", code="already_archived")
    rule = propose_retention(locked)
    chosen = (retention or "").strip() or rule.retention
    if chosen not in RETENTIONS:
        raise ValidationFailed(f"保管期限只能是{'、'.join(RETENTIONS)}", fields={"retention": ["无效的保管期限"]})
    reason = (reason or "").strip() or None
    if chosen != rule.retention and not reason:
        raise ValidationFailed(f"保管期限表提出“{rule.retention}”（{rule.note}），改为“{chosen}”须写明理由",
                               fields={"reason": ["必填"]})
    unit = locked.org
    department = _department(locked)
    department_code = _configured("DOC_ARCHIVE_DEPARTMENT_CODES", department) if department is not None else ""
    year = _year(locked)
    number = _next_number(unit.id, year, chosen, department_code)
    fonds = fonds_code(unit)
    incoming_doc = locked.direction == "in"
    item = ArchiveItem(
        document_id=locked.id, org_id=unit.id, fonds_code=fonds, year=year, retention=chosen,
        retention_rule=rule.id, retention_reason=reason if chosen != rule.retention else None,
        department_id=department.id if department is not None else None, department_code=department_code,
        department_name=department.name if department is not None else None, item_number=number,
        archival_code=archival_code(fonds, year, chosen, department_code, number), title=locked.title[:200],
        responsible=(locked.source_org_name if incoming_doc else (locked.issuer_signature or unit.name)),
        doc_number=locked.source_doc_number if incoming_doc else locked.doc_number,
        doc_date=locked.written_on or locked.received_on, secrecy=locked.secrecy or None,
        archived_at=utcnow(), archived_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    if item.retention_reason:
        audit("documents", "document.retention_overridden",
              f"改定保管期限：《{locked.title}》{rule.retention} → {chosen}：{reason}", actor=actor, obj=locked,
              data={"proposed": rule.retention, "rule": rule.id, "chosen": chosen, "reason": reason})
    audit("documents", "document.archived", f"归档：{item.archival_code}《{locked.title}》（{chosen}）",
          actor=actor, obj=locked, data={"archival_code": item.archival_code, "retention": chosen,
                                         "rule": rule.id, "item_id": item.id})
    _store_package(item, locked, actor)
    return item


def _store_package(item: ArchiveItem, document: Document, actor) -> None:
    from eduplatform.documents.services import archive_package

    data, pages = archive_package.build_item(item, document)
    item.pages = pages
    stored = store_file(io.BytesIO(data), prefix="documents/archive", filename=f"{item.archival_code}.zip",
                        content_type="application/zip", actor=actor, archive_limits=False)
    item.package_key, item.package_size = stored.key, stored.size
    item.package_sha256 = hashlib.sha256(data).hexdigest()
    db.session.flush()
    audit("documents", "document.archive_packaged",
          f"生成归档数据包：{item.archival_code}（{stored.size} 字节）", actor=actor, obj=document,
          data={"archival_code": item.archival_code, "key": stored.key, "sha256": item.package_sha256})


# --- lists ---------------------------------------------------------------------------------------

def visible_items(user, *, year: int | None = None, retention: str | None = None, org_id: int | None = None):
    """The 件 whose documents ``user`` may read (密级 and 知悉范围 as for the documents), by 档号."""
    from eduplatform.documents.services import access

    query = sa.select(ArchiveItem).where(ArchiveItem.document_id.in_(access.visible_ids(user)))
    if year is not None:
        query = query.where(ArchiveItem.year == year)
    if retention:
        query = query.where(ArchiveItem.retention == retention)
    if org_id is not None:
        query = query.where(ArchiveItem.org_id == org_id)
    return query.order_by(ArchiveItem.year.desc(), ArchiveItem.org_id, ArchiveItem.retention,
                          ArchiveItem.department_code, ArchiveItem.item_number)


def get_visible_item(item_id: int, user) -> ArchiveItem:
    from eduplatform.core.errors import NotFound
    from eduplatform.documents.services import access

    item = db.session.get(ArchiveItem, item_id)
    if item is None or not access.can_read(user, item.document):
        raise NotFound("归档文件不存在或您无权查看")
    return item


def local_year() -> int:
    from datetime import datetime

    return datetime.now(LOCAL).year

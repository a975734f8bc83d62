"""归档 (DA/T 22-2015 《归档文件整理规则》): the 件 kept for each finished document, and its 件号 counters.

A 件 is classified by 年度 · 保管期限 · 机构（问题） and numbered within that class without a gap; its
档号 is ``全宗号-WS·年度-保管期限代码-机构（问题）代码-件号`` (DA/T 22-2015 §5.4, 门类代码 WS = 文书).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db

#: 保管期限 (DA/T 22-2015 §5.2) and their codes in the 档号 (§5.4: Y, D30, D10)
RETENTIONS = {"永久": "Y", "定期30年": "D30", "定期10年": "D10"}


class ArchiveItem(db.Model):
    """One 件: a finished 公文 as archived, with its package (a ZIP in object storage) and its SHA-256."""

    __tablename__ = "document_archive_items"
    __audit_type__ = "archive_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), unique=True)  # one 件 per document
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)  # the 立档单位
    fonds_code: Mapped[str] = mapped_column(sa.String(32))  # 全宗号
    year: Mapped[int] = mapped_column(index=True)  # 年度
    retention: Mapped[str] = mapped_column(sa.String(8))  # 保管期限: 永久 / 定期30年 / 定期10年
    #: the rule of ``retention.yaml`` that proposed the 保管期限, and the reason when it was overridden
    retention_rule: Mapped[str | None] = mapped_column(sa.String(64))
    retention_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: 机构（问题）: the department that handled it (empty for a unit without 科室: the class is left out)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    department_code: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    department_name: Mapped[str | None] = mapped_column(sa.String(120))
    item_number: Mapped[int] = mapped_column()  # 件号
    archival_code: Mapped[str] = mapped_column(sa.String(120), unique=True)  # 档号
    title: Mapped[str] = mapped_column(sa.String(200))  # 题名
    responsible: Mapped[str | None] = mapped_column(sa.String(200))  # 责任者
    doc_number: Mapped[str | None] = mapped_column(sa.String(64))  # 文号 (发文字号, or 来文字号 of a 收文)
    doc_date: Mapped[date | None] = mapped_column()  # 日期 (成文日期)
    pages: Mapped[int | None] = mapped_column()  # 页数 (of the sealed PDF, when there is one)
    secrecy: Mapped[str | None] = mapped_column(sa.String(8))  # 密级
    archived_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    package_key: Mapped[str | None] = mapped_column(sa.String(255))
    package_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    package_size: Mapped[int | None] = mapped_column()

    document = relationship("Document")
    org = relationship("OrgUnit", foreign_keys=[org_id])
    archived_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("org_id", "year", "retention", "department_code", "item_number",
                            name="uq_document_archive_items_number"),
    )

    @property
    def retention_code(self) -> str:
        return RETENTIONS[self.retention]


class ArchiveCounter(db.Model):
    """The last 件号 given per unit, 年度, 保管期限 and 机构（问题）; locked while a 件号 is taken."""

    __tablename__ = "document_archive_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column()
    retention: Mapped[str] = mapped_column(sa.String(8))
    department_code: Mapped[str] = mapped_column(sa.String(32), default="")
    last: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("org_id", "year", "retention", "department_code",
                                          name="uq_document_archive_counters_class"),)

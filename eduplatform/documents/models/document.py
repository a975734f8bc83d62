"""A 公文 with the 18 elements of GB/T 9704-2012 §7 as columns (页码 is computed by the layout).

An element left empty is ``None`` (or ``""``) and is left out of the layout, never printed blank.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, utcnow
from eduplatform.core.extensions import db

#: 密级 (empty = 不涉密); 紧急程度 (empty = 普通)
SECRECY_LEVELS = ("秘密", "机密", "绝密")
URGENCY_LEVELS = ("加急", "特急")


class Document(TimestampMixin, db.Model):
    __tablename__ = "documents"
    __audit_type__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)  # 发文机关
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    doctype: Mapped[str] = mapped_column(sa.String(32))  # code from doctypes.yaml (文种)
    #: 发文 ("out", drafted here) or 收文 ("in", received from another unit or registered from paper)
    direction: Mapped[str] = mapped_column(sa.String(8), default="out", server_default="out")
    #: the state of its 发文 / 收文 flow, kept in step by the flow's hook (for lists without the engine)
    state: Mapped[str] = mapped_column(sa.String(32), default="draft", server_default="draft", index=True)

    copy_number: Mapped[str | None] = mapped_column(sa.String(6))  # 份号
    secrecy: Mapped[str | None] = mapped_column(sa.String(8))  # 密级
    secrecy_term: Mapped[str | None] = mapped_column(sa.String(32))  # 保密期限
    urgency: Mapped[str | None] = mapped_column(sa.String(8))  # 紧急程度
    issuer_mark: Mapped[str | None] = mapped_column(sa.String(100))  # 发文机关标志
    # 发文字号 = agency_code〔doc_year〕doc_seq号, assigned once at 登记 (services/numbering.py)
    agency_code: Mapped[str] = mapped_column(sa.String(32))  # 发文机关代字, e.g. 示教发
    doc_year: Mapped[int | None] = mapped_column()
    doc_seq: Mapped[int | None] = mapped_column()
    doc_number: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    numbered_at: Mapped[datetime | None] = mapped_column()
    signers: Mapped[str | None] = mapped_column(sa.String(200))  # 签发人 (上行文)
    title: Mapped[str] = mapped_column(sa.String(200))  # 标题
    main_recipients: Mapped[str | None] = mapped_column(sa.Text)  # 主送机关
    attachment_note: Mapped[str | None] = mapped_column(sa.Text)  # 附件说明
    issuer_signature: Mapped[str | None] = mapped_column(sa.String(200))  # 发文机关署名
    written_on: Mapped[date | None] = mapped_column()  # 成文日期
    seal_ref: Mapped[str | None] = mapped_column(sa.String(100))  # 印章 (reference to the seal used)
    remark: Mapped[str | None] = mapped_column(sa.Text)  # 附注
    attachments: Mapped[list] = mapped_column(default=list)  # 附件: [{"key", "name", "size"}] stored files
    cc_recipients: Mapped[str | None] = mapped_column(sa.Text)  # 抄送机关
    printing_org: Mapped[str | None] = mapped_column(sa.String(100))  # 印发机关
    printed_on: Mapped[date | None] = mapped_column()  # 印发日期
    finalized_at: Mapped[datetime | None] = mapped_column()  # 清稿: the body is frozen from then on
    # 收文: where it came from (来文机关, 来文字号; the sent document when it came through 公文交换),
    # its 收文号 (given at 登记 from a counter per unit and year) and the day it was received
    source_org_name: Mapped[str | None] = mapped_column(sa.String(200))
    source_doc_number: Mapped[str | None] = mapped_column(sa.String(64))
    source_document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    receipt_number: Mapped[str | None] = mapped_column(sa.String(64))
    received_on: Mapped[date | None] = mapped_column()
    #: a 发文 that answers a 收文 (答复)
    reply_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    #: the sealed, signed PDF (用印) in object storage, and its SHA-256
    sealed_file_key: Mapped[str | None] = mapped_column(sa.String(255))
    sealed_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    #: 发文机关 (its code names the unit's certificate folder for 用印)
    org = relationship("OrgUnit")
    versions: Mapped[list[BodyVersion]] = relationship(
        back_populates="document", order_by="BodyVersion.number", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("agency_code", "doc_year", "doc_seq", name="uq_documents_number"),)

    @property
    def current_version(self) -> BodyVersion | None:
        return self.versions[-1] if self.versions else None


class AccessGrant(db.Model):
    """Someone outside the flow and the 传阅 list allowed to read a document (知悉范围), with why."""

    __tablename__ = "document_access_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("document_id", "user_id", name="uq_document_access_grants_user"),)


class Circulation(db.Model):
    """传阅: one reader of a document, sent from any step with a note; 已阅 recorded, or recalled."""

    __tablename__ = "document_circulations"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    reader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
    recalled_at: Mapped[datetime | None] = mapped_column()

    reader = relationship("User", foreign_keys=[reader_id])


class BodyVersion(db.Model):
    """One saved 正文: every save is kept with its author and time; the last is the current text."""

    __tablename__ = "document_body_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()  # 1, 2, … per document
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    is_final: Mapped[bool] = mapped_column(default=False)  # 清稿
    #: the uploaded DOCX this version's text was taken from (kept as it came), if any
    source_file_key: Mapped[str | None] = mapped_column(sa.String(255))

    document: Mapped[Document] = relationship(back_populates="versions")

    __table_args__ = (sa.UniqueConstraint("document_id", "number", name="uq_document_body_versions_number"),)


class NumberCounter(db.Model):
    """The last 发文顺序号 given per 机关代字 and year; locked while a number is taken."""

    __tablename__ = "document_number_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(sa.String(32))
    year: Mapped[int] = mapped_column()
    last: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("agency_code", "year", name="uq_document_number_counters_code_year"),)


class Delivery(db.Model):
    """公文交换: one recipient unit of a sent document. Its 收发员 签收 (the unit's 收文 is made then)
    or 退文 with a reason; the first time one of them opens it is the read receipt; 催办 is counted."""

    __tablename__ = "document_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    recipient_org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: 主送 ("main") or 抄送 ("cc")
    kind: Mapped[str] = mapped_column(sa.String(8), default="main")
    #: pending (待签收) → signed (已签收) | returned (已退文)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    first_read_at: Mapped[datetime | None] = mapped_column()
    first_read_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column()
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column()
    returned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    return_reason: Mapped[str | None] = mapped_column(sa.String(500))
    chase_count: Mapped[int] = mapped_column(default=0)
    last_chased_at: Mapped[datetime | None] = mapped_column()
    #: a school's 答复 written when its 收文 was 办结 (a bureau answers with a linked 发文 instead)
    reply_text: Mapped[str | None] = mapped_column(sa.Text)
    replied_at: Mapped[datetime | None] = mapped_column()
    #: the recipient's 收文, made at 签收
    incoming_document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"))

    document = relationship("Document", foreign_keys=[document_id])
    recipient = relationship("OrgUnit")

    __table_args__ = (sa.UniqueConstraint("document_id", "recipient_org_id", name="uq_document_deliveries_unit"),)

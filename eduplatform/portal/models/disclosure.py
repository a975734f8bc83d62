"""依申请公开 (《政府信息公开条例》 2019): a request, its pauses, its timeline, the letters' counter.

The process itself (who acts at which step) runs on the engine (``processes/disclosure_request.yaml``);
the statutory clock is kept here because it needs what the engine's clock has not: a received date
that may lie before the entry (a letter registered the next day), the restart from the correction's
date and paused spans (征求第三方意见) taken out of the count.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.captcha import CaptchaChallenge  # noqa: F401 - its table belongs to the metadata
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.ratelimit import RateHit  # noqa: F401 - its table belongs to the metadata

APPLICANT_TYPES = {"person": "自然人", "organisation": "法人或其他组织"}
#: the annual report's (国办公开办函〔2021〕30号) columns for 法人或其他组织
ORG_KINDS = {"business": "商业企业", "research": "科研机构", "public_interest": "社会公益组织",
             "legal_service": "法律服务机构", "other": "其他"}
PROVIDE_FORMATS = {"paper": "纸质", "email": "电子邮件", "disc": "光盘", "disk": "磁盘", "other": "其他"}
OBTAIN_METHODS = {"mail": "邮寄", "pickup": "自行领取", "email": "电子邮件", "online": "网上查看"}
CHANNELS = {"online": "网上申请", "letter": "信函", "in_person": "当面"}
#: 条例 Art. 36 (and 部分公开, Art. 37, which has its own letter)
ANSWER_TYPES = {
    "published": "已主动公开",
    "granted": "予以公开",
    "partial": "部分公开",
    "refused": "不予公开",
    "not_exist": "信息不存在",
    "not_ours": "非本机关负责公开",
    "repeat": "重复申请",
    "other_law": "其他法律、行政法规另有规定",
}
STATES = {"review": "审查", "correction": "待补正", "handling": "办理中", "consulting": "征求第三方意见",
          "extension_review": "延期审批", "answered": "已答复", "closed": "已终止"}


class DisclosureRequest(db.Model):
    __tablename__ = "disclosure_requests"
    __audit_type__ = "disclosure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the 行政机关 that answers (a city or district bureau)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: what the applicant quotes (public); the secret is kept as a hash only
    tracking_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(128))
    state: Mapped[str] = mapped_column(sa.String(24), default="review", index=True)

    applicant_type: Mapped[str] = mapped_column(sa.String(16))
    org_kind: Mapped[str | None] = mapped_column(sa.String(24))
    name: Mapped[str] = mapped_column(sa.String(120))
    #: 证件名称 and number (身份证 / 统一社会信用代码 …)
    id_type: Mapped[str] = mapped_column(sa.String(40), default="")
    id_number: Mapped[str] = mapped_column(sa.String(40))
    contact_person: Mapped[str] = mapped_column(sa.String(60), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    postcode: Mapped[str] = mapped_column(sa.String(12), default="")

    description: Mapped[str] = mapped_column(sa.Text)
    doc_title: Mapped[str] = mapped_column(sa.String(255), default="")
    doc_number: Mapped[str] = mapped_column(sa.String(80), default="")
    #: what the applicant attached (optional; inspected and stored by the foundation's storage)
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    provide_format: Mapped[str] = mapped_column(sa.String(16))
    obtain_method: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[str] = mapped_column(sa.String(16))

    #: 收到申请之日 (Art. 31); the clock counts from the day after
    received_on: Mapped[date] = mapped_column()
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    #: the day the 20 working days count from: received_on, or the correction's day (Art. 30)
    clock_start_on: Mapped[date] = mapped_column()
    #: the answer is due by the end of this day (recomputed at every change of the clock)
    due_on: Mapped[date | None] = mapped_column(index=True)

    correction_requested_on: Mapped[date | None] = mapped_column()
    correction_notice: Mapped[str] = mapped_column(sa.Text, default="")
    correction_submitted_on: Mapped[date | None] = mapped_column()
    correction_text: Mapped[str] = mapped_column(sa.Text, default="")
    correction_received_on: Mapped[date | None] = mapped_column()

    extension_days: Mapped[int] = mapped_column(default=0)
    extension_requested_days: Mapped[int | None] = mapped_column()
    extension_reason: Mapped[str] = mapped_column(sa.Text, default="")
    extension_requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    extension_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    extension_approved_on: Mapped[date | None] = mapped_column()

    answer_type: Mapped[str | None] = mapped_column(sa.String(16))
    #: the type's fields (where published, reasons, the search made, the right office …)
    answer_fields: Mapped[dict] = mapped_column(default=dict)
    answered_on: Mapped[date | None] = mapped_column()
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    letter_year: Mapped[int | None] = mapped_column()
    letter_seq: Mapped[int | None] = mapped_column()
    letter_number: Mapped[str | None] = mapped_column(sa.String(40))
    letter_emailed_at: Mapped[datetime | None] = mapped_column()
    letter_email_error: Mapped[str] = mapped_column(sa.String(255), default="")
    #: the annual report's row (``annual_report.yaml``) the office put it in; None: the answer type's default
    report_row: Mapped[str | None] = mapped_column(sa.String(32))

    org = relationship("OrgUnit")
    attachment = relationship("StoredFile")
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    extension_requested_by = relationship("User", foreign_keys=[extension_requested_by_id])
    extension_approved_by = relationship("User", foreign_keys=[extension_approved_by_id])
    pauses = relationship("DisclosurePause", order_by="DisclosurePause.id", back_populates="request")
    entries = relationship("DisclosureEntry", order_by="DisclosureEntry.id", back_populates="request")

    __table_args__ = (sa.UniqueConstraint("org_id", "letter_year", "letter_seq",
                                          name="uq_disclosure_requests_letter"),)

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.name}"

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def applicant_label(self) -> str:
        label = APPLICANT_TYPES.get(self.applicant_type, self.applicant_type)
        if self.applicant_type == "organisation" and self.org_kind:
            label += f"（{ORG_KINDS.get(self.org_kind, self.org_kind)}）"
        return label

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def answer_label(self) -> str:
        return ANSWER_TYPES.get(self.answer_type or "", "")

    @property
    def open_pause(self):
        return next((p for p in self.pauses if p.ended_on is None), None)

    @property
    def is_finished(self) -> bool:
        return self.state in ("answered", "closed")


class DisclosurePause(db.Model):
    """A span the clock does not run (征求第三方意见, Art. 32): from the day after ``started_on`` to
    ``ended_on`` inclusive; the third party has 15 working days from the letter's day."""

    __tablename__ = "disclosure_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("disclosure_requests.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="third_party")
    third_party: Mapped[str] = mapped_column(sa.String(200))
    started_on: Mapped[date] = mapped_column()
    third_party_due_on: Mapped[date] = mapped_column()
    ended_on: Mapped[date | None] = mapped_column()
    #: what came back (同意公开 / 不同意 and why / 逾期未提出意见)
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    request = relationship("DisclosureRequest", back_populates="pauses")


class DisclosureEntry(db.Model):
    """The request's timeline: every step with its day; ``public`` ones show on the tracking page."""

    __tablename__ = "disclosure_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("disclosure_requests.id", ondelete="CASCADE"),
                                            index=True)
    day: Mapped[date] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.Text)
    public: Mapped[bool] = mapped_column(default=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    request = relationship("DisclosureRequest", back_populates="entries")
    actor = relationship("User")


class DisclosureLetterCounter(db.Model):
    """The last 公复〔YYYY〕N号 given per answering bureau and year; locked while a number is taken."""

    __tablename__ = "disclosure_letter_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column()
    last: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("org_id", "year", name="uq_disclosure_letter_counters_org_year"),)

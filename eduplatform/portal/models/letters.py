"""领导信箱 (咨询 / 投诉 / 建议) and 12345 work orders: a case, its timeline, the hotline's outbox.

The process (分办 → 办理 → 答复 → 回访办结, 退单 / 改派 / 并案) runs on the engine
(``processes/leader_letter.yaml``); the case keeps what the pages show: the writer's details (never
shown to the public unmasked), the due day, the department, the reply, consent and the rating.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db

CHANNELS = {"online": "领导信箱", "hotline": "12345热线"}
STATES = {"triage": "待分办", "handling": "办理中", "replied": "已答复", "closed": "已办结", "merged": "已并案"}
#: what the writer (and the hotline) is told: a case is 已受理 once routed
PUBLIC_STATES = {"triage": "已收到，待分办", "handling": "办理中", "replied": "已答复", "closed": "已办结",
                 "merged": "已并案办理"}
RATINGS = {"satisfied": "满意", "fair": "基本满意", "unsatisfied": "不满意"}


class Letter(db.Model):
    __tablename__ = "leader_letters"
    __audit_type__ = "leader_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the bureau whose 信箱 it is (the case's engine instance belongs to it)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    tracking_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(128))
    kind: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[str] = mapped_column(sa.String(16), default="online")
    state: Mapped[str] = mapped_column(sa.String(16), default="triage", index=True)

    name: Mapped[str] = mapped_column(sa.String(60))
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    id_number: Mapped[str] = mapped_column(sa.String(40), default="")
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    title: Mapped[str] = mapped_column(sa.String(120))
    content: Mapped[str] = mapped_column(sa.Text)
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    #: the writer agreed that the exchange may be published (masked) in 互动交流
    consent_publish: Mapped[bool] = mapped_column(default=False)

    received_on: Mapped[date] = mapped_column()
    due_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: 并案: this case is answered by ``merged_into``
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leader_letters.id"), index=True)

    reply: Mapped[str] = mapped_column(sa.Text, default="")
    replied_on: Mapped[date | None] = mapped_column()
    replied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    visit_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_on: Mapped[date | None] = mapped_column()

    rating: Mapped[str | None] = mapped_column(sa.String(16))
    rating_comment: Mapped[str] = mapped_column(sa.String(500), default="")
    rated_at: Mapped[datetime | None] = mapped_column()

    #: the published exchange (masked when published; the case's own text is never changed)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    public_title: Mapped[str] = mapped_column(sa.String(120), default="")
    public_content: Mapped[str] = mapped_column(sa.Text, default="")
    public_reply: Mapped[str] = mapped_column(sa.Text, default="")
    public_name: Mapped[str] = mapped_column(sa.String(60), default="")

    #: 12345: the hotline's own order number (unique: a repeated hand-over finds the same case)
    hotline_order_no: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    org = relationship("OrgUnit", foreign_keys=[org_id])
    department = relationship("OrgUnit", foreign_keys=[department_id])
    attachment = relationship("StoredFile")
    replied_by = relationship("User", foreign_keys=[replied_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])
    merged_into = relationship("Letter", remote_side=[id], foreign_keys=[merged_into_id], back_populates="merged")
    merged = relationship("Letter", foreign_keys=[merged_into_id], back_populates="merged_into", order_by="Letter.id")
    entries = relationship("LetterEntry", order_by="LetterEntry.id", back_populates="letter")

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def public_state_label(self) -> str:
        return PUBLIC_STATES.get(self.state, self.state)

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def rating_label(self) -> str:
        return RATINGS.get(self.rating or "", "")

    @property
    def answered(self) -> Letter | None:
        """The case whose reply answers this one (itself, or the case it was merged into)."""
        case = self.merged_into or self
        return case if case.replied_on else None

    @property
    def is_open(self) -> bool:
        return self.state in ("triage", "handling")


class LetterEntry(db.Model):
    """The case's timeline; ``public`` entries show on the writer's tracking page."""

    __tablename__ = "leader_letter_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("leader_letters.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.Text)
    public: Mapped[bool] = mapped_column(default=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    letter = relationship("Letter", back_populates="entries")
    actor = relationship("User")


class HotlineCallback(db.Model):
    """One status push to the 12345 system (the outbox): written with the change, sent after the
    commit, retried with growing pauses until it is accepted or the attempts run out."""

    __tablename__ = "hotline_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(sa.ForeignKey("leader_letters.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(sa.String(16))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column()
    failed: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str] = mapped_column(sa.String(255), default="")

    letter = relationship("Letter")

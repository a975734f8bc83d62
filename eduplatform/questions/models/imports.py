"""An import waiting for confirmation: the parsed questions and the problems found, never half-saved."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import enum_column, utcnow
from eduplatform.core.extensions import db


class ImportStatus(enum.StrEnum):
    PREVIEW = "preview"
    CONFIRMED = "confirmed"
    DISCARDED = "discarded"


class ImportBatch(db.Model):
    __tablename__ = "question_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(sa.String(16))
    filename: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.PREVIEW)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    #: Subject, stage, grade, sharing and how categories are used, as chosen on upload.
    options: Mapped[dict] = mapped_column(default=dict)
    #: The parsed questions in canonical form (see ``formats.base.ParsedQuestion.as_dict``).
    items: Mapped[list] = mapped_column(default=list)
    #: [{"line", "number", "message"}]: a batch with problems cannot be confirmed.
    problems: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Ids of the questions a confirmation created.
    question_ids: Mapped[list] = mapped_column(default=list)

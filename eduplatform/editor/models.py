"""A picture put into rich text through the editor."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile


class EditorImage(db.Model):
    __tablename__ = "editor_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The URL's secret part (``secrets.token_urlsafe(32)``): whoever has it may see the picture.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined")

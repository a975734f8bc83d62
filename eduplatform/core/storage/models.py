"""One row per stored object: every domain's files go through this table (after indico's StoredFileMixin).

Keeping them in one table lets `flask check` compare the bucket with the database in one pass.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Response
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.storage.serving import DEFAULT_CACHE, send_stored_file


class StoredFile(db.Model):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "file" or "minio": which backend holds it (a migration between backends rewrites this).
    backend: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(512), unique=True)
    #: The user's file name, sanitised; shown and used in Content-Disposition, never as a path.
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(127))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def send(self, *, inline: bool = False, content_type: str | None = None, cache: str | None = DEFAULT_CACHE,
             active_content_csp: str | None = None) -> Response:
        """Answer the current request with this file (Range, ETag/304, inline policy; see ``serving``).

        Call it after the domain's own permission checks: it checks none.
        """
        return send_stored_file(self, inline=inline, content_type=content_type, cache=cache,
                                active_content_csp=active_content_csp)

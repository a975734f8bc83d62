"""SCORM packages (1.2 and 2004) stored file by file, and each learner's CMI data per SCO."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db


class ScormPackage(db.Model):
    __tablename__ = "scorm_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: "1.2" or "2004" (with ``edition`` "3rd"/"4th" where the manifest says).
    version: Mapped[str] = mapped_column(sa.String(8))
    edition: Mapped[str] = mapped_column(sa.String(16), default="")
    title: Mapped[str] = mapped_column(sa.String(200))
    identifier: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The parsed organisation: [{"identifier", "title", "href", "parameters", "depth", "scorm_type",
    #: "mastery_score", "launch_data", "completion_threshold", "scaled_passing_score"}, …] in order.
    items: Mapped[list] = mapped_column(default=list)
    file_count: Mapped[int] = mapped_column(default=0)
    total_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The uploaded zip as it came (kept for re-import and download by the course's teachers).
    archive_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    archive = relationship("StoredFile")

    def item(self, identifier: str) -> dict | None:
        return next((i for i in self.items if i["identifier"] == identifier), None)

    @property
    def launchable(self) -> list[dict]:
        return [i for i in self.items if i.get("href")]


class ScormFile(db.Model):
    """One file of a package, addressed by its path inside the package (as the SCO's links use it)."""

    __tablename__ = "scorm_files"
    __table_args__ = (sa.UniqueConstraint("package_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(sa.ForeignKey("scorm_packages.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))

    file = relationship("StoredFile")


class ScormAttempt(db.Model):
    """A learner's run data of one SCO of a lesson; re-opening the lesson resumes from it."""

    __tablename__ = "scorm_attempts"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "user_id", "item_identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("course_lessons.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    package_id: Mapped[int] = mapped_column(sa.ForeignKey("scorm_packages.id", ondelete="CASCADE"))
    item_identifier: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[str] = mapped_column(sa.String(8))
    #: Every element the SCO set, by its CMI name ("cmi.core.lesson_status" → "completed").
    cmi: Mapped[dict] = mapped_column(default=dict)
    #: 1.2 cmi.core.lesson_status; 2004 cmi.completion_status / cmi.success_status.
    lesson_status: Mapped[str] = mapped_column(sa.String(16), default="not attempted")
    completion_status: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    success_status: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    score_raw: Mapped[float | None] = mapped_column(sa.Float, default=None)
    score_min: Mapped[float | None] = mapped_column(sa.Float, default=None)
    score_max: Mapped[float | None] = mapped_column(sa.Float, default=None)
    score_scaled: Mapped[float | None] = mapped_column(sa.Float, default=None)
    location: Mapped[str] = mapped_column(sa.Text, default="")
    suspend_data: Mapped[str] = mapped_column(sa.Text, default="")
    #: cmi.core.exit / cmi.exit of the last session ("suspend" → the next one resumes).
    exit: Mapped[str] = mapped_column(sa.String(16), default="")
    total_seconds: Mapped[float] = mapped_column(sa.Float, default=0)
    #: The session time committed by a session that never terminated (added when the next one starts).
    pending_session_seconds: Mapped[float] = mapped_column(sa.Float, default=0)
    session_count: Mapped[int] = mapped_column(default=0)
    #: True between Initialize and Terminate (a session is open).
    in_session: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User")

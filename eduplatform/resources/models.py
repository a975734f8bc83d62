"""Resources, their file versions, and what teachers do with them (favourites, ratings, comments).

A resource's metadata elements come from ``resource_specs/``: the ones every type shares and that
queries need (学段, 学科, 年级 …) are columns; any other element lives in ``extra`` (JSON), so a new
element in a spec file needs no migration.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db


class ReviewState(enum.StrEnum):
    """Where a resource is on its way to publication.

    The values are the states of the ``resource_review`` process (``resources/processes/``); the
    column follows the process through the hook in ``resources/review.py``.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the school's review
    DISTRICT_REVIEW = "district_review"  # approved by the school, waiting for the district's
    PUBLISHED = "published"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    ReviewState.DRAFT: "草稿",
    ReviewState.SUBMITTED: "待学校审核",
    ReviewState.DISTRICT_REVIEW: "待区县审核",
    ReviewState.PUBLISHED: "已发布",
    ReviewState.RETURNED: "已退回",
}


class Visibility(enum.StrEnum):
    """Who sees a published resource (the uploader chooses; 向社会公开 only once a review approved it)."""

    PUBLIC = "public"  # also anonymous visitors of the public site (门户网站)
    PLATFORM = "platform"
    DISTRICT = "district"
    SCHOOL = "school"

    @property
    def label(self) -> str:
        return VISIBILITY_LABELS[self]


VISIBILITY_LABELS = {
    Visibility.PUBLIC: "向社会公开",
    Visibility.PLATFORM: "全平台",
    Visibility.DISTRICT: "本区县",
    Visibility.SCHOOL: "本校（本单位）",
}

#: Elements stored as columns; every other element of a spec goes to ``Resource.extra``.
COLUMN_ELEMENTS = ("title", "description", "stage", "subject", "grade", "textbook_edition",
                   "knowledge_points", "keywords")


def _new_uid() -> str:
    return uuid.uuid4().hex


class Resource(TimestampMixin, db.Model):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Identity across platform instances: offline packages carry it, so importing twice adds nothing.
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True, default=_new_uid)
    #: Code of a type in resource_specs/ (e.g. "courseware").
    type: Mapped[str] = mapped_column(sa.String(32), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    stage: Mapped[str] = mapped_column(sa.String(32), index=True)
    subject: Mapped[str] = mapped_column(sa.String(32), index=True)
    grade: Mapped[str | None] = mapped_column(sa.String(32))
    textbook_edition: Mapped[str | None] = mapped_column(sa.String(32))
    knowledge_points: Mapped[list] = mapped_column(default=list)
    keywords: Mapped[list] = mapped_column(default=list)
    #: The other metadata elements of the type's spec, by element name.
    extra: Mapped[dict] = mapped_column(default=dict)
    #: Format code of the current version's file.
    format: Mapped[str] = mapped_column(sa.String(16))

    #: Follows the newest ``resource_review`` instance (set only by the hook in ``review.py``).
    state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState), default=ReviewState.DRAFT, index=True)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.PLATFORM)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: 向社会公开 asked for and not yet decided: ``visibility`` stays what it was (全平台 for a new
    #: resource) until the reviewer of the publishing step approves it or lowers it.
    requested_visibility: Mapped[Visibility | None] = mapped_column(enum_column(Visibility), default=None)
    #: Why the reviewer lowered a requested 向社会公开 to 全平台 (shown to the owner).
    visibility_note: Mapped[str | None] = mapped_column(sa.Text, default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None, index=True)

    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The uploader's school (or bureau): reviews, "own school" visibility, the org facet.
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: The bureau above ``org_id`` that reviews at the district step ("own district" visibility).
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    current_version: Mapped[int] = mapped_column(default=1)

    download_count: Mapped[int] = mapped_column(default=0)
    favourite_count: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    #: Set when counters changed without reindexing (downloads); `flask resources process` reindexes.
    index_stale: Mapped[bool] = mapped_column(default=False)

    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    org = relationship("OrgUnit", foreign_keys=[org_id], lazy="joined")
    district = relationship("OrgUnit", foreign_keys=[district_id])
    versions: Mapped[list[ResourceVersion]] = relationship(
        back_populates="resource", order_by="ResourceVersion.number", cascade="all, delete-orphan")

    __audit_type__ = "resource"

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.type} {self.title!r}>"

    @property
    def version(self) -> ResourceVersion | None:
        """The current file version."""
        return next((v for v in self.versions if v.number == self.current_version), None)

    @property
    def rating_avg(self) -> float:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else 0.0

    @property
    def is_published(self) -> bool:
        return self.state == ReviewState.PUBLISHED

    @property
    def is_public(self) -> bool:
        """Shown to anonymous visitors of the public site: published and approved for 向社会公开."""
        return self.state == ReviewState.PUBLISHED and self.visibility == Visibility.PUBLIC

    @property
    def chosen_visibility(self) -> Visibility:
        """What the owner chose: the requested 向社会公开 while it waits, else the visibility."""
        return self.requested_visibility or self.visibility

    @property
    def public_pending(self) -> bool:
        return self.requested_visibility == Visibility.PUBLIC

    def metadata_values(self) -> dict:
        """Every element value by name (columns and ``extra``)."""
        values = dict(self.extra or {})
        for name in COLUMN_ELEMENTS:
            values[name] = getattr(self, name)
        return values


class ProcessingState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class ResourceVersion(db.Model):
    """One uploaded file of a resource; replacing the file adds a version, the old ones stay."""

    __tablename__ = "resource_versions"
    __table_args__ = (sa.UniqueConstraint("resource_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    format: Mapped[str] = mapped_column(sa.String(16))
    #: Copied from the stored file: duplicate detection looks it up.
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    #: What the probes measured (width, sample_rate, page_count …).
    media_info: Mapped[dict] = mapped_column(default=dict)
    #: [{rule, label, level, status: pass|warning|fail|n/a, value, message, clause, confirmed}]
    conformance: Mapped[list] = mapped_column(default=list)
    conformance_status: Mapped[str] = mapped_column(sa.String(16), default="pass")
    #: Text extraction and thumbnails run after the upload (inline or by the worker).
    processing_state: Mapped[ProcessingState] = mapped_column(
        enum_column(ProcessingState), default=ProcessingState.PENDING, index=True)
    processing_error: Mapped[str | None] = mapped_column(sa.String(500))
    extracted_text: Mapped[str | None] = mapped_column(sa.Text)
    thumbnail_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"))
    #: The preview the worker made (``processing.make_previews``): an office document's pages as images
    #: ``[{"file": stored file id, "width", "height"}]`` (page 1 first), a video's poster frame (one entry).
    preview_pages: Mapped[list | None] = mapped_column(default=list)
    #: Pages of the converted document (more than ``preview_pages`` when it was cut); None: not paged.
    page_count: Mapped[int | None] = mapped_column(default=None)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource: Mapped[Resource] = relationship(back_populates="versions")
    file = relationship("StoredFile", foreign_keys=[file_id], lazy="joined")
    thumbnail = relationship("StoredFile", foreign_keys=[thumbnail_file_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    __audit_type__ = "resource_version"

    @property
    def preview_files(self) -> list[int]:
        return [page["file"] for page in (self.preview_pages or [])]


class DownloadTally(db.Model):
    """Downloads made by an org unit's users per day (China time): a school's use of the library,
    for the 校校通 indicators. One row per unit and day, incremented in SQL (no lost counts)."""

    __tablename__ = "resource_download_tallies"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class Favourite(db.Model):
    __tablename__ = "resource_favourites"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(db.Model):
    __tablename__ = "resource_ratings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    stars: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Comment(db.Model):
    __tablename__ = "resource_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    __audit_type__ = "resource_comment"


class StagedUpload(db.Model):
    """A file chosen before its resource exists: the upload's first step stores and measures it, so the
    second can guess the type, prefill the form and show the technical check before anything is typed.
    The row goes when the resource is made from it; a staged file left behind is removed after a day."""

    __tablename__ = "resource_staged_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True, default=lambda: uuid.uuid4().hex)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    format: Mapped[str] = mapped_column(sa.String(16))
    media_info: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    file = relationship("StoredFile", lazy="joined")


class OaiRecord(db.Model):
    """What the OAI-PMH provider (``/oai``, ``resources/oai.py``) has disseminated about a resource:
    one row per resource that was ever public, kept when it stops being public (withdrawn, lowered
    below 向社会公开, sent back to draft, deleted) so harvesters see ``<header status="deleted">``
    (deletedRecord = persistent). Maintained by ``oai_tracking`` on every flush, never by hand."""

    __tablename__ = "oai_records"
    __table_args__ = (sa.Index("ix_oai_records_datestamp_id", "datestamp", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The resource while it exists (NULL once deleted: the tombstone stays).
    resource_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("resources.id", ondelete="SET NULL"), unique=True, default=None)
    #: ``Resource.uid``: the local part of the OAI identifier, stable across instances.
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Last change of what is disseminated (naive UTC, whole seconds: the declared granularity).
    datestamp: Mapped[datetime] = mapped_column()
    deleted: Mapped[bool] = mapped_column(default=False)
    #: The set memberships as last disseminated (a tombstone stays in the sets it was in).
    type: Mapped[str] = mapped_column(sa.String(32))
    stage: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(32))
    #: sha256 of the disseminated metadata: a flush that changes nothing harvested keeps the datestamp.
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64), default=None)

    resource = relationship("Resource", foreign_keys=[resource_id])

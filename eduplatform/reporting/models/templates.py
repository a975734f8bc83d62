"""Report templates and their versions: a task keeps the version it was issued with."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "published": "已发布"}[self.value]


class ReportTemplate(TimestampMixin, db.Model):
    __tablename__ = "report_templates"
    __audit_type__ = "report_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code, also the DHIS2-style ``dataSet`` in bulk exchange.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The bureau that owns (and alone edits) the template.
    owner_org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    owner_org: Mapped[OrgUnit] = relationship()
    versions: Mapped[list[TemplateVersion]] = relationship(
        back_populates="template", order_by="TemplateVersion.number", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<ReportTemplate {self.code}>"

    @property
    def draft(self) -> TemplateVersion | None:
        return next((v for v in self.versions if v.status == VersionStatus.DRAFT), None)

    @property
    def latest_published(self) -> TemplateVersion | None:
        published = [v for v in self.versions if v.status == VersionStatus.PUBLISHED]
        return published[-1] if published else None


class TemplateVersion(db.Model):
    """One version of a template's definition; frozen once published."""

    __tablename__ = "report_template_versions"
    __audit_type__ = "report_template_version"
    __table_args__ = (sa.UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("report_templates.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus), default=VersionStatus.DRAFT)
    #: The checked, normalised definition (see ``reporting.spec``).
    definition: Mapped[dict] = mapped_column(default=dict)
    field_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    template: Mapped[ReportTemplate] = relationship(back_populates="versions")

    def __repr__(self) -> str:
        return f"<TemplateVersion {self.template_id} v{self.number}>"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def label(self) -> str:
        return f"V{self.number}"

"""Columns (栏目) and articles (信息) of the public site.

An article is public only while ``state`` is ``published``; every other state (草稿, 审核中, 待发布,
已撤回) is staff-only. Its 索引号 is given once, at publication (``services/content.py``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db


class PortalColumn(db.Model):
    """A column of the site: the tree comes from ``columns.yaml``; staff may add sub-columns."""

    __tablename__ = "portal_columns"
    __audit_type__ = "portal_column"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)  # URL part: /portal/c/<key>
    name: Mapped[str] = mapped_column(sa.String(64))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_columns.id"), index=True)
    #: list | policy (效力状态) | procurement (截止时间)
    kind: Mapped[str] = mapped_column(sa.String(16), default="list", server_default="list")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    description: Mapped[str | None] = mapped_column(sa.String(300))
    on_home: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: declared in columns.yaml (its name and place follow the file) or added by staff
    from_file: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[PortalColumn | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[PortalColumn]] = relationship(back_populates="parent", order_by="PortalColumn.position")

    def ancestors(self) -> list[PortalColumn]:
        """From the top column down to this one (the breadcrumbs)."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def subtree_ids(self) -> list[int]:
        ids, stack = [], [self]
        while stack:
            node = stack.pop()
            ids.append(node.id)
            stack.extend(node.children)
        return ids

    @property
    def top(self) -> PortalColumn:
        return self.ancestors()[0]


class ArticleState(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {ArticleState.DRAFT: "草稿", ArticleState.REVIEW: "待审核", ArticleState.SCHEDULED: "待发布",
                ArticleState.PUBLISHED: "已发布", ArticleState.WITHDRAWN: "已撤回"}


class Validity(enum.StrEnum):
    """效力状态 of a 政策文件 (《政府网站发展指引》: publish the change and mark the original)."""

    VALID = "valid"
    AMENDED = "amended"
    REPEALED = "repealed"

    @property
    def label(self) -> str:
        return VALIDITY_LABELS[self]


VALIDITY_LABELS = {Validity.VALID: "有效", Validity.AMENDED: "已修改", Validity.REPEALED: "已废止"}


class Article(TimestampMixin, db.Model):
    __tablename__ = "portal_articles"
    __audit_type__ = "portal_article"
    #: the public lists read "published, newest first" (of a column): without these SQLite sorted every
    #: published row for each block of the home page (≈1 s each at 50,000 articles, bench/bench_portal.py)
    __table_args__ = (sa.Index("ix_portal_articles_state_published_at", "state", "published_at", "id"),
                      sa.Index("ix_portal_articles_column_state_published_at", "column_id", "state", "published_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(sa.ForeignKey("portal_columns.id"), index=True)
    #: 发布机构: the bureau that publishes it (its staff draft and review it)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[ArticleState] = mapped_column(enum_column(ArticleState), default=ArticleState.DRAFT, index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str | None] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text, default="")  # sanitised HTML (core.text.richtext)
    doc_number: Mapped[str | None] = mapped_column(sa.String(64))  # 文号 of a 政策文件, as printed
    written_on: Mapped[date | None] = mapped_column()  # 成文日期
    #: 索引号 <unit code>/<year>-<5-digit sequence>, given once at publication
    index_no: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    index_year: Mapped[int | None] = mapped_column()
    index_seq: Mapped[int | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column(index=True)  # 发布日期 (UTC)
    publish_at: Mapped[datetime | None] = mapped_column(index=True)  # 定时发布 (UTC); None: on approval
    deadline_at: Mapped[datetime | None] = mapped_column()  # 采购招标: 截止时间 (UTC)
    validity: Mapped[Validity | None] = mapped_column(enum_column(Validity), nullable=True)
    #: the article that amended or repealed this one
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_articles.id"))
    validity_note: Mapped[str | None] = mapped_column(sa.String(300))
    validity_changed_at: Mapped[datetime | None] = mapped_column()  # when it was marked 已修改 / 已废止 (UTC)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(sa.String(500))

    column: Mapped[PortalColumn] = relationship(lazy="joined")
    org = relationship("OrgUnit", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])
    replaced_by: Mapped[Article | None] = relationship(remote_side=[id], foreign_keys=[replaced_by_id],
                                                       back_populates="replaces")
    replaces: Mapped[list[Article]] = relationship(foreign_keys=[replaced_by_id], back_populates="replaced_by")
    versions: Mapped[list[ArticleVersion]] = relationship(back_populates="article",
                                                          order_by="ArticleVersion.number",
                                                          cascade="all, delete-orphan")
    attachments: Mapped[list[ArticleAttachment]] = relationship(back_populates="article",
                                                                order_by="ArticleAttachment.id",
                                                                cascade="all, delete-orphan")

    @property
    def is_public(self) -> bool:
        return self.state == ArticleState.PUBLISHED

    @property
    def is_policy(self) -> bool:
        return self.column is not None and self.column.kind == "policy"

    @property
    def deadline_passed(self) -> bool:
        """采购招标: the 截止时间 has passed (the notice stays public, marked 已截止)."""
        return self.deadline_at is not None and self.deadline_at <= utcnow()

    @property
    def is_procurement(self) -> bool:
        return self.column is not None and self.column.kind == "procurement"


class ArticleVersion(db.Model):
    """The body as it was after each edit (1, 2, …): who changed what, and when."""

    __tablename__ = "portal_article_versions"
    __table_args__ = (sa.UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("portal_articles.id"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str | None] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="versions")
    created_by = relationship("User")


class ArticleAttachment(db.Model):
    """An attached file; served only while its article is published."""

    __tablename__ = "portal_article_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("portal_articles.id"), index=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="attachments")
    file = relationship("StoredFile", lazy="joined")


class IndexCounter(db.Model):
    """The last 索引号 sequence given per publishing unit and year."""

    __tablename__ = "portal_index_counters"
    __table_args__ = (sa.UniqueConstraint("org_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"))
    year: Mapped[int] = mapped_column()
    last: Mapped[int] = mapped_column(default=0)

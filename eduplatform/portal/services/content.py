"""Articles of the public site: drafting, versions, attachments, review on the engine, publication
with the 索引号, scheduled publishing, withdrawal and the 效力状态 of 政策文件.

    起草 (draft) ──submit──▶ 审核 (review) ──approve──▶ 发布: published now, or scheduled (待发布)
        ▲                        │                          until ``publish_at`` (``publish_due``)
        └──────── return (reason) ┘
    published / scheduled ──withdraw (reason)──▶ withdrawn: gone from the site, its URL answers 410

The review runs on the process engine (``processes/portal_article.yaml``); the hook below keeps
``Article.state`` in step with it in the same transaction, whoever performs the transition.
Services flush, never commit; every state change writes an audit entry (realm ``portal``).
"""

from __future__ import annotations

import difflib
import html
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import lazyload

from eduplatform import workflow
from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.inspect import inspect_upload
from eduplatform.core.storage.services import store_file
from eduplatform.core.text.richtext import clean_html, plain_text
from eduplatform.orgs.models import OrgUnit
from eduplatform.portal import permissions
from eduplatform.portal.models import (
    VALIDITY_LABELS,
    Article,
    ArticleAttachment,
    ArticleState,
    ArticleVersion,
    IndexCounter,
    PortalColumn,
    Validity,
)

PROCESS = "portal_article"
PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes"
SUBJECT = Article.__audit_type__
LOCAL = ZoneInfo("Asia/Shanghai")
#: what may be attached to a public article (documents, sheets, images, archives of them)
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "txt", "jpg", "jpeg", "png", "zip")
ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
EDITABLE_STATES = (ArticleState.DRAFT,)
ACTION_LABELS = {"submit": "提交审核", "approve": "审核", "return": "退回", "recall": "撤回修改"}
FIELDS = ("title", "summary", "body", "doc_number", "written_on", "publish_at", "deadline_at")


def register() -> None:
    """Tell the engine about the review and about articles (from ``portal.init_app``)."""
    workflow.register_processes(PROCESSES_DIR)
    workflow.register_subject(SUBJECT, lambda aid: db.session.get(Article, int(aid)),
                              url=lambda a: url_for("portal.manage_article", article_id=a.id),
                              can_view=permissions.can_manage_article)
    workflow.on_transition(PROCESS)(_on_transition)


# --- 索引号 ---------------------------------------------------------------------------------------

def format_index_no(unit_code: str, year: int, seq: int) -> str:
    """<unit code>/2026-00012: the unit, the year and a five-digit sequence of that unit and year."""
    return f"{unit_code}/{int(year)}-{int(seq):05d}"


def _locked(article_id: int) -> Article:
    """The article's row, locked and re-read (no joined relationships: PostgreSQL locks no outer join)."""
    return db.session.execute(sa.select(Article).where(Article.id == article_id).options(lazyload("*"))
                              .with_for_update().execution_options(populate_existing=True)).scalar_one()


def _ensure_counter(org_id: int, year: int) -> None:
    values = {"org_id": org_id, "year": year, "last": 0}
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(IndexCounter.__table__).values(**values)
                       .on_conflict_do_nothing(index_elements=["org_id", "year"]))


def assign_index_no(article: Article, *, actor=None, year: int | None = None) -> str:
    """Give ``article`` its 索引号 (or return the one it has): once, without gaps, under row locks.

    The article row and then the unit's counter row are locked (``SELECT … FOR UPDATE``; SQLite
    serialises writers anyway); both change in the caller's transaction, so a rolled-back
    publication gives its number back and leaves no gap. Flushes.
    """
    locked = _locked(article.id)
    if locked.index_no:
        return locked.index_no
    year = year or datetime.now(LOCAL).year
    _ensure_counter(locked.org_id, year)
    counter = db.session.execute(
        sa.select(IndexCounter).where(IndexCounter.org_id == locked.org_id, IndexCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    counter.last += 1
    code = db.session.scalar(sa.select(OrgUnit.code).where(OrgUnit.id == locked.org_id))
    locked.index_year, locked.index_seq = year, counter.last
    locked.index_no = format_index_no(code, year, counter.last)
    db.session.flush()
    record("portal", "article.index_numbered", f"编制索引号 {locked.index_no}：{locked.title}",
           actor=actor, obj=locked, data={"index_no": locked.index_no})
    return locked.index_no


# --- drafting ------------------------------------------------------------------------------------

def _clean(column: PortalColumn, data: dict, *, partial: bool = False) -> dict:
    values = {k: data[k] for k in FIELDS if k in data}
    problems: dict[str, list[str]] = {}
    if "title" in values or not partial:
        values["title"] = (values.get("title") or "").strip()
        if not values["title"]:
            problems["title"] = ["标题不能为空"]
        elif len(values["title"]) > 200:
            problems["title"] = ["标题不能超过 200 字"]
    if "body" in values:
        values["body"] = clean_html(values["body"] or "", inline_images=False)
    if "summary" in values:
        values["summary"] = (values["summary"] or "").strip()[:500] or None
    if "doc_number" in values:
        values["doc_number"] = (values["doc_number"] or "").strip()[:64] or None
    if column.kind == "procurement" and ("deadline_at" in values or not partial) and not values.get("deadline_at"):
        problems["deadline_at"] = ["采购招标公告须填写截止时间"]
    if problems:
        raise ValidationFailed("信息填写有误：" + "；".join(m for ms in problems.values() for m in ms),
                               fields=problems)
    return values


def _add_version(article: Article, actor, note: str) -> ArticleVersion:
    number = (max((v.number for v in article.versions), default=0)) + 1
    version = ArticleVersion(number=number, title=article.title, summary=article.summary, body=article.body,
                             note=note, created_by_id=getattr(actor, "id", None))
    article.versions.append(version)
    return version


def create_article(actor, *, column: PortalColumn, data: dict) -> Article:
    """起草: a new article of the actor's publishing unit, its first version and its review instance."""
    unit = permissions.publishing_unit(actor)
    if unit is None or not permissions.can_draft_article(actor, unit):
        raise PermissionDenied("只有教育局（含其科室）的工作人员可以起草门户信息")
    values = _clean(column, data)
    article = Article(column_id=column.id, column=column, org_id=unit.id, created_by_id=actor.id,
                      state=ArticleState.DRAFT, body=values.pop("body", "") or "", **values)
    if column.kind == "policy":
        article.validity = Validity.VALID
    db.session.add(article)
    db.session.flush()
    _add_version(article, actor, "起草")
    workflow.start(PROCESS, subject=article, org=unit, actor=actor, title=article.title)
    db.session.flush()
    record("portal", "article.created", f"起草门户信息「{article.title}」（{column.name}）", actor=actor,
           obj=article, data={"column": column.key})
    return article


def update_article(article: Article, actor, data: dict) -> Article:
    """Edit a draft (or, for the unit's reviewers, correct a published article); a new version when
    title, summary or body change. Flushes."""
    if not permissions.can_edit_article(actor, article):
        raise PermissionDenied("该信息当前不能由您修改（草稿由起草人修改；已发布的由本机构审核人更正）")
    values = _clean(article.column, data, partial=True)
    changed = {}
    for key, value in values.items():
        if getattr(article, key) != value:
            changed[key] = [str(getattr(article, key) or ""), str(value or "")]
            setattr(article, key, value)
    if not changed:
        return article
    if {"title", "summary", "body"} & changed.keys():
        _add_version(article, actor, "更正" if article.state == ArticleState.PUBLISHED else "修改")
    db.session.flush()
    kind = "article.corrected" if article.state == ArticleState.PUBLISHED else "article.updated"
    record("portal", kind, f"{'更正' if kind == 'article.corrected' else '修改'}门户信息「{article.title}」",
           actor=actor, obj=article, data={k: v for k, v in changed.items() if k != "body"}
           | ({"body": "changed"} if "body" in changed else {}))
    return article


def add_attachment(article: Article, actor, upload) -> ArticleAttachment:
    """Inspect and store an attachment (served only once the article is published). Flushes."""
    if not permissions.can_edit_article(actor, article):
        raise PermissionDenied("该信息当前不能由您添加附件")
    inspected = inspect_upload(upload, allowed=ATTACHMENT_EXTENSIONS, allow_empty=False,
                               max_bytes=ATTACHMENT_MAX_BYTES)
    stored = store_file(inspected.stream, prefix="portal", filename=inspected.filename,
                        content_type=getattr(upload, "mimetype", None), actor=actor, max_size=ATTACHMENT_MAX_BYTES)
    attachment = ArticleAttachment(file_id=stored.id, file=stored)
    article.attachments.append(attachment)
    db.session.flush()
    record("portal", "article.attachment_added", f"为「{article.title}」添加附件 {stored.filename}", actor=actor,
           obj=article, data={"file_id": stored.id, "filename": stored.filename})
    return attachment


def remove_attachment(article: Article, actor, attachment: ArticleAttachment) -> None:
    if not permissions.can_edit_article(actor, article) or attachment.article_id != article.id:
        raise PermissionDenied("该信息当前不能由您删除附件")
    name = attachment.file.filename
    article.attachments.remove(attachment)
    db.session.flush()
    record("portal", "article.attachment_removed", f"删除「{article.title}」的附件 {name}", actor=actor,
           obj=article, data={"filename": name})


# --- review on the engine --------------------------------------------------------------------------

def current_instance(article: Article):
    instance = workflow.instance_for(article, PROCESS)
    return instance if instance is not None and instance.is_active else None


def _perform(article: Article, key: str, actor, *, reason: str | None = None, data: dict | None = None):
    instance = current_instance(article)
    if instance is None:
        raise Conflict(f"该信息当前为“{article.state.label}”，不能{ACTION_LABELS[key]}")
    return workflow.perform(instance, key, actor=actor, reason=reason, data=data)


def submit_article(article: Article, actor) -> None:
    """提交审核 (the drafter)."""
    if not plain_text(article.body).strip() and not article.attachments:
        raise ValidationFailed("正文和附件不能都为空", fields={"body": ["请填写正文或添加附件"]})
    _perform(article, "submit", actor)


def approve_article(article: Article, actor, *, opinion: str | None = None) -> None:
    """审核通过: published at once, or scheduled when ``publish_at`` lies ahead (the hook)."""
    _perform(article, "approve", actor, reason=(opinion or "").strip() or None,
             data={"review_opinion": opinion} if opinion else None)


def return_article(article: Article, actor, reason: str) -> None:
    """退回修改 with a reason (the engine refuses one without)."""
    _perform(article, "return", actor, reason=reason)


def recall_article(article: Article, actor) -> None:
    """撤回修改: the drafter takes an article back from review (before anyone has reviewed it)."""
    _perform(article, "recall", actor)


def _on_transition(event) -> None:
    article = event.subject
    if article is None:
        return
    if event.to_state == "draft":
        article.state = ArticleState.DRAFT
    elif event.to_state == "review":
        article.state = ArticleState.REVIEW
    elif event.to_state == "published":
        if article.publish_at is not None and article.publish_at > utcnow():
            article.state = ArticleState.SCHEDULED
            db.session.flush()
            record("portal", "article.scheduled", f"门户信息「{article.title}」审核通过，定时发布",
                   actor=event.actor, obj=article, data={"publish_at": article.publish_at.isoformat()})
        else:
            publish(article, event.actor)


# --- publication ---------------------------------------------------------------------------------

def publish(article: Article, actor=None) -> Article:
    """发布: 索引号 (once), 发布日期 now, public from this commit on. Flushes."""
    if article.state not in (ArticleState.REVIEW, ArticleState.SCHEDULED):
        raise Conflict(f"该信息当前为“{article.state.label}”，不能发布")
    assign_index_no(article, actor=actor)
    article.state = ArticleState.PUBLISHED
    article.published_at = utcnow()
    db.session.flush()
    record("portal", "article.published", f"发布门户信息「{article.title}」（索引号 {article.index_no}）",
           actor=actor, obj=article, data={"index_no": article.index_no})
    return article


def publish_due(now: datetime | None = None) -> list[Article]:
    """Publish every scheduled article whose time has come (``flask portal-publish-due``, from cron;
    idempotent: an article published once is no longer scheduled)."""
    now = now or utcnow()
    due = db.session.scalars(sa.select(Article).where(Article.state == ArticleState.SCHEDULED,
                                                      Article.publish_at <= now).order_by(Article.publish_at,
                                                                                          Article.id)).all()
    done = []
    for article in due:
        locked = _locked(article.id)
        if locked.state == ArticleState.SCHEDULED:
            done.append(publish(locked, None))
    return done


def schedule(article: Article, actor, publish_at: datetime | None) -> None:
    """Set or clear the 定时发布 time (before review, or while waiting to be published)."""
    if not permissions.can_schedule_article(actor, article):
        raise PermissionDenied("您不能设置该信息的发布时间")
    if publish_at is not None and publish_at <= utcnow():
        raise ValidationFailed("定时发布时间须晚于现在", fields={"publish_at": ["请选择将来的时间"]})
    old = article.publish_at
    article.publish_at = publish_at
    db.session.flush()
    record("portal", "article.schedule_changed", f"设置「{article.title}」的定时发布时间", actor=actor,
           obj=article, data={"publish_at": [old.isoformat() if old else None,
                                             publish_at.isoformat() if publish_at else None]})
    if article.state == ArticleState.SCHEDULED and publish_at is None:
        publish(article, actor)


def withdraw(article: Article, actor, reason: str) -> None:
    """撤回 a published (or scheduled) article with a reason: off every public list, its URL 410."""
    if not permissions.can_withdraw_article(actor, article):
        raise PermissionDenied("只有发布机构的工作人员可以撤回已发布的信息")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("撤回须填写理由", fields={"reason": ["请填写撤回理由"]})
    if article.state not in (ArticleState.PUBLISHED, ArticleState.SCHEDULED):
        raise Conflict(f"该信息当前为“{article.state.label}”，不能撤回")
    previous = article.state
    article.state = ArticleState.WITHDRAWN
    article.withdrawn_at, article.withdrawn_by_id, article.withdraw_reason = utcnow(), actor.id, reason[:500]
    db.session.flush()
    record("portal", "article.withdrawn", f"撤回门户信息「{article.title}」：{reason[:200]}", actor=actor,
           obj=article, data={"reason": reason[:500], "from": previous.value})


def set_validity(article: Article, actor, validity: Validity, *, replaced_by: Article | None = None,
                 note: str | None = None) -> None:
    """效力状态 of a 政策文件: 已修改 / 已废止 names (and links) what amended or repealed it, if any."""
    if not permissions.can_withdraw_article(actor, article):
        raise PermissionDenied("只有发布机构的工作人员可以变更效力状态")
    if not article.is_policy:
        raise ValidationFailed("只有政策文件有效力状态")
    if validity == Validity.AMENDED and replaced_by is None:
        raise ValidationFailed("“已修改”须指明修改它的文件", fields={"replaced_by": ["请选择修改后的文件"]})
    if replaced_by is not None:
        if replaced_by.id == article.id or not replaced_by.is_public:
            raise ValidationFailed("修改或废止它的文件须为另一份已发布的信息", fields={"replaced_by": ["请选择已发布的信息"]})
        if validity == Validity.VALID:
            replaced_by = None
    old = article.validity
    article.validity = validity
    article.replaced_by_id = replaced_by.id if replaced_by is not None else None
    article.validity_note = (note or "").strip()[:300] or None
    if validity != old:
        article.validity_changed_at = utcnow()
    db.session.flush()
    db.session.expire(article, ["replaced_by"])
    if replaced_by is not None:
        db.session.expire(replaced_by, ["replaces"])
    record("portal", "article.validity_changed",
           f"「{article.title}」效力状态：{VALIDITY_LABELS[old] if old else '无'} → {validity.label}"
           + (f"（{replaced_by.title}）" if replaced_by is not None else ""), actor=actor, obj=article,
           data={"validity": [old.value if old else None, validity.value],
                 "replaced_by": replaced_by.id if replaced_by is not None else None})


# --- what the public sees --------------------------------------------------------------------------

def public_query(column: PortalColumn | None = None):
    """Published articles, newest first (of a column and its sub-columns)."""
    query = sa.select(Article).where(Article.state == ArticleState.PUBLISHED)
    if column is not None:
        query = query.where(Article.column_id.in_(column.subtree_ids()))
    return query.order_by(Article.published_at.desc(), Article.id.desc())


#: 采购招标 list filter: 进行中 (the 投标截止时间 lies ahead) / 已截止
DEADLINE_FILTERS = {"open": "进行中", "closed": "已截止"}


def by_deadline(query, status: str | None, now: datetime | None = None):
    """Narrow a list to notices still open or already closed (by their 截止时间); others unchanged."""
    now = now or utcnow()
    if status == "open":
        return query.where(Article.deadline_at > now)
    if status == "closed":
        return query.where(Article.deadline_at <= now)
    return query


def latest(column: PortalColumn, limit: int = 6) -> list[Article]:
    return list(db.session.scalars(public_query(column).limit(limit)))


def local_date(value: datetime | date | None) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(LOCAL).date()


# --- versions ------------------------------------------------------------------------------------

_BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-6]|blockquote|pre)\s*>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _lines(body: str) -> str:
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", body or "")))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def version_changes(old: ArticleVersion | None, new: ArticleVersion) -> list[tuple[str, str]]:
    """What changed in the text from ``old`` to ``new``: [(equal | delete | insert, text)], character
    by character (Chinese has no spaces to split words on), paragraphs kept as line breaks."""
    a = f"{old.title}\n{_lines(old.body)}" if old is not None else ""
    b = f"{new.title}\n{_lines(new.body)}"
    out: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", a[a1:a2]))
        if op in ("delete", "replace"):
            out.append(("delete", a[a1:a2]))
        if op in ("insert", "replace"):
            out.append(("insert", b[b1:b2]))
    return out

"""The public site: no login needed. Only published articles are ever shown or served.

A withdrawn article's address answers 410 with a notice (it was public once: links to it exist);
a draft, an article in review or a scheduled one answers 404, as if it did not exist. The 适老化 /
无障碍 mode is a cookie read by every public page (``care_mode``), set by a plain link (no script).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, make_response, redirect, render_template, request, url_for

from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.courses import publicity as course_publicity
from eduplatform.portal import PUBLIC_LINKS, bp
from eduplatform.portal.models import Article, ArticleAttachment, ArticleState
from eduplatform.portal.services import columns, content
from eduplatform.portal.services.content_search import KIND_CHOICES, search_site
from eduplatform.resources import publicity as resource_publicity
from eduplatform.resources.specs import get_specs

CARE_COOKIE = "portal_care"
PER_PAGE = 15
GONE_STATES = (ArticleState.WITHDRAWN,)


@bp.before_request
def _columns_in_step():
    if columns.ensure_synced():
        db.session.commit()


@bp.context_processor
def _public_context():
    return {"public_links": PUBLIC_LINKS, "care_mode": request.cookies.get(CARE_COOKIE) == "1"}


@bp.errorhandler(404)
@bp.errorhandler(NotFound)
def _not_found(exc):
    """A missing page of the public site answers in the site's own layout (staff pages keep theirs)."""
    db.session.rollback()  # as the platform's handler does: nothing half-written survives
    if (request.endpoint or "").startswith("portal.manage"):
        message = getattr(exc, "message", None) or "页面不存在"
        return render_template("errors/error.html", status=404, message=message), 404
    return render_template("portal/not_found.html"), 404


def _page(query):
    return db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)


@bp.get("/")
def home():
    blocks = [(column, content.latest(column, 6)) for column in columns.top_columns()]
    newest = list(db.session.scalars(content.public_query().limit(8)))
    return render_template("portal/home.html", blocks=blocks, newest=newest, specs=get_specs(),
                           open_resources=list(db.session.scalars(resource_publicity.public_list(limit=6))),
                           open_courses=list(db.session.scalars(course_publicity.public_course_list(6))))


@bp.get("/c/<key>")
def column_page(key):
    column = columns.column_by_key(key)
    status = request.args.get("status") if column.kind == "procurement" else None
    status = status if status in content.DEADLINE_FILTERS else None
    page = _page(content.by_deadline(content.public_query(column), status))
    return render_template("portal/column.html", column=column, page=page, status=status,
                           deadline_filters=content.DEADLINE_FILTERS)


@bp.get("/catalogue")
def catalogue():
    """政务公开 目录: each item a bureau must keep, with its count and latest entries."""
    root = columns.column_by_key("gov_open")
    sections = []
    for child in root.children:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(content.public_query(child).subquery()))
        sections.append((child, total, content.latest(child, 5)))
    return render_template("portal/catalogue.html", root=root, sections=sections)


def _public_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None or article.state not in (ArticleState.PUBLISHED, *GONE_STATES) \
            or article.published_at is None:  # withdrawn before it was ever public: never existed
        abort(404)
    if article.state in GONE_STATES:
        abort(make_response(render_template("portal/gone.html", article=article), 410))
    return article


@bp.get("/a/<int:article_id>")
def article_page(article_id):
    article = _public_article(article_id)
    return render_template("portal/article.html", article=article, local_date=content.local_date)


@bp.get("/a/<int:article_id>/print")
def article_print(article_id):
    article = _public_article(article_id)
    return render_template("portal/print.html", article=article, local_date=content.local_date)


@bp.get("/files/<int:attachment_id>")
def attachment(attachment_id):
    row = db.session.get(ArticleAttachment, attachment_id)
    if row is None:
        abort(404)
    _public_article(row.article_id)
    return row.file.send()


@bp.get("/search")
def search():
    q = (request.args.get("q") or "").strip()[:100]
    tops = columns.top_columns()
    choice = request.args.get("column")
    column = choice if choice in {c.key for c in tops} else None
    kinds = KIND_CHOICES[choice][1] if choice in KIND_CHOICES else None
    found = search_site(q, page=page_number(), column_key=column, kinds=kinds) if q else None
    return render_template("portal/search.html", q=q, found=found, tops=tops, column=column or
                           (choice if kinds else None), kind_choices=KIND_CHOICES)


def _safe_next(value: str | None) -> str:
    parts = urlsplit(value or "")
    if parts.scheme or parts.netloc or not (value or "").startswith("/"):
        return url_for("portal.home")
    return value


@bp.get("/care")
def care_mode():
    """Turn the 适老化 / 无障碍 mode on or off (a cookie, a year) and go back to the page."""
    on = request.args.get("on") == "1"
    response = redirect(_safe_next(request.args.get("next")))
    if on:
        response.set_cookie(CARE_COOKIE, "1", max_age=365 * 86400, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(CARE_COOKIE)
    return response

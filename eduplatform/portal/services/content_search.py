"""The site search: published articles only, in the platform's full-text index (jieba + Whoosh),
and the resources and courses approved for 向社会公开 (their own index documents carry the
``public`` token only while they are public; each hit is checked against the database again with
the owning domain's predicate).

An article is in the index only while it is published: ``to_document`` answers None for every
other state, and the registry's after-commit hooks then remove it (a withdrawn article disappears
with the commit that withdrew it). The hits are checked against the database once more before
anything is shown, so an index lagging behind a change never shows a withdrawn title.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.search.base import PUBLIC, SearchDocument, SearchQuery, SearchResults
from eduplatform.core.search.query import highlight, parse_cached
from eduplatform.core.search.registry import get_search, register_searchable
from eduplatform.core.text.richtext import plain_text
from eduplatform.portal.models import Article, ArticleState

KIND = "portal_article"
PER_PAGE = 15
SNIPPET_CHARS = 120


def register() -> None:
    register_searchable(KIND, Article, article_document)


def article_document(article: Article) -> SearchDocument | None:
    if article.state != ArticleState.PUBLISHED:
        return None
    top = article.column.top if article.column is not None else None
    return SearchDocument(
        kind=KIND, object_id=article.id, title=article.title, summary=article.summary or "",
        content=plain_text(article.body)[:100_000],
        keywords=[k for k in (article.index_no, article.doc_number) if k],
        facets={"column": top.key if top else ""}, acl=[PUBLIC], created=article.published_at)


#: The index kinds of 公开资源 and 公开课程 (registered by their domains).
RESOURCE_KIND = "resource"
COURSE_KIND = "course"
#: The search form's choices beyond the columns: kind choice → index kinds.
KIND_CHOICES = {"open_resources": ("公开资源", [RESOURCE_KIND]), "open_courses": ("公开课程", [COURSE_KIND])}


@dataclass
class Hit:
    article: Article | None
    title_html: str
    snippet_html: str
    #: for 公开资源 / 公开课程: the object, its kind and its page's endpoint arguments
    obj: object = None
    kind: str = KIND


@dataclass
class SiteSearch:
    results: SearchResults
    hits: list[Hit]

    @property
    def total(self) -> int:
        return self.results.total


def search_site(q: str, *, page: int = 1, column_key: str | None = None,
                kinds: list[str] | None = None) -> SiteSearch:
    """Articles (of one top column with ``column_key``), 公开资源 and 公开课程 (``kinds`` narrows)."""
    if column_key:
        kinds = [KIND]
    query = SearchQuery(text=q or "", kinds=kinds or [KIND, RESOURCE_KIND, COURSE_KIND], acl=[PUBLIC],
                        filters={"column": column_key} if column_key else {}, page=max(1, page), per_page=PER_PAGE)
    results = get_search().search(query)
    ids = {kind: [int(h.object_id) for h in results.hits if h.kind == kind]
           for kind in (KIND, RESOURCE_KIND, COURSE_KIND)}
    rows = {a.id: a for a in db.session.scalars(sa.select(Article).where(
        Article.id.in_(ids[KIND]), Article.state == ArticleState.PUBLISHED))} if ids[KIND] else {}
    opened = _open_objects(ids[RESOURCE_KIND], ids[COURSE_KIND])
    rx = parse_cached(q or "").highlight_re
    hits = []
    for h in results.hits:
        if h.kind == KIND:
            article = rows.get(int(h.object_id))
            if article is not None:
                hits.append(Hit(article, highlight(article.title, rx), _snippet(article, rx)))
            continue
        obj = opened.get((h.kind, int(h.object_id)))
        if obj is not None:
            text = " ".join((getattr(obj, "description", "") if h.kind == RESOURCE_KIND else obj.summary or "").split())
            hits.append(Hit(None, highlight(obj.title, rx), highlight(text[:SNIPPET_CHARS], rx), obj=obj, kind=h.kind))
    return SiteSearch(results, hits)


def _open_objects(resource_ids: list[int], course_ids: list[int]) -> dict:
    """The hits' resources and courses that are public now (the index may lag behind a change)."""
    from eduplatform.courses.models import Course
    from eduplatform.courses.permissions import can_view_public_course
    from eduplatform.resources.models import Resource
    from eduplatform.resources.permissions import can_view_public_resource

    found = {}
    if resource_ids:
        for resource in db.session.scalars(sa.select(Resource).where(Resource.id.in_(resource_ids))):
            if can_view_public_resource(resource):
                found[(RESOURCE_KIND, resource.id)] = resource
    if course_ids:
        for course in db.session.scalars(sa.select(Course).where(Course.id.in_(course_ids))):
            if can_view_public_course(course):
                found[(COURSE_KIND, course.id)] = course
    return found


def _snippet(article: Article, rx) -> str:
    text = " ".join((article.summary or plain_text(article.body) or "").split())
    start = 0
    if rx is not None:
        m = rx.search(text)
        if m is not None:
            start = max(0, m.start() - 30)
    end = start + SNIPPET_CHARS
    return ("…" if start else "") + highlight(text[start:end], rx) + ("…" if end < len(text) else "")

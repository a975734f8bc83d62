"""The site search: published articles only, in the platform's full-text index (jieba + Whoosh).

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


@dataclass
class Hit:
    article: Article
    title_html: str
    snippet_html: str


@dataclass
class SiteSearch:
    results: SearchResults
    hits: list[Hit]

    @property
    def total(self) -> int:
        return self.results.total


def search_site(q: str, *, page: int = 1, column_key: str | None = None) -> SiteSearch:
    query = SearchQuery(text=q or "", kinds=[KIND], acl=[PUBLIC],
                        filters={"column": column_key} if column_key else {}, page=max(1, page), per_page=PER_PAGE)
    results = get_search().search(query)
    ids = [int(h.object_id) for h in results.hits]
    rows = {a.id: a for a in db.session.scalars(sa.select(Article).where(
        Article.id.in_(ids), Article.state == ArticleState.PUBLISHED))} if ids else {}
    rx = parse_cached(q or "").highlight_re
    hits = []
    for h in results.hits:
        article = rows.get(int(h.object_id))
        if article is not None:
            hits.append(Hit(article, highlight(article.title, rx), _snippet(article, rx)))
    return SiteSearch(results, hits)


def _snippet(article: Article, rx) -> str:
    text = " ".join((article.summary or plain_text(article.body) or "").split())
    start = 0
    if rx is not None:
        m = rx.search(text)
        if m is not None:
            start = max(0, m.start() - 30)
    end = start + SNIPPET_CHARS
    return ("…" if start else "") + highlight(text[start:end], rx) + ("…" if end < len(text) else "")

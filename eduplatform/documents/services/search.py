"""Full-text search over 公文 within what the searcher may read (知悉范围 and 密级).

Indexed: 标题, 发文字号 / 收文号 / 来文字号 (also matched exactly as typed), 来文机关, 主送机关, the
current 正文 and 附注, with 发文/收文, 文种 and year as facets.

**How visibility is filtered (inside the search, never after it).** Who may read a document
(``access.visible_ids``) has two parts, and each is filtered where it stays correct:

- *By office* — the issuing unit's leaders (all) and the staff of the bureau and its 科室
  (unclassified only). This depends only on the document's own ``org_id`` and ``secrecy``, which
  are in the index as ACL tokens (``doc-unit:<org>`` on every document, ``doc-unit-open:<org>`` on
  an unclassified one) and re-indexed with the document whenever it changes (the registry's
  after-commit hooks). Which tokens a searcher holds — their bureau, its 科室, whether they lead
  it — is read from the database at query time, so a change of role or of the org tree needs no
  re-indexing.
- *Personally* — drafter, flow participants (including open tasks offered to a role or unit),
  grants, 传阅 readers and any other reader source. These change with every step, claim, grant,
  circulation and recall, and with the searcher's roles (a task offered to a role); indexing them
  would mean re-indexing on each of those events, in several packages, and a missed hook would
  leak or hide documents. So they are not indexed: the ids are read from the database at query
  time (``access.personal_ids``, the same select ``visible_ids`` uses), less those already covered
  by the searcher's office tokens, and passed as ``doc:<id>`` tokens (every document carries its
  own). That remainder is small — classified documents one takes part in and documents of other
  units — so the ACL stays a short list of bitmap ORs.

The total, the facet counts and the ranking are therefore computed over the visible documents only.
The hits of the page are checked once more against the database (``access.reader_scope``, the
rule of ``visible_ids`` read at the same time as the tokens) before anything is shown, and
the snippet is cut from the database's current 正文 of a document the searcher may read: should
the index lag behind a change (indexing failed after a commit; ``flask check`` reports it, ``flask
reindex`` heals), no title or snippet of an unreadable document is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, selectinload

from eduplatform.core.extensions import db
from eduplatform.core.search.base import SearchDocument, SearchQuery, SearchResults
from eduplatform.core.search.query import highlight, parse_cached
from eduplatform.core.search.registry import get_search, index_after_commit, register_searchable
from eduplatform.documents.models import BodyVersion, Document
from eduplatform.documents.services import access

KIND = "document"
FACETS = ["direction", "doctype", "year"]
DIRECTION_LABELS = {"out": "发文", "in": "收文"}
PER_PAGE = 20
#: Characters of 正文 indexed per document (a 公文 is rarely longer than a few thousand).
MAX_INDEXED_TEXT = 100_000
#: A snippet: this many characters around the first match.
SNIPPET_CHARS = 120
SNIPPET_BEFORE = 30
#: An ACL token no document holds (a searcher who may read nothing).
NOTHING = "-"


def register() -> None:
    """Make documents a searchable kind (from ``documents.init_app``)."""
    register_searchable(KIND, Document, document_document,
                        load_options=lambda: (selectinload(Document.versions),))
    if not event.contains(Session, "after_flush", _body_versions_flushed):
        event.listen(Session, "after_flush", _body_versions_flushed)


def _body_versions_flushed(session: Session, flush_context) -> None:
    """A saved or finalised 正文 changes its document's entry, though the document row may not."""
    ids = {obj.document_id for obj in [*session.new, *session.dirty, *session.deleted]
           if isinstance(obj, BodyVersion) and obj.document_id is not None}
    if ids:
        index_after_commit(KIND, sorted(ids), session=session)


def document_year(document: Document) -> int | None:
    """The year a document is filed under: its 发文字号's, else received, written or created."""
    if document.doc_year:
        return document.doc_year
    for day in (document.received_on, document.written_on, document.created_at):
        if day is not None:
            return day.year
    return None


def numbers(document: Document) -> list[str]:
    return [n for n in (document.doc_number, document.receipt_number, document.source_doc_number) if n]


def document_acl(document: Document) -> list[str]:
    acl = [f"doc:{document.id}", f"doc-unit:{document.org_id}"]
    if not document.secrecy:
        acl.append(f"doc-unit-open:{document.org_id}")
    return acl


def document_document(document: Document) -> SearchDocument:
    """How a 公文 appears in the full-text index."""
    current = document.current_version
    meta = [*(f"{label} {value}" for label, value in (
        ("发文字号", document.doc_number), ("收文号", document.receipt_number),
        ("来文字号", document.source_doc_number), ("来文机关", document.source_org_name),
        ("主送", document.main_recipients)) if value)]
    summary = " · ".join(meta)
    content = [(current.text if current else "")[:MAX_INDEXED_TEXT], document.remark or ""]
    if len(summary) > 300:  # the summary is cut there: keep the rest of 主送机关 findable
        content.append(document.main_recipients or "")
    year = document_year(document)
    return SearchDocument(
        kind=KIND, object_id=document.id, title=document.title, summary=summary,
        content="\n".join(c for c in content if c), keywords=numbers(document),
        facets={"direction": document.direction, "doctype": document.doctype,
                "year": str(year) if year else "", "state": document.state, "org": str(document.org_id)},
        acl=document_acl(document), created=document.created_at)


def user_acl(user, scope: access.ReaderScope | None = None) -> list[str]:
    """The searcher's ACL tokens: their office's, and ``doc:<id>`` for what they read personally
    and their office does not already cover."""
    scope = scope if scope is not None else access.reader_scope(user)
    tokens = [f"doc-unit:{u}" if scope.classified_too else f"doc-unit-open:{u}" for u in sorted(scope.unit_ids)]
    personal = sorted(scope.personal_ids)
    if personal and scope.unit_ids:
        covered = set()
        for start in range(0, len(personal), 500):
            chunk = personal[start:start + 500]
            covered.update(i for i, org_id, secrecy in db.session.execute(
                sa.select(Document.id, Document.org_id, Document.secrecy).where(Document.id.in_(chunk)))
                if scope.by_office(org_id, secrecy))
        personal = [i for i in personal if i not in covered]
    tokens += [f"doc:{i}" for i in personal]
    return tokens or [NOTHING]


@dataclass
class DocumentHit:
    document: Document
    #: HTML: escaped, matched terms in ``<mark>``
    title_html: str
    snippet_html: str
    score: float


@dataclass
class DocumentSearch:
    results: SearchResults
    hits: list[DocumentHit]
    #: facet → [(value, label, count)] within what the searcher may read
    facets: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.results.total


def search_documents(user, q: str, *, direction: str | None = None, doctype: str | None = None,
                     year: int | str | None = None, page: int = 1, per_page: int = PER_PAGE) -> DocumentSearch:
    """The documents ``user`` may read that match ``q`` (best first; newest first without ``q``)."""
    filters = {k: str(v) for k, v in (("direction", direction), ("doctype", doctype), ("year", year)) if v}
    scope = access.reader_scope(user)
    query = SearchQuery(text=q or "", kinds=[KIND], filters=filters, acl=user_acl(user, scope), facets=FACETS,
                        page=max(1, int(page or 1)), per_page=per_page)
    results = get_search().search(query)
    ids = [int(hit.object_id) for hit in results.hits]
    rows = {}
    if ids:
        # The database has the last word: only documents the user may read now are shown.
        rows = {d.id: d for d in db.session.scalars(
            sa.select(Document).where(Document.id.in_(ids)).options(selectinload(Document.versions)))
            if scope.may_read(d)}
    rx = parse_cached(q or "").highlight_re
    hits = []
    for hit in results.hits:
        document = rows.get(int(hit.object_id))
        if document is not None:
            hits.append(DocumentHit(document, highlight(document.title, rx), snippet(document, rx), hit.score))
    return DocumentSearch(results, hits, _facet_labels(results))


def snippet(document: Document, rx) -> str:
    """A piece of the 正文 (or 附注, 主送机关, 来文机关) around the first match, highlighted."""
    current = document.current_version
    texts = [" ".join(t.split()) for t in ((current.text if current else ""), document.remark,
                                           document.main_recipients, document.source_org_name) if t]
    texts = [t for t in texts if t]
    if rx is not None:
        for text in texts:
            m = rx.search(text)
            if m is not None:
                return _window(text, max(0, m.start() - SNIPPET_BEFORE), rx)
    return _window(texts[0], 0, rx) if texts else ""


def _window(text: str, start: int, rx) -> str:
    end = start + SNIPPET_CHARS
    return ("…" if start > 0 else "") + highlight(text[start:end], rx) + ("…" if end < len(text) else "")


def _facet_labels(results: SearchResults) -> dict:
    from eduplatform.documents.doctypes import get_doctype

    out = {}
    for name, counts in results.facet_counts.items():
        labelled = []
        for value, count in counts:
            if name == "direction":
                label = DIRECTION_LABELS.get(value, value)
            elif name == "doctype":
                doctype = get_doctype(value)
                label = doctype.name if doctype else value
            else:
                label = f"{value}年"
            labelled.append((value, label, count))
        if name == "year":
            labelled.sort(key=lambda item: item[0], reverse=True)
        out[name] = labelled
    return out



def unified_results(user, q: str, limit: int):
    """The one search box's 公文 group: 公文检索 itself, within 知悉范围."""
    from flask import url_for

    from eduplatform.core.search.groups import GroupResult, SearchLink

    found = search_documents(user, q, per_page=limit)
    links = [SearchLink(hit.document.title, url_for("documents.document_page", document_id=hit.document.id),
                        hit.document.doc_number or hit.document.source_doc_number or "") for hit in found.hits]
    return GroupResult(found.total, links)


def register_unified() -> None:
    from flask import url_for

    from eduplatform.core.search.groups import SearchGroup, register_search_group
    from eduplatform.documents.services.exchange import handles_documents

    register_search_group(SearchGroup("document", "公文", handles_documents, unified_results,
                                      lambda q: url_for("documents.search", q=q), order=40))

"""Resources in the full-text index, and the search the library page and the API run.

Documents carry ACL tokens (``permissions.resource_acl``); a searcher's tokens come from
``permissions.user_acl``, so drafts and returned items reach only their owner and reviewers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eduplatform.core.extensions import db
from eduplatform.core.search.base import SearchDocument, SearchQuery, SearchResults
from eduplatform.core.search.registry import get_search
from eduplatform.orgs.models import OrgUnit
from eduplatform.resources import permissions
from eduplatform.resources.models import Resource
from eduplatform.resources.specs import get_specs

KIND = "resource"
FACETS = ["type", "stage", "subject", "grade", "format", "org"]
#: 教材章节: a resource's nodes with every 章 and 册 above them, so a filter by a chapter finds its
#: sections' resources. A filter and a facet of the textbook pages, not of the search sidebar.
TEXTBOOK = "textbook"
FILTERS = [*FACETS, TEXTBOOK]
#: API/UI sort names → the search service's.
SORTS = {"relevance": "relevance", "newest": "newest", "downloads": "popularity", "rating": "rating"}
SORT_LABELS = {"relevance": "相关度", "newest": "最新", "downloads": "下载最多", "rating": "评分最高"}
#: Index at most this much extracted text per resource (the stored text may be longer).
MAX_INDEXED_TEXT = 100_000


def iter_resources():
    """Every resource with its versions loaded in batches (for `flask reindex`)."""
    from sqlalchemy.orm import selectinload

    query = (sa.select(Resource).options(selectinload(Resource.versions)).order_by(Resource.id)
             .execution_options(yield_per=500))
    return iter(db.session.scalars(query))


def resource_document(resource: Resource) -> SearchDocument | None:
    specs = get_specs()
    version = resource.version
    labels = [specs.label("stage", resource.stage), specs.label("subject", resource.subject),
              specs.label("grade", resource.grade), specs.label("textbook_edition", resource.textbook_edition)]
    points = [specs.label("knowledge_point", code) for code in resource.knowledge_points or []]
    rtype = specs.get(resource.type)
    keywords = [k for k in dict.fromkeys([*(resource.keywords or []), *points,
                                          *([rtype.label] if rtype else [])]) if k]
    content = (version.extracted_text or "")[:MAX_INDEXED_TEXT] if version else ""
    return SearchDocument(
        kind=KIND,
        object_id=resource.id,
        title=resource.title,
        summary=resource.description or "",
        content="\n".join([content, " ".join(x for x in labels if x)]),
        keywords=keywords,
        facets={"type": resource.type, "stage": resource.stage, "subject": resource.subject,
                "grade": resource.grade or "", "format": resource.format, "org": str(resource.org_id),
                TEXTBOOK: specs.textbooks.lineage((resource.extra or {}).get("textbook_nodes"))},
        acl=permissions.resource_acl(resource),
        created=resource.published_at or resource.created_at,
        popularity=resource.download_count,
        rating=resource.rating_avg,
    )


@dataclass
class ResourceHit:
    resource: Resource
    highlights: dict
    score: float


@dataclass
class ResourceSearch:
    results: SearchResults
    hits: list[ResourceHit]
    #: facet → [(value, label, count)]
    facets: dict


def search_resources(user, *, q: str = "", filters: dict | None = None, sort: str = "relevance",
                     page: int = 1, per_page: int = 20, facet_labels: bool = True,
                     facets: list[str] | None = None) -> ResourceSearch:
    """Search what ``user`` may see; ``facets`` (the sidebar's by default) counted over the results."""
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
    query = SearchQuery(text=q or "", kinds=[KIND], filters=filters, acl=permissions.user_acl(user),
                        facets=facets if facets is not None else FACETS, sort=SORTS.get(sort, "relevance"),
                        page=page, per_page=per_page)
    results = get_search().search(query)
    ids = [int(hit.object_id) for hit in results.hits]
    rows = {r.id: r for r in db.session.scalars(sa.select(Resource).where(Resource.id.in_(ids))
                                                .options(selectinload(Resource.versions)))} if ids else {}
    hits = []
    for hit in results.hits:
        resource = rows.get(int(hit.object_id))
        # The index may lag a moment behind a change: the database has the last word.
        if resource is not None and permissions.can_view_resource(user, resource):
            hits.append(ResourceHit(resource, hit.highlights, hit.score))
    return ResourceSearch(results, hits, _facet_labels(results) if facet_labels else {})


_ORG_NAMES: dict[int, str] = {}
_ORG_NAMES_LOADED = [0.0]
ORG_NAME_TTL = 60.0


def org_names(ids: list[int]) -> dict[int, str]:
    """Names of org units for the org facet, cached for a minute (one query per search otherwise)."""
    now = time.monotonic()
    if now - _ORG_NAMES_LOADED[0] > ORG_NAME_TTL:
        _ORG_NAMES.clear()
        _ORG_NAMES_LOADED[0] = now
    missing = [i for i in ids if i not in _ORG_NAMES]
    if missing:
        _ORG_NAMES.update(db.session.execute(sa.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(missing))).all())
    return {i: _ORG_NAMES.get(i, str(i)) for i in ids}


def _facet_labels(results: SearchResults) -> dict:
    specs = get_specs()
    vocab_of = {"stage": "stage", "subject": "subject", "grade": "grade", "format": "format",
                TEXTBOOK: "textbook_node"}
    org_ids = [int(v) for v, _ in results.facet_counts.get("org", []) if v.isdigit()]
    names = org_names(org_ids) if org_ids else {}
    out = {}
    for name, counts in results.facet_counts.items():
        labelled = []
        for value, count in counts:
            if name == "type":
                rtype = specs.get(value)
                label = rtype.label if rtype else value
            elif name == "org":
                label = names.get(int(value), value) if value.isdigit() else value
            else:
                label = specs.label(vocab_of[name], value)
            labelled.append((value, label, count))
        out[name] = labelled
    return out


def unified_results(user, q: str, limit: int):
    """The one search box's 教学资源 group: the library's own search, within the same ACL."""
    from flask import url_for

    from eduplatform.core.search.groups import GroupResult, SearchLink

    found = search_resources(user, q=q, per_page=limit, facet_labels=False)
    specs = get_specs()
    links = []
    for hit in found.hits:
        r = hit.resource
        rtype = specs.get(r.type)
        summary = " · ".join(x for x in ((rtype.label if rtype else ""), specs.label("stage", r.stage),
                                         specs.label("subject", r.subject)) if x)
        if r.state.value != "published":
            summary += f" · {r.state.label}"
        links.append(SearchLink(r.title, url_for("resources.detail", resource_id=r.id), summary))
    return GroupResult(found.results.total, links)


def register_unified() -> None:
    from flask import url_for

    from eduplatform.core.search.groups import SearchGroup, register_search_group

    register_search_group(SearchGroup(
        KIND, "教学资源", lambda user: user.is_authenticated, unified_results,
        lambda q: url_for("resources.search", q=q), order=10))

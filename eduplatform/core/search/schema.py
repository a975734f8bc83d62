"""The index's fields, and how a :class:`SearchDocument` becomes the fields Whoosh writes."""

from __future__ import annotations

import json
import re
from typing import Any

from whoosh import fields

from eduplatform.core.search.analysis import analyze, chinese_analyzer, nfkc
from eduplatform.core.search.base import SUMMARY_MAX_CHARS, SearchDocument

INDEX_NAME = "MAIN"
TEXT_FIELDS = ("title", "summary", "content", "keywords")
#: Sort orders other than relevance → the numeric column they sort by.
SORT_FIELDS = {"newest": "created", "popularity": "popularity", "rating": "rating"}
FACET_PREFIX = "f_"
FACET_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
#: Ratings are stored as integer thousandths (Whoosh 2.7.5's float columns are broken).
RATING_SCALE = 1000


def build_schema() -> fields.Schema:
    ana = chinese_analyzer()
    schema = fields.Schema(
        uid=fields.ID(unique=True, stored=True, sortable=True),
        kind=fields.ID(stored=True),
        object_id=fields.ID(stored=True),
        title=fields.TEXT(analyzer=ana, stored=True, field_boost=3.0, phrase=False),
        summary=fields.TEXT(analyzer=ana, stored=True, field_boost=1.5, phrase=False),
        content=fields.TEXT(analyzer=ana, stored=False, phrase=False),
        keywords=fields.TEXT(analyzer=ana, stored=False, field_boost=2.0, phrase=False),
        # Exact (lower-cased) keywords, so a tag like 'C++' or '3D打印' matches as typed.
        tags=fields.ID(field_boost=2.0),
        acl=fields.ID(),
        created=fields.NUMERIC(int, bits=64, signed=True, sortable=True),
        popularity=fields.NUMERIC(int, bits=64, signed=True, sortable=True),
        rating=fields.NUMERIC(int, bits=64, signed=True, sortable=True),
        # The document's facets as compact JSON (the f_* fields are indexed only).
        facets=fields.STORED(),
    )
    # Facet values are indexed verbatim (lists give multi-valued facets).
    schema.add(FACET_PREFIX + "*", fields.ID(), glob=True)
    return schema


def clean_values(value: Any) -> list[str]:
    """The distinct non-blank values of a value or list of values, as stripped strings."""
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    out: list[str] = []
    for v in values:
        if v is None:
            continue
        s = str(v).strip()
        if s and s not in out:
            out.append(s)
    return out


def document_fields(doc: SearchDocument, *, pretokenize: bool) -> dict[str, Any]:
    """The Whoosh fields of ``doc``; with ``pretokenize`` its text already analysed into tokens.

    Analysing here, before the write lock is taken, is only right when the index's text fields use
    our analyzer: a list of tokens is indexed as is (Whoosh skips its analyzer for lists).
    """
    if not doc.kind or not str(doc.kind).strip():
        raise ValueError("SearchDocument.kind is required")
    title = str(doc.title or "")
    summary = str(doc.summary or "")[:SUMMARY_MAX_CHARS]
    facets: dict[str, str | list[str]] = {}
    text = analyze if pretokenize else (lambda value: value)
    out: dict[str, Any] = {
        "uid": doc.uid,
        "kind": str(doc.kind),
        "object_id": str(doc.object_id),
        "title": text(nfkc(title)),
        "summary": text(nfkc(summary)),
        "_stored_title": title,
        "_stored_summary": summary,
        "created": int(doc.created.timestamp()) if doc.created else 0,
        "popularity": int(doc.popularity or 0),
        "rating": round(float(doc.rating or 0.0) * RATING_SCALE),
    }
    if doc.content:
        out["content"] = text(nfkc(str(doc.content)))
    keywords = clean_values(doc.keywords)
    if keywords:
        out["keywords"] = text(nfkc(" ".join(keywords)))
        out["tags"] = sorted({nfkc(k).lower() for k in keywords})
    acl = clean_values(doc.acl)
    if acl:
        out["acl"] = acl
    for name, value in (doc.facets or {}).items():
        if not FACET_NAME_RE.match(str(name)):
            raise ValueError(f"invalid facet name {name!r}")
        values = clean_values(value)
        if not values:
            continue
        out[FACET_PREFIX + name] = values
        facets[name] = values if isinstance(value, (list, tuple, set, frozenset)) else values[0]
    out["facets"] = json.dumps(facets, ensure_ascii=False, separators=(",", ":"))
    return out

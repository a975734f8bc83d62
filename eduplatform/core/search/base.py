"""The search service's interface: documents in, ranked and faceted results out.

Every domain (resources, questions, courses, orgs, documents…) turns its objects into
:class:`SearchDocument` records and hands them to a :class:`SearchBackend`; pages query it with a
:class:`SearchQuery`. The interface knows nothing about any domain.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: Sort orders a query may ask for.
SortOrder = Literal["relevance", "newest", "popularity", "rating"]
SORT_ORDERS: tuple[str, ...] = ("relevance", "newest", "popularity", "rating")

#: How much of ``summary`` is kept (stored and shown).
SUMMARY_MAX_CHARS = 300

#: The ACL token every anonymous visitor holds.
PUBLIC = "public"


class SearchError(Exception):
    """The search service is unusable or busy (the message is safe to show to users)."""


@dataclass
class SearchDocument:
    """One searchable object, identified by ``uid`` = ``"{kind}:{object_id}"``."""

    kind: str
    object_id: str | int
    title: str
    #: Short description; stored and shown (only the first ``SUMMARY_MAX_CHARS`` are kept).
    summary: str = ""
    #: Long extracted text; indexed, never stored.
    content: str = ""
    #: Tags: matched exactly (case-insensitive) and as analysed text.
    keywords: list[str] = field(default_factory=list)
    #: Facet field → value(s), e.g. ``{"type": "courseware", "stage": "junior"}``: exact-match
    #: filterable and countable.
    facets: dict[str, str | list[str]] = field(default_factory=dict)
    #: Visibility tokens ("public", "org:12", "user:5"): a searcher sees the document when they
    #: hold any of them.
    acl: list[str] = field(default_factory=lambda: [PUBLIC])
    created: datetime | None = None
    popularity: int = 0
    rating: float = 0.0

    @property
    def uid(self) -> str:
        return f"{self.kind}:{self.object_id}"


@dataclass
class SearchQuery:
    text: str = ""
    #: Only these kinds (None = all kinds).
    kinds: list[str] | None = None
    #: Facet field → value or any-of values; different fields are AND-ed.
    filters: dict[str, str | list[str]] = field(default_factory=dict)
    #: The searcher's ACL tokens; ``None`` = no restriction (admin, maintenance).
    acl: list[str] | None = None
    #: Facet fields to count over the whole (filtered) result set.
    facets: list[str] = field(default_factory=list)
    #: "relevance" (default; "newest" when ``text`` is empty), "newest", "popularity", "rating".
    sort: SortOrder = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class SearchHit:
    uid: str
    kind: str
    object_id: str
    score: float
    title: str
    summary: str
    #: "title"/"summary" → HTML-escaped text with matched terms wrapped in ``<mark>``.
    highlights: dict[str, str] = field(default_factory=dict)
    #: The document's stored facet values.
    facets: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass
class SearchResults:
    total: int
    page: int
    per_page: int
    hits: list[SearchHit] = field(default_factory=list)
    #: Facet field → [(value, count)], sorted by count desc, then value.
    facet_counts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        if self.total <= 0 or self.per_page <= 0:
            return 0
        return math.ceil(self.total / self.per_page)


class SearchBackend(ABC):
    """A full-text index shared by all domains."""

    @abstractmethod
    def index(self, docs: Iterable[SearchDocument]) -> int:
        """Add or replace (by ``uid``) a batch of documents; returns how many were written."""

    @abstractmethod
    def delete(self, uids: Iterable[str]) -> None:
        """Remove documents by ``uid`` (unknown uids are ignored)."""

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run a query; never raises on user syntax."""

    @abstractmethod
    def uids(self, kind: str | None = None) -> set[str]:
        """All indexed uids (optionally of one kind), for consistency checks."""

    @abstractmethod
    def clear(self, kind: str | None = None) -> None:
        """Remove every document (or every document of one kind)."""

    @abstractmethod
    def doc_count(self) -> int:
        """Number of live documents."""

    @abstractmethod
    def check(self) -> None:
        """Raise :class:`SearchError` if the index cannot be opened and searched."""

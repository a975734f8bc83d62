"""Full-text search: one interface, a Whoosh backend with jieba's Chinese analyzer."""

from eduplatform.core.search.base import (
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResults,
)

__all__ = ["SearchBackend", "SearchDocument", "SearchError", "SearchHit", "SearchQuery", "SearchResults"]

"""The app's search backend, the searchable kinds of every domain, and indexing after commit.

A domain registers a kind once (``register_searchable``); from then on every committed insert,
update or delete of that model reaches the index — after the commit, never inside the request's
transaction, so a rolled-back change is never searchable and a slow index never slows a write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from eduplatform.core.search.base import SearchBackend, SearchDocument

_PENDING_IDS = "edu_search_pending"  # {(kind, id): "upsert" | "delete"}
_READY = "edu_search_ready"  # ([documents], [uids to delete]) built before commit


@dataclass(frozen=True)
class SearchableKind:
    kind: str
    model: type
    #: The document for an object, or None when it must not be in the index (e.g. soft-deleted).
    to_document: Callable[[object], SearchDocument | None]
    #: Yields every object of the kind, for reindexing (default: all rows).
    iter_all: Callable[[], Iterator[object]] | None = None


_KINDS: dict[str, SearchableKind] = {}
_BY_MODEL: dict[type, SearchableKind] = {}


def register_searchable(kind: str, model: type, to_document, iter_all=None) -> None:
    spec = SearchableKind(kind, model, to_document, iter_all)
    _KINDS[kind] = spec
    _BY_MODEL[model] = spec


def searchable_kinds() -> list[SearchableKind]:
    return list(_KINDS.values())


def iter_objects(spec: SearchableKind) -> Iterator[object]:
    from eduplatform.core.extensions import db

    if spec.iter_all is not None:
        return spec.iter_all()
    return iter(db.session.scalars(db.select(spec.model).order_by(spec.model.id)
                                   .execution_options(yield_per=500)))


def count_objects(spec: SearchableKind) -> int:
    from sqlalchemy import func

    from eduplatform.core.extensions import db

    return db.session.scalar(db.select(func.count()).select_from(spec.model))


def build_search(config) -> SearchBackend:
    from eduplatform.core.search.whoosh_backend import WhooshSearch

    return WhooshSearch(config["SEARCH_INDEX_DIR"])


def init_app(app: Flask) -> None:
    app.extensions["edu_search"] = app.config.get("SEARCH_INSTANCE") or build_search(app.config)
    _install_hooks()


def get_search() -> SearchBackend:
    return current_app.extensions["edu_search"]


def reindex(batch_size: int = 500, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; returns how many documents were indexed."""
    search = get_search()
    search.clear()
    total = 0
    for spec in searchable_kinds():
        batch: list[SearchDocument] = []
        for obj in iter_objects(spec):
            doc = spec.to_document(obj)
            if doc is not None:
                batch.append(doc)
            if progress:
                progress(1)
            if len(batch) >= batch_size:
                search.index(batch)
                total += len(batch)
                batch = []
        if batch:
            search.index(batch)
            total += len(batch)
    return total


def expected_uids() -> dict[str, set[str]]:
    """What the index should hold, per kind, according to the database."""
    expected: dict[str, set[str]] = {}
    for spec in searchable_kinds():
        uids = expected.setdefault(spec.kind, set())
        for obj in iter_objects(spec):
            doc = spec.to_document(obj)
            if doc is not None:
                uids.add(doc.uid)
    return expected


# --- after-commit indexing --------------------------------------------------------------------

_hooks_installed = False


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    # after_flush (not _postexec): new/dirty/deleted still list what this flush wrote, ids assigned.
    event.listen(Session, "after_flush", _remember_changes)
    event.listen(Session, "before_commit", _build_documents)
    event.listen(Session, "after_commit", _apply_to_index)
    event.listen(Session, "after_soft_rollback", _forget)


def _remember_changes(session: Session, flush_context) -> None:
    if not _BY_MODEL:
        return
    pending = session.info.setdefault(_PENDING_IDS, {})
    for obj in list(session.new) + list(session.dirty):
        spec = _BY_MODEL.get(type(obj))
        if spec is not None and getattr(obj, "id", None) is not None:
            pending[(spec.kind, obj.id)] = "upsert"
    for obj in session.deleted:
        spec = _BY_MODEL.get(type(obj))
        if spec is not None:
            pending[(spec.kind, obj.id)] = "delete"


def _build_documents(session: Session) -> None:
    session.flush()  # changes not flushed yet must be seen here too
    pending = session.info.pop(_PENDING_IDS, None)
    if not pending:
        return
    documents, deletions = session.info.setdefault(_READY, ([], []))
    for (kind, obj_id), action in pending.items():
        spec = _KINDS[kind]
        obj = session.get(spec.model, obj_id) if action == "upsert" else None
        doc = spec.to_document(obj) if obj is not None else None
        if doc is None:
            deletions.append(f"{kind}:{obj_id}")
        else:
            documents.append(doc)


def _apply_to_index(session: Session) -> None:
    ready = session.info.pop(_READY, None)
    if not ready:
        return
    documents, deletions = ready
    try:
        search = get_search()
        if deletions:
            search.delete(deletions)
        if documents:
            search.index(documents)
    except Exception:  # the database is the truth: `flask reindex` heals, `flask check` reports
        current_app.logger.exception("search indexing after commit failed")


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_IDS, None)
        session.info.pop(_READY, None)


def index_objects(objects: Iterable[object]) -> None:
    """Index objects now (used by maintenance commands; requests rely on the commit hooks)."""
    docs = []
    for obj in objects:
        spec = _BY_MODEL[type(obj)]
        doc = spec.to_document(obj)
        if doc is not None:
            docs.append(doc)
    if docs:
        get_search().index(docs)

"""The app's search backend, the searchable kinds of every domain, and indexing after commit.

A domain registers a kind once (``register_searchable``); from then on every committed insert,
update or delete of that model reaches the index — after the commit, never inside the request's
transaction, so a rolled-back change is never searchable and a slow index never slows a write.

Writes that pass the ORM by (Core bulk inserts and updates) name the objects they wrote with
``index_after_commit(kind, ids)``. Up to ``SEARCH_INLINE_MAX`` of them per commit (default
``INLINE_MAX``) are indexed like ORM changes: documents built before the commit, written after it.
A larger batch is indexed after the commit by the process's background indexer (one thread, its
own session), so that the request that saved ten thousand questions returns when they are saved.
Until it finishes they are listed and filtered (database queries) but not yet found by full-text
search; if the process dies first, ``flask reindex`` heals and ``flask check`` reports the gap.
Under ``TESTING`` every batch is indexed inline unless ``SEARCH_INLINE_MAX`` is set: a test's rows
live in a transaction that no other session can see.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from eduplatform.core.search.base import SearchBackend, SearchDocument

#: Bulk-written objects indexed within the commit's own flow; more go to the background indexer.
INLINE_MAX = 500
#: Objects loaded (and documents written) at a time when indexing many.
BATCH = 500
_PENDING_IDS = "edu_search_pending"  # {(kind, id): "upsert" | "delete"}
_READY = "edu_search_ready"  # ([documents], [uids to delete]) built before commit
_BULK = "edu_search_bulk"  # {kind: {id: None}} written past the ORM, named by index_after_commit


@dataclass(frozen=True)
class SearchableKind:
    kind: str
    model: type
    #: The document for an object, or None when it must not be in the index (e.g. soft-deleted).
    to_document: Callable[[object], SearchDocument | None]
    #: Yields every object of the kind, for reindexing (default: all rows).
    iter_all: Callable[[], Iterator[object]] | None = None
    #: Returns loader options (e.g. ``selectinload``) for what ``to_document`` reads, applied whenever
    #: many objects of the kind are loaded at once: bulk-written ids and the default reindex walk. A
    #: callable, because building options configures the mappers, which must wait for every domain.
    load_options: Callable[[], Iterable] = tuple

    def options(self) -> tuple:
        return tuple(self.load_options())


_KINDS: dict[str, SearchableKind] = {}
_BY_MODEL: dict[type, SearchableKind] = {}


def register_searchable(kind: str, model: type, to_document, iter_all=None, *, load_options=tuple) -> None:
    spec = SearchableKind(kind, model, to_document, iter_all, load_options)
    _KINDS[kind] = spec
    _BY_MODEL[model] = spec


def searchable_kinds() -> list[SearchableKind]:
    return list(_KINDS.values())


def iter_objects(spec: SearchableKind) -> Iterator[object]:
    from eduplatform.core.extensions import db

    if spec.iter_all is not None:
        return spec.iter_all()
    return iter(db.session.scalars(db.select(spec.model).options(*spec.options()).order_by(spec.model.id)
                                   .execution_options(yield_per=BATCH)))


def count_objects(spec: SearchableKind) -> int:
    from sqlalchemy import func

    from eduplatform.core.extensions import db

    return db.session.scalar(db.select(func.count()).select_from(spec.model))


#: ``EDU_SEARCH`` values.
BACKENDS = ("whoosh", "postgres")


def build_search(config) -> SearchBackend:
    """The configured backend: ``whoosh`` (default, one host) or ``postgres`` (the platform's database)."""
    name = (config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if name not in BACKENDS:
        raise RuntimeError(f"EDU_SEARCH={name!r} 无效：可选 whoosh（默认）或 postgres")
    if name == "postgres":
        url = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"])
        if url.get_backend_name() != "postgresql":
            raise RuntimeError(
                f"EDU_SEARCH=postgres 需要 PostgreSQL 数据库，当前数据库为 {url.get_backend_name()}："
                "请设置 EDU_DATABASE_URL=postgresql+psycopg://…，或去掉 EDU_SEARCH 使用默认的 Whoosh 索引")
        from eduplatform.core.search.postgres_backend import PostgresSearch

        return PostgresSearch(url, pool_size=int(config.get("SEARCH_POOL_SIZE") or 5))
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


def index_after_commit(kind: str, ids: Iterable[int], *, session: Session | None = None) -> None:
    """Index these objects of ``kind`` after the commit: for writes that pass the ORM by, or that
    change what an object's document holds through another model (``session``: the one of a flush
    event; default the app's)."""
    from eduplatform.core.extensions import db

    if kind not in _KINDS:
        raise KeyError(f"search kind {kind!r} is not registered")
    (session if session is not None else db.session).info.setdefault(_BULK, {}).setdefault(kind, {}).update(
        dict.fromkeys(ids))


def _inline_max() -> int | None:
    """How many bulk-written objects a commit indexes itself (None: all of them)."""
    configured = current_app.config.get("SEARCH_INLINE_MAX")
    if configured is not None:
        return int(configured)
    return None if current_app.testing else INLINE_MAX


def _build_documents(session: Session) -> None:
    session.flush()  # changes not flushed yet must be seen here too
    pending = session.info.pop(_PENDING_IDS, None)
    bulk = session.info.get(_BULK)
    if bulk:
        limit = _inline_max()
        if limit is None or sum(map(len, bulk.values())) <= limit:
            del session.info[_BULK]
        else:
            bulk = None  # left for the background indexer, after the commit
    if not pending and not bulk:
        return
    documents, deletions = session.info.setdefault(_READY, ([], []))
    for (kind, obj_id), action in (pending or {}).items():
        spec = _KINDS[kind]
        obj = session.get(spec.model, obj_id) if action == "upsert" else None
        doc = spec.to_document(obj) if obj is not None else None
        if doc is None:
            deletions.append(f"{kind}:{obj_id}")
        else:
            documents.append(doc)
    for kind, ids in (bulk or {}).items():
        docs, gone = _documents_of(session, _KINDS[kind], list(ids))
        documents.extend(docs)
        deletions.extend(gone)


def _documents_of(session: Session, spec: SearchableKind, ids: list) -> tuple[list[SearchDocument], list[str]]:
    """The documents of these objects, and the uids of those that must not be in the index."""
    documents: list[SearchDocument] = []
    deletions: list[str] = []
    model = spec.model
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        # populate_existing: objects already in the session may predate the bulk write.
        found = {obj.id: obj for obj in session.scalars(
            sa.select(model).where(model.id.in_(chunk)).options(*spec.options())
            .execution_options(populate_existing=True))}
        for obj_id in chunk:
            obj = found.get(obj_id)
            doc = spec.to_document(obj) if obj is not None else None
            if doc is None:
                deletions.append(f"{spec.kind}:{obj_id}")
            else:
                documents.append(doc)
    return documents, deletions


def _write(documents: list[SearchDocument], deletions: list[str]) -> None:
    try:
        search = get_search()
        if deletions:
            search.delete(deletions)
        if documents:
            search.index(documents)
    except Exception:  # the database is the truth: `flask reindex` heals, `flask check` reports
        current_app.logger.exception("search indexing after commit failed")


def _apply_to_index(session: Session) -> None:
    ready = session.info.pop(_READY, None)
    deferred = session.info.pop(_BULK, None)
    if ready:
        _write(*ready)
    if deferred:
        background.submit(current_app._get_current_object(),
                          {kind: list(ids) for kind, ids in deferred.items()})


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_IDS, None)
        session.info.pop(_READY, None)
        session.info.pop(_BULK, None)


class BackgroundIndexer:
    """One thread per process indexing large bulk writes after their commit, one after another."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start empty (also in a forked child: the parent's thread and queue are not its own)."""
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._unfinished = 0
        self._idle = threading.Condition()

    def submit(self, app: Flask, batches: dict[str, list]) -> None:
        with self._idle:
            self._unfinished += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="search-index", daemon=True)
                self._thread.start()
        self._jobs.put((app, batches))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every submitted batch is indexed; False if ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def _run(self) -> None:
        while True:
            app, batches = self._jobs.get()
            try:
                _index_in_background(app, batches)
            except Exception:  # the thread must outlive a failed batch
                app.logger.exception("search indexing in the background failed")
            finally:
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()


def _index_in_background(app: Flask, batches: dict[str, list]) -> None:
    from eduplatform.core.extensions import db

    with app.app_context():
        try:
            for kind, ids in batches.items():
                for start in range(0, len(ids), BATCH):
                    _write(*_documents_of(db.session, _KINDS[kind], ids[start:start + BATCH]))
                app.logger.info("indexed %d objects of kind %s after their commit", len(ids), kind)
        finally:
            db.session.remove()


background = BackgroundIndexer()
os.register_at_fork(after_in_child=background.reset)


def wait_for_indexing(timeout: float | None = None) -> bool:
    """Wait until the background indexer has indexed every commit so far (benchmarks, tests)."""
    return background.wait(timeout)


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

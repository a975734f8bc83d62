"""The Whoosh search backend: the index's lifecycle, writes, and searches.

What a search does is spread over the package: :mod:`~eduplatform.core.search.analysis` (jieba),
:mod:`~eduplatform.core.search.schema` (fields, documents → fields),
:mod:`~eduplatform.core.search.query` (user text → query, selections on bitmaps, highlighting),
:mod:`~eduplatform.core.search.bitsets`, :mod:`~eduplatform.core.search.caches` (per segment and
per generation, bounded memory), :mod:`~eduplatform.core.search.ranking` and
:mod:`~eduplatform.core.search.scoring` (the first documents of a selection, exact BM25F scores).

* **One cached searcher** per backend object, guarded by a lock (Whoosh readers are not
  thread-safe); before each search the latest on-disk generation is read (one directory listing)
  and the searcher reopened when it changed. Per-segment data (bitmaps, postings arrays, lengths,
  sort keys) survives reopening; per-generation composites and caches are rebuilt lazily. The
  scorer's postings arrays have a byte budget (``postings_cache_mb``).
* **Writes** take Whoosh's file lock (``MAIN_WRITELOCK``), retrying with jittered back-off until
  ``lock_timeout`` (then :class:`SearchError`), and always commit or cancel. Index creation happens
  under the same lock with an existence re-check, so two processes can't both create (Whoosh's
  ``create_in`` deletes existing index files). Text is analysed before the lock is taken.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import random
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.index import LockError
from whoosh.writing import CLEAR

from eduplatform.core.search import scoring
from eduplatform.core.search.analysis import chinese_analyzer, ensure_jieba
from eduplatform.core.search.base import (
    SORT_ORDERS,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from eduplatform.core.search.bitsets import bits_to_docnums
from eduplatform.core.search.caches import RESULT_CACHE_SIZE, GenerationCache, SegmentCache, Selection
from eduplatform.core.search.query import (
    highlight,
    parse_cached,
    parse_text,
    select,
    selection_key,
)
from eduplatform.core.search.ranking import top_scored, top_sorted
from eduplatform.core.search.schema import (
    FACET_NAME_RE,
    FACET_PREFIX,
    INDEX_NAME,
    SORT_FIELDS,
    TEXT_FIELDS,
    build_schema,
    document_fields,
)

log = logging.getLogger(__name__)

MAX_PER_PAGE = 200
BUSY_MESSAGE = "搜索索引忙，请稍后再试"


def _remember_absent_columns() -> None:
    """Make Whoosh's per-document reader remember that a segment has no column for a field.

    ``W3PerDocReader._cached_reader`` caches the column readers it opens but not a missing column,
    so every ``doc_field_length`` of a field without lengths (ID, NUMERIC: uid, acl, facets, the
    numeric trie terms…) checks the storage again — an ``os.stat`` per posting while a new
    segment's postings are written (~27,000 per 500-document commit) and per document and field
    in merges. A finished segment's files never change, so the answer can be kept.
    """
    from whoosh.codec import whoosh3

    cls = whoosh3.W3PerDocReader
    if getattr(cls, "_edu_absent_columns", False):
        return
    original = cls._cached_reader

    def _cached_reader(self, fieldname, column):
        absent = self.__dict__.get("_edu_absent")
        if absent is not None and fieldname in absent:
            return None
        reader = original(self, fieldname, column)
        if reader is None:
            self.__dict__.setdefault("_edu_absent", set()).add(fieldname)
        return reader

    cls._cached_reader = _cached_reader
    cls._edu_absent_columns = True


_remember_absent_columns()


class WhooshSearch(SearchBackend):
    """A Whoosh index in ``index_dir``; safe to share between processes (one writer at a time)."""

    def __init__(self, index_dir: Path | str, *, lock_timeout: float = 30.0, limitmb: int = 128,
                 result_cache_size: int = RESULT_CACHE_SIZE, postings_cache_mb: int = 64):
        self.index_dir = Path(index_dir)
        #: Whole result pages kept per index generation (0 = compute every search, no query caches).
        self.result_cache_size = int(result_cache_size)
        self.lock_timeout = float(lock_timeout)
        self.limitmb = int(limitmb)
        self._lock = threading.RLock()
        self._ix = None
        self._searcher = None
        self._searcher_gen: int | None = None
        self._gc: GenerationCache | None = None
        self._segcaches: dict[str, SegmentCache] = {}
        #: Term postings as arrays for scoring (a word in 70,000 documents of one field ≈ 1 MB).
        self._postings = scoring.PostingsCache(postings_cache_mb * 1024 * 1024)
        self._pretokenize_ok: bool | None = None

    def __repr__(self) -> str:
        return f"WhooshSearch({str(self.index_dir)!r})"

    # ---- opening ------------------------------------------------------------------------

    def _open(self):
        if self._ix is not None:
            return self._ix
        with self._lock:
            if self._ix is not None:
                return self._ix
            ensure_jieba(self.index_dir.parent)
            try:
                if self.index_dir.exists() and not self.index_dir.is_dir():
                    raise SearchError(f"搜索索引目录不可用：{self.index_dir} 不是目录")
                self.index_dir.mkdir(parents=True, exist_ok=True)
                if not whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                    self._create_index()
                self._ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME)
            except SearchError:
                raise
            except (OSError, whoosh_index.IndexError, EOFError, ValueError) as exc:
                raise SearchError(f"搜索索引不可用：{exc}") from exc
            return self._ix

    def _create_index(self) -> None:
        from whoosh.filedb.filestore import FileStorage

        storage = FileStorage(str(self.index_dir))
        lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")
        self._acquire(lock.acquire)
        try:
            # Re-check under the lock: another process may have created it meanwhile, and
            # creating again would delete its files.
            if not whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                storage.create_index(build_schema(), indexname=INDEX_NAME)
                log.info("created search index in %s", self.index_dir)
        finally:
            lock.release()

    def _acquire(self, attempt):
        """Call ``attempt()`` until it returns a truthy value (or stops raising LockError)."""
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.01
        while True:
            try:
                result = attempt()
                if result:
                    return result
            except LockError:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SearchError(BUSY_MESSAGE)
            time.sleep(min(remaining, delay * (0.5 + random.random())))
            delay = min(delay * 2, 0.25)

    @contextmanager
    def _writer(self, **commit_kwargs) -> Iterator[Any]:
        ix = self._open()
        try:
            writer = self._acquire(lambda: ix.writer(procs=1, limitmb=self.limitmb))
        except (OSError, whoosh_index.IndexError) as exc:
            raise SearchError(f"搜索索引不可用：{exc}") from exc
        done = False
        try:
            yield writer
            writer.commit(**commit_kwargs)
            done = True
        finally:
            if not done:
                try:
                    writer.cancel()
                except Exception:  # commit failed half-way: at least free the lock
                    log.exception("cancelling the search index writer failed")
                    lock = getattr(writer, "writelock", None)
                    if lock is not None:
                        with contextlib.suppress(Exception):
                            lock.release()

    def _current(self):
        """The cached searcher (reopened if the index changed) and its generation cache.

        Whoosh-reloaded 2.7.5's ``Searcher.refresh()`` must not be used: it keeps reusing a
        segment's reader after documents in that segment were deleted (stale deletions: updated
        documents show up twice) and re-adds segments that a merge or ``clear`` removed. So the
        searcher is reopened when the generation on disk differs (one directory listing per call);
        the expensive per-segment data (bitmaps, sort keys) is cached by segment id and survives.
        """
        ix = self._open()
        try:
            latest = ix.latest_generation()
            if self._searcher is not None and latest != self._searcher_gen:
                old, self._searcher = self._searcher, None
                with contextlib.suppress(Exception):
                    old.close()
            if self._searcher is None:
                self._searcher = ix.searcher()
                gen = self._searcher.reader().generation()
                self._searcher_gen = latest if gen is None else gen
        except (OSError, whoosh_index.IndexError, EOFError) as exc:
            self._searcher = None
            raise SearchError(f"搜索索引不可用：{exc}") from exc
        if self._gc is None or self._gc.reader is not self._searcher.reader():
            self._gc = GenerationCache(self._searcher, self._segcaches, self.result_cache_size)
            for segid in list(self._segcaches):
                if segid not in self._gc.segids:
                    del self._segcaches[segid]
            self._postings.forget_segments(self._gc.segids)
        return self._searcher, self._gc

    def _reset(self) -> None:
        if self._searcher is not None:
            with contextlib.suppress(Exception):
                self._searcher.close()
        self._searcher = None
        self._gc = None

    def close(self) -> None:
        with self._lock:
            self._reset()
            self._segcaches.clear()
            self._postings.clear()
            self._pretokenize_ok = None
            self._ix = None

    # ---- writing ------------------------------------------------------------------------

    def _pretokenize(self) -> bool:
        """Whether every text field of the index uses ``chinese_analyzer()`` (so ``analyze`` may)."""
        if self._pretokenize_ok is None:
            schema = self._open().schema
            ana = chinese_analyzer()
            self._pretokenize_ok = all(name in schema and schema[name].analyzer == ana for name in TEXT_FIELDS)
        return self._pretokenize_ok

    def index(self, docs: Iterable[SearchDocument]) -> int:
        batch: dict[str, dict[str, Any]] = {}
        pretokenize = self._pretokenize()
        for doc in docs:
            fields_ = document_fields(doc, pretokenize=pretokenize)
            batch.pop(fields_["uid"], None)  # last one wins, keep order
            batch[fields_["uid"]] = fields_
        if not batch:
            return 0
        with self._writer() as writer:
            # No segments yet (read under the lock): nothing to replace, skip the uid lookups.
            fresh = not getattr(writer, "segments", True)
            for fields_ in batch.values():
                if fresh:
                    writer.add_document(**fields_)
                else:
                    writer.update_document(**fields_)
        return len(batch)

    def delete(self, uids: Iterable[str]) -> None:
        uids = [u for u in dict.fromkeys(str(u) for u in uids) if u]
        if not uids:
            return
        with self._writer() as writer:
            for uid in uids:
                writer.delete_by_term("uid", uid)

    def clear(self, kind: str | None = None) -> None:
        if kind is None:
            with self._writer(mergetype=CLEAR):
                pass
        else:
            with self._writer() as writer:
                writer.delete_by_term("kind", str(kind))

    def optimize(self) -> None:
        """Merge all segments into one (maintenance)."""
        with self._writer(optimize=True):
            pass

    # ---- reading ------------------------------------------------------------------------

    def doc_count(self) -> int:
        with self._lock:
            searcher, _ = self._current()
            return searcher.doc_count()

    def check(self) -> None:
        try:
            with self._lock:
                searcher, gc = self._current()
                searcher.doc_count()
                gc.term_bits("acl", "public")
        except SearchError:
            raise
        except Exception as exc:
            raise SearchError(f"搜索索引不可用：{exc}") from exc

    def uids(self, kind: str | None = None) -> set[str]:
        with self._lock:
            _searcher, gc = self._current()
            bits = gc.live
            if kind is not None:
                bits &= gc.term_bits("kind", str(kind))
            out: set[str] = set()
            docnums = bits_to_docnums(bits)
            pos = 0
            for sub, offset, _cache in gc.leaves:
                end = offset + sub.doc_count_all()
                column = None
                while pos < len(docnums) and docnums[pos] < end:
                    if column is None:
                        column = sub.column_reader("uid")
                    out.add(column[docnums[pos] - offset])
                    pos += 1
            return out

    def build_query(self, text: str) -> wq.Query | None:
        """The Whoosh query used for ``text`` (None = match all); for benchmarks and debugging."""
        self._open()
        return parse_text(text).query

    def search(self, query: SearchQuery) -> SearchResults:
        page = max(1, int(query.page or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(query.per_page or 20)))
        self._open()  # loads jieba (cache dir, quiet logging) before the query is analysed
        parsed = parse_cached(query.text or "")
        sort = query.sort if query.sort in SORT_ORDERS else "relevance"
        if sort == "relevance" and parsed.query is None:
            sort = "newest"
        key = selection_key(query)
        facet_names = tuple(f for f in dict.fromkeys(query.facets or []) if FACET_NAME_RE.match(str(f)))
        result_key = (key, facet_names, sort, page, per_page)
        with self._lock:
            for attempt in (1, 2):
                try:
                    searcher, gc = self._current()
                    cached = gc.results.lookup(result_key) if gc.results is not None else None
                    if cached is not None:
                        return copy.deepcopy(cached)
                    selection = gc.selections.lookup(key) if gc.selections is not None else None
                    if selection is None:
                        selection = select(searcher, gc, query, parsed)
                        if gc.selections is not None:
                            gc.selections.put(key, selection)
                    results = self._search(searcher, gc, selection, parsed, facet_names, sort, page, per_page)
                    if gc.results is not None:
                        gc.results.put(result_key, results)
                        return copy.deepcopy(results)
                    return results
                except SearchError:
                    raise
                except (OSError, whoosh_index.IndexError, EOFError) as exc:
                    # e.g. a segment file removed by another process's merge: reopen once.
                    self._reset()
                    if attempt == 2:
                        raise SearchError(f"搜索索引不可用：{exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _search(self, searcher, gc, selection: Selection, parsed, facet_names, sort, page, per_page) -> SearchResults:
        final, total = selection.final, selection.total
        results = SearchResults(total=total, page=page, per_page=per_page)
        for name in facet_names:
            counts = selection.facet_counts.get(name)
            if counts is None:
                counts = []
                value_bits = gc.facet_bits(FACET_PREFIX + name)
                if final:
                    for value, bits in value_bits.items():
                        c = (final & bits).bit_count()
                        if c:
                            counts.append((value, c))
                    counts.sort(key=lambda vc: (-vc[1], vc[0]))
                if value_bits:  # only facets the index has are remembered (names come from queries)
                    selection.facet_counts[name] = counts
            results.facet_counts[name] = list(counts)

        offset = (page - 1) * per_page
        if total <= offset:
            return results
        if sort == "relevance":
            top = top_scored(searcher, gc, self._postings, parsed.query, final, total, selection.match,
                             selection.allowed, offset + per_page)
        else:
            top = [(0.0, d) for d in top_sorted(gc, SORT_FIELDS[sort], final, total, offset + per_page)]
        rx = parsed.highlight_re
        for score, docnum in top[offset : offset + per_page]:
            stored = searcher.stored_fields(docnum)
            title = stored.get("title") or ""
            summary = stored.get("summary") or ""
            try:
                facets = json.loads(stored.get("facets") or "{}")
            except ValueError:
                facets = {}
            results.hits.append(
                SearchHit(
                    uid=stored.get("uid", ""),
                    kind=stored.get("kind", ""),
                    object_id=stored.get("object_id", ""),
                    score=float(score),
                    title=title,
                    summary=summary,
                    highlights={"title": highlight(title, rx), "summary": highlight(summary, rx)},
                    facets=facets,
                )
            )
        return results


"""Whoosh backend with jieba's Chinese analyzer.

Design notes
------------
* **Analysis.** Text fields use ``jieba.analyse.ChineseAnalyzer`` (jieba "search" mode, then
  lowercase, stop words, Porter stemming), so '函数' finds '二次函数的图像与性质' and 'Python' finds
  'python'. Indexed text and queries are NFKC-normalised first (full-width 'Ｐｙｔｈｏｎ' → 'Python');
  the stored title/summary keep their original form.
* **Queries** are built directly (no query-language parser), so user input can never be a syntax
  error: the text is split on whitespace into words (at most ``MAX_WORDS``); each word is analysed
  and its tokens — minus jieba's search-mode extras inside a longer token ('必达' in '洛必达'),
  which are always indexed with it and so add nothing — become ``Or(title: AND(tokens), summary:
  …, content: …, keywords: …, tags: word)``; the words are OR-ed. Scores add up (BM25F, field
  weights are schema ``field_boost``s: title 3, keywords 2, summary 1.5, content 1), so a document
  holding every word outranks one holding some. Every ``Or`` is Whoosh's ``DefaultOr`` (a binary
  tree of unions) and there is no coordination factor: ``Or(scale=…)``'s ``CoordMatcher`` and
  the small-segment ``ArrayUnionMatcher`` score depending on how far the matchers have run
  (their sum differed between segments and between Whoosh's own collectors), and their bonus was
  small anyway (0.01–0.1 per matching term on scores of 5–20).
* **Filters, ACL, totals and facet counts use bitmaps.** For every index segment the postings of a
  term (an ACL token, a kind, a facet value, a query token) are turned once into a Python ``int``
  bitmap of document numbers and cached per segment (segments are immutable; deletions are applied
  with a separate live-docs mask). A query's match set is evaluated on those bitmaps (AND/OR of
  term bitmaps), intersected with the filter/ACL/kind bitmaps; the total is a popcount and each
  facet value's count is ``(result & value_bitmap).bit_count()`` — all C-speed big-integer
  operations, so counting facets over 70,000 matches costs about as much as over 70. Whoosh's own
  ``groupedby`` categorises every matching document in Python, which is far too slow at 100k docs.
* **Scoring** of relevance queries is done for all selected documents at once per segment by
  :mod:`eduplatform.core.search.scoring`: Whoosh builds its matcher tree (tree shape, idf, average
  lengths), numpy evaluates it over the candidate documents with the term postings read once per
  segment and cached — the same BM25F arithmetic in the same order, so the scores equal
  ``matcher.score()`` exactly and ties go to the lower document number as in Whoosh's top-N
  collector (whose block-quality skipping can even miss better documents). A query shape it does
  not know falls back to Whoosh's matchers: the top-N collector with the filter bitmap or, when
  the filters leave few documents, ``matcher.skip_to`` per document. Non-relevance sorts walk a
  cached per-generation document order (by the ``created``/``popularity``/``rating`` columns) or
  sort the few matching documents directly.
* **Caches per index generation**: what a query selects (its match bitmap ∩ filters/ACL, the
  total and facet counts, keyed by text, kinds, filters and ACL set) and whole result pages
  (``result_cache_size``). They live in the generation cache, which is replaced as soon as the
  index on disk changes — a write by this process or any other — so they never serve stale
  results.
* **Memory** is bounded per backend object (one per process and app): LRUs by count for term
  bitmaps (per segment 1024, per generation 2048: ≤ 12.5 KB each at 100,000 documents),
  selections (``SELECTION_CACHE_SIZE``) and result pages (``result_cache_size`` pages and at most
  ``RESULT_CACHE_HITS`` hits in all), a byte budget for the scorer's postings arrays
  (``postings_cache_mb``); facet bitmaps, lengths, norms and sort orders are per field of the
  index (names from queries that the index lacks are not remembered), and everything belonging
  to segments no longer in the index is dropped when the searcher is reopened.
* **One cached searcher** per backend object, guarded by a lock (Whoosh readers are not
  thread-safe); before each search the latest on-disk generation is read (one directory listing)
  and the searcher reopened when it changed. Per-segment data (bitmaps, postings arrays, lengths,
  sort keys) survives reopening; per-generation composites and caches are rebuilt lazily.
* **Writes** take Whoosh's file lock (``MAIN_WRITELOCK``), retrying with jittered back-off until
  ``lock_timeout`` (then :class:`SearchError`), and always commit or cancel. Index creation happens
  under the same lock with an existence re-check, so two processes can't both create (Whoosh's
  ``create_in`` deletes existing index files).
  Text is analysed before the lock is taken (``analyze``: clause by clause with a cache, exactly
  the analyzer's tokens) and handed to Whoosh as token lists, so concurrent writers analyse in
  parallel and hold the lock only to write postings.
* **Highlighting** wraps occurrences of the query's analysed tokens in ``<mark>`` on the stored
  title/summary, escaping everything else. It is done with one compiled regex rather than Whoosh's
  highlighter, because that re-runs jieba on every shown text (≈360k chars/s: ~18 ms for a page of
  20 summaries — more than the rest of a query).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import html
import json
import logging
import os
import random
import re
import threading
import time
import unicodedata
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from heapq import heappush, heapreplace, nlargest
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.idsets import DocIdSet
from whoosh.index import LockError
from whoosh.query.compound import DefaultOr
from whoosh.reading import TermNotFound
from whoosh.writing import CLEAR

from eduplatform.core.search import scoring
from eduplatform.core.search.base import (
    SORT_ORDERS,
    SUMMARY_MAX_CHARS,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResults,
)

log = logging.getLogger(__name__)

INDEX_NAME = "MAIN"
TEXT_FIELDS = ("title", "summary", "content", "keywords")
SORT_FIELDS = {"newest": "created", "popularity": "popularity", "rating": "rating"}
FACET_PREFIX = "f_"
FACET_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
MAX_PER_PAGE = 200
#: A filtered relevance query scores its (filtered) documents one by one with ``skip_to`` when
#: there are at most this many, or when the filters keep less than 1/8 of the text matches;
#: otherwise the top-N collector runs over the matches with the filter bitmap.
MANUAL_SCORING_MAX = 2000
#: Per index generation (both are dropped as soon as the index changes, in any process): how many
#: query selections (match bitmap, total, facet counts) and whole result pages are kept.
SELECTION_CACHE_SIZE = 128
RESULT_CACHE_SIZE = 256
#: ... and at most this many hits in all the cached pages (a hit keeps ≤ 300 characters of summary
#: twice, highlighted and not, and its facets: ≈ 2–3 KB, so ≈ 10–15 MB per process).
RESULT_CACHE_HITS = 5000
#: Ratings are stored as integer thousandths (Whoosh 2.7.5's float columns are broken).
RATING_SCALE = 1000
BUSY_MESSAGE = "搜索索引忙，请稍后再试"

# --------------------------------------------------------------------------------------------
# jieba: loaded once per process, cache next to the index, quiet logging
# --------------------------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_ready = False
_analyzer = None


def _import_jieba():
    with warnings.catch_warnings():
        # jieba's modules contain invalid escape sequences.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba
        from jieba.analyse import ChineseAnalyzer
    return jieba, ChineseAnalyzer


def ensure_jieba(cache_dir: Path | None = None) -> None:
    """Load jieba's dictionary once per process, caching it in ``cache_dir`` (not /tmp)."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if _jieba_ready:
            return
        jieba, _ = _import_jieba()
        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        if cache_dir is not None and jieba.dt.tmp_dir is None and jieba.dt.cache_file is None:
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                if os.access(cache_dir, os.W_OK):
                    jieba.dt.tmp_dir = str(cache_dir)
            except OSError:
                pass
        jieba.initialize()
        _jieba_ready = True


def chinese_analyzer():
    """The analyzer used for every text field (one shared instance)."""
    global _analyzer
    if _analyzer is None:
        jieba, ChineseAnalyzer = _import_jieba()
        jieba.setLogLevel(logging.WARNING)
        _analyzer = ChineseAnalyzer()
    return _analyzer


#: Clauses longer than this are analysed without the cache (they rarely repeat).
MAX_CACHED_CLAUSE = 48


def analyze(text: str) -> list[str]:
    """The token texts ``chinese_analyzer()`` yields for ``text``, clause by clause, with a cache.

    jieba cuts each run of ``re_han_default`` characters (a clause between punctuation or spaces)
    on its own and every later step (search-mode extras, lower-casing, stop words, stemming) is
    per token, so the analysis of a text is the concatenation of the analyses of its runs and
    the runs in between. Titles, descriptions and extracted text repeat many clauses (subject,
    grade and type names, headings, boilerplate), and a cached clause skips jieba entirely.
    """
    global _block_re
    if _block_re is None:
        jieba, _ = _import_jieba()
        _block_re = jieba.re_han_default
    out: list[str] = []
    for block in _block_re.split(text):
        if not block:
            continue
        if len(block) <= MAX_CACHED_CLAUSE:
            out.extend(_analyze_clause(block))
        else:
            out.extend([t.text for t in chinese_analyzer()(block)])
    return out


_block_re = None


@functools.lru_cache(maxsize=50_000)
def _analyze_clause(block: str) -> tuple[str, ...]:
    return tuple(t.text for t in chinese_analyzer()(block))


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


def _nfkc(text: str) -> str:
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


# --------------------------------------------------------------------------------------------
# Bitmaps (Python ints; bit n = global document number n)
# --------------------------------------------------------------------------------------------

_BIT = bytes(1 << i for i in range(8))
_BYTE_BITS = [tuple(i for i in range(8) if b >> i & 1) for b in range(256)]
_NONZERO = re.compile(rb"[^\x00]")


def _ids_to_bits(chunks: Iterable[Iterable[int]], ndocs: int) -> int:
    buf = bytearray((ndocs + 7) >> 3 or 1)
    bit = _BIT
    for ids in chunks:
        for d in ids:
            buf[d >> 3] |= bit[d & 7]
    return int.from_bytes(buf, "little")


def _bits_to_docnums(x: int) -> list[int]:
    """Set bit positions of ``x``, ascending."""
    if not x:
        return []
    b = x.to_bytes((x.bit_length() + 7) >> 3, "little")
    out: list[int] = []
    ext = out.extend
    table = _BYTE_BITS
    for m in _NONZERO.finditer(b):
        i = m.start()
        base = i << 3
        ext([base + p for p in table[b[i]]])
    return out


class _BitsFilter(DocIdSet):
    """A read-only DocIdSet over a bitmap, for Whoosh's collector ``filter``."""

    def __init__(self, bits: int, ndocs: int, count: int):
        self._bytes = bits.to_bytes((ndocs + 7) >> 3 or 1, "little")
        self._count = count
        self._bits = bits

    def __contains__(self, n: int) -> bool:
        b = self._bytes
        i = n >> 3
        return i < len(b) and bool(b[i] & _BIT[n & 7])

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return True

    def __iter__(self):
        return iter(_bits_to_docnums(self._bits))


def _posting_chunks(reader, fieldname: str, btext: bytes):
    """Yield blocks of document numbers of a term in one segment (deleted docs included)."""
    terms = getattr(reader, "_terms", None)
    if terms is not None:
        try:
            m = terms.matcher(fieldname, btext, reader.schema[fieldname].format)
        except (TermNotFound, KeyError):
            return
        if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):
            # W3LeafMatcher: read whole blocks of ids instead of id()/next() per posting.
            while m.is_active():
                if m._ids is None:
                    m._read_ids()
                yield m._ids[m._i:]
                m._next_block()
            return
        yield list(m.all_ids())
        return
    try:  # pragma: no cover - other codecs
        m = reader.postings(fieldname, btext)
    except (TermNotFound, KeyError):
        return
    yield list(m.all_ids())


class _LRU(OrderedDict):
    """Least-recently-used mapping bounded by a number of entries and, optionally, a total weight.

    With ``weigh`` every entry costs ``weigh(value)`` (e.g. the hits of a cached result page) and
    the oldest entries go as soon as the sum passes ``max_weight`` (an entry heavier than the
    whole budget is not kept at all).
    """

    def __init__(self, maxsize: int, *, max_weight: int | None = None, weigh=None):
        super().__init__()
        self.maxsize = maxsize
        self.max_weight = max_weight
        self.weigh = weigh if max_weight is not None else None
        self.weight = 0

    def get_or(self, key, make):
        try:
            value = self[key]
        except KeyError:
            value = make()
            self.put(key, value)
            return value
        self.move_to_end(key)
        return value

    def lookup(self, key):
        """The value for ``key`` (now the most recently used), or None."""
        value = super().get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        weigh = self.weigh
        if weigh is not None:
            cost = weigh(value)
            if cost > self.max_weight:
                return
            old = super().get(key)
            if old is not None:
                self.weight -= weigh(old)
            self.weight += cost
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.maxsize or (weigh is not None and self.weight > self.max_weight):
            _, old = self.popitem(last=False)
            if weigh is not None:
                self.weight -= weigh(old)


class _SegmentCache:
    """Per-segment data that never changes (segments are immutable, deletions aside)."""

    def __init__(self, segid: str, ndocs: int):
        self.segid = segid
        self.ndocs = ndocs
        self.terms = _LRU(1024)
        self.facets: dict[str, dict[str, int]] = {}
        self.keys: dict[str, list[int]] = {}
        self.live: tuple[int, int] | None = None  # (deleted_count, bitmap)
        #: fieldname → the field-length byte of every document (None: no length column).
        self.lengths: dict[str, Any] = {}

    def term_bits(self, reader, fieldname: str, btext: bytes) -> int:
        return self.terms.get_or(
            (fieldname, btext), lambda: _ids_to_bits(_posting_chunks(reader, fieldname, btext), self.ndocs)
        )

    def live_bits(self, reader) -> int:
        segment = reader.segment() if hasattr(reader, "segment") else None
        deleted_count = segment.deleted_count() if segment is not None else 0
        if self.live is None or self.live[0] != deleted_count:
            full = (1 << self.ndocs) - 1
            if deleted_count:
                full &= ~_ids_to_bits([list(segment.deleted_docs())], self.ndocs)
            self.live = (deleted_count, full)
        return self.live[1]

    def facet_bits(self, reader, fieldname: str) -> dict[str, int]:
        values = self.facets.get(fieldname)
        if values is None:
            values = {}
            try:
                lexicon = list(reader.lexicon(fieldname))
            except (TermNotFound, KeyError):
                lexicon = []
            for btext in lexicon:
                bits = _ids_to_bits(_posting_chunks(reader, fieldname, btext), self.ndocs)
                if bits:
                    values[btext.decode("utf-8")] = bits
            if values:  # a field this segment lacks is not remembered (names come from queries)
                self.facets[fieldname] = values
        return values

    def sort_keys(self, reader, fieldname: str) -> list[int]:
        keys = self.keys.get(fieldname)
        if keys is None:
            try:
                keys = list(reader.column_reader(fieldname))
            except Exception:  # noqa: BLE001 - field without a column (old index): no ordering
                keys = [0] * self.ndocs
            self.keys[fieldname] = keys
        return keys


def _result_weight(results: SearchResults) -> int:
    return len(results.hits) + 1


class _Selection:
    """What a query selects in one generation: text matches, allowed ∩ matches, facet counts."""

    __slots__ = ("allowed", "facet_counts", "final", "match", "total")

    def __init__(self, match: int, allowed: int | None):
        self.match = match
        self.allowed = allowed
        self.final = match if allowed is None else match & allowed
        self.total = self.final.bit_count()
        self.facet_counts: dict[str, list[tuple[str, int]]] = {}


class _GenerationCache:
    """Composite bitmaps/orders for one reader generation, built lazily from segment caches."""

    def __init__(self, searcher, segcaches: dict[str, _SegmentCache], result_cache_size: int = 0):
        self.reader = searcher.reader()
        self.leaves = []  # (segment reader, offset, segment cache)
        for sub, offset in self.reader.leaf_readers():
            segment = sub.segment() if hasattr(sub, "segment") else None
            segid = segment.segment_id() if segment is not None else f"empty{offset}"
            cache = segcaches.get(segid)
            if cache is None or cache.ndocs != sub.doc_count_all():
                cache = segcaches[segid] = _SegmentCache(segid, sub.doc_count_all())
            self.leaves.append((sub, offset, cache))
        self.ndocs = self.reader.doc_count_all()
        self.segids = {cache.segid for _, _, cache in self.leaves}
        self._live: int | None = None
        self._terms = _LRU(2048)
        self._facets: dict[str, dict[str, int]] = {}
        self._orders: dict[str, tuple[list[int], list[int]]] = {}
        #: segment id → BM25 length norms per (field, B, K1, average length) for the scorer.
        self.norms: dict[str, dict] = {}
        #: (text, kinds, filters, ACL) → _Selection: what a query selects, and its facet counts.
        #: (selection key, facets, sort, page, per_page) → SearchResults: whole answers.
        #: ``result_cache_size`` 0 turns both off (every search computed from the term bitmaps).
        self.selections = _LRU(SELECTION_CACHE_SIZE) if result_cache_size > 0 else None
        self.results = (_LRU(result_cache_size, max_weight=RESULT_CACHE_HITS, weigh=_result_weight)
                        if result_cache_size > 0 else None)

    def _compose(self, per_leaf) -> int:
        out = 0
        for sub, offset, cache in self.leaves:
            bits = per_leaf(sub, cache)
            if bits:
                out |= bits << offset if offset else bits
        return out

    @property
    def live(self) -> int:
        if self._live is None:
            self._live = self._compose(lambda sub, cache: cache.live_bits(sub))
        return self._live

    def term_bits(self, fieldname: str, text: str) -> int:
        btext = text.encode("utf-8")

        def make() -> int:
            return self._compose(lambda sub, cache: cache.term_bits(sub, fieldname, btext))

        return self._terms.get_or((fieldname, btext), make)

    def any_of(self, fieldname: str, values: Iterable[str]) -> int:
        out = 0
        for value in values:
            out |= self.term_bits(fieldname, value)
        return out

    def facet_bits(self, fieldname: str) -> dict[str, int]:
        values = self._facets.get(fieldname)
        if values is None:
            values = {}
            for sub, offset, cache in self.leaves:
                for value, bits in cache.facet_bits(sub, fieldname).items():
                    shifted = bits << offset if offset else bits
                    values[value] = values.get(value, 0) | shifted
            if values:
                self._facets[fieldname] = values
        return values

    def order(self, fieldname: str) -> tuple[list[int], list[int]]:
        """(document numbers by key desc, newest-indexed first among equal keys; keys)."""
        cached = self._orders.get(fieldname)
        if cached is None:
            keys: list[int] = []
            for sub, _offset, cache in self.leaves:
                keys.extend(cache.sort_keys(sub, fieldname))
            order = sorted(range(len(keys) - 1, -1, -1), key=keys.__getitem__, reverse=True)
            cached = self._orders[fieldname] = (order, keys)
        return cached


# --------------------------------------------------------------------------------------------
# Query construction and evaluation
# --------------------------------------------------------------------------------------------


class _ParsedText:
    """The whoosh query for a text, plus what the highlighter needs."""

    def __init__(self, query: wq.Query | None, tokens: list[str], words: list[str]):
        self.query = query
        self.tokens = tokens
        self.words = words
        self._rx: re.Pattern | None | bool = False

    @property
    def highlight_re(self) -> re.Pattern | None:
        if self._rx is False:
            parts = []
            terms = set(self.tokens) | {w.lower() for w in self.words if len(w) >= 2}
            for term in sorted(terms, key=lambda t: (-len(t), t)):
                if term.isascii() and term.replace("_", "").isalnum():
                    # Stemmed English tokens ('studi'): match whole words starting with them.
                    parts.append(r"(?<![0-9a-z])" + re.escape(term) + r"[0-9a-z]*")
                elif term.strip():
                    parts.append(re.escape(term))
            self._rx = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        return self._rx  # type: ignore[return-value]


def parse_text(text: str) -> _ParsedText:
    """Build the query for user text; never raises. Empty/blank text → ``query=None`` (all)."""
    text = _nfkc(text or "")[: MAX_QUERY_CHARS].strip()
    if not text:
        return _ParsedText(None, [], [])
    ana = chinese_analyzer()
    word_queries: list[wq.Query] = []
    all_tokens: list[str] = []
    words: list[str] = []
    for word in text.split():
        if word in words:
            continue
        if len(words) >= MAX_WORDS:
            break
        words.append(word)
        tokens = _main_tokens(ana, word)
        all_tokens.extend(t for t in tokens if t not in all_tokens)
        alternatives: list[wq.Query] = []
        for fieldname in TEXT_FIELDS if tokens else ():
            terms = [wq.Term(fieldname, t) for t in tokens]
            # Several tokens ('教学设计' → 教学, 设计) must meet in one field: the index keeps no
            # positions, so this is the closest it gets to "the word as typed".
            alternatives.append(terms[0] if len(terms) == 1 else wq.And(terms))
        alternatives.append(wq.Term("tags", word.lower()))
        word_queries.append(alternatives[0] if len(alternatives) == 1 else DefaultOr(alternatives))
    q = word_queries[0] if len(word_queries) == 1 else DefaultOr(word_queries)
    return _ParsedText(q, all_tokens, words)


def _main_tokens(ana, word: str) -> list[str]:
    """The analysed tokens of ``word`` minus jieba's search-mode extras inside longer tokens.

    jieba's search mode (used for indexing) emits '二次', '函数' and '二次函数' for '二次函数': the
    extras are always indexed alongside the whole word, so requiring them adds nothing to the
    match and only costs scoring time (and adds the score of '教学' to a search for '教学设计').
    """
    spans = [(t.text, t.startchar, t.endchar) for t in ana(word, chars=True)]
    out: list[str] = []
    for text, start, end in spans:
        inside = any(s <= start and end <= e and e - s > end - start for _, s, e in spans)
        if text and not inside and text not in out:
            out.append(text)
    return out


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> _ParsedText:
    """``parse_text`` for a search (jieba is deterministic: the same text, the same query)."""
    return parse_text(text)


def _selection_key(query: SearchQuery) -> tuple:
    """What decides the documents a query selects (ACL order and duplicates don't matter)."""
    filters = tuple(sorted((str(name), tuple(sorted(_clean_values(value))))
                           for name, value in (query.filters or {}).items()))
    kinds = None if query.kinds is None else tuple(sorted(_clean_values(query.kinds)))
    acl = None if query.acl is None else tuple(sorted(_clean_values(query.acl)))
    return (query.text or "", kinds, filters, acl)


def _match_bits(q: wq.Query, gc: _GenerationCache, searcher) -> int:
    if isinstance(q, wq.Term):
        return gc.term_bits(q.fieldname, q.text)
    if isinstance(q, wq.And):
        out = None
        for sub in q.subqueries:
            bits = _match_bits(sub, gc, searcher)
            out = bits if out is None else out & bits
            if not out:
                return 0
        return out or 0
    if isinstance(q, wq.Or):
        out = 0
        for sub in q.subqueries:
            out |= _match_bits(sub, gc, searcher)
        return out
    if isinstance(q, wq.Every):
        return gc.live
    if q is wq.NullQuery:
        return 0
    # Anything else (not produced by parse_text): ask Whoosh.
    return _ids_to_bits([list(searcher.docs_for_query(q))], gc.ndocs)


def _clean_values(value: Any) -> list[str]:
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


def _highlight(text: str, rx: re.Pattern | None) -> str:
    if not text:
        return ""
    if rx is None:
        return html.escape(text)
    out: list[str] = []
    pos = 0
    for m in rx.finditer(text):
        start, end = m.span()
        if start == end:
            continue
        if start > pos:
            out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    if pos < len(text):
        out.append(html.escape(text[pos:]))
    return "".join(out).replace("</mark><mark>", "")


# --------------------------------------------------------------------------------------------
# The backend
# --------------------------------------------------------------------------------------------


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
        self._gc: _GenerationCache | None = None
        self._segcaches: dict[str, _SegmentCache] = {}
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
            self._gc = _GenerationCache(self._searcher, self._segcaches, self.result_cache_size)
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

    def _doc_fields(self, doc: SearchDocument) -> dict[str, Any]:
        if not doc.kind or not str(doc.kind).strip():
            raise ValueError("SearchDocument.kind is required")
        title = str(doc.title or "")
        summary = str(doc.summary or "")[:SUMMARY_MAX_CHARS]
        facets: dict[str, str | list[str]] = {}
        # Text is analysed here, before the write lock is taken, when the index's text fields use
        # our analyzer: a list of tokens is indexed as is (Whoosh skips its analyzer for lists).
        text = analyze if self._pretokenize() else (lambda value: value)
        out: dict[str, Any] = {
            "uid": doc.uid,
            "kind": str(doc.kind),
            "object_id": str(doc.object_id),
            "title": text(_nfkc(title)),
            "summary": text(_nfkc(summary)),
            "_stored_title": title,
            "_stored_summary": summary,
            "created": int(doc.created.timestamp()) if doc.created else 0,
            "popularity": int(doc.popularity or 0),
            "rating": round(float(doc.rating or 0.0) * RATING_SCALE),
        }
        if doc.content:
            out["content"] = text(_nfkc(str(doc.content)))
        keywords = _clean_values(doc.keywords)
        if keywords:
            out["keywords"] = text(_nfkc(" ".join(keywords)))
            out["tags"] = sorted({_nfkc(k).lower() for k in keywords})
        acl = _clean_values(doc.acl)
        if acl:
            out["acl"] = acl
        for name, value in (doc.facets or {}).items():
            if not FACET_NAME_RE.match(str(name)):
                raise ValueError(f"invalid facet name {name!r}")
            values = _clean_values(value)
            if not values:
                continue
            out[FACET_PREFIX + name] = values
            facets[name] = values if isinstance(value, (list, tuple, set, frozenset)) else values[0]
        out["facets"] = json.dumps(facets, ensure_ascii=False, separators=(",", ":"))
        return out

    def _pretokenize(self) -> bool:
        """Whether every text field of the index uses ``chinese_analyzer()`` (so ``analyze`` may)."""
        if self._pretokenize_ok is None:
            schema = self._open().schema
            ana = chinese_analyzer()
            self._pretokenize_ok = all(name in schema and schema[name].analyzer == ana for name in TEXT_FIELDS)
        return self._pretokenize_ok

    def index(self, docs: Iterable[SearchDocument]) -> int:
        batch: dict[str, dict[str, Any]] = {}
        for doc in docs:
            fields_ = self._doc_fields(doc)
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
            docnums = _bits_to_docnums(bits)
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
        parsed = _parse_cached(query.text or "")
        sort = query.sort if query.sort in SORT_ORDERS else "relevance"
        if sort == "relevance" and parsed.query is None:
            sort = "newest"
        selection_key = _selection_key(query)
        facet_names = tuple(f for f in dict.fromkeys(query.facets or []) if FACET_NAME_RE.match(str(f)))
        result_key = (selection_key, facet_names, sort, page, per_page)
        with self._lock:
            for attempt in (1, 2):
                try:
                    searcher, gc = self._current()
                    cached = gc.results.lookup(result_key) if gc.results is not None else None
                    if cached is not None:
                        return copy.deepcopy(cached)
                    selection = gc.selections.lookup(selection_key) if gc.selections is not None else None
                    if selection is None:
                        selection = self._select(searcher, gc, query, parsed)
                        if gc.selections is not None:
                            gc.selections.put(selection_key, selection)
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

    def _filter_bits(self, gc: _GenerationCache, query: SearchQuery) -> int | None:
        """Bitmap of documents allowed by kinds/filters/ACL (None = no restriction)."""
        allowed: int | None = None

        def narrow(bits: int) -> None:
            nonlocal allowed
            allowed = bits if allowed is None else allowed & bits

        if query.kinds is not None:
            narrow(gc.any_of("kind", _clean_values(query.kinds)))
        for name, value in (query.filters or {}).items():
            values = _clean_values(value)
            if not values:
                continue  # an empty filter value means "no filter on this field"
            if not FACET_NAME_RE.match(str(name)):
                narrow(0)  # no document can have such a facet
                continue
            narrow(gc.any_of(FACET_PREFIX + name, values))
        if query.acl is not None:
            narrow(gc.any_of("acl", _clean_values(query.acl)))
        return allowed

    def _select(self, searcher, gc, query: SearchQuery, parsed: _ParsedText) -> _Selection:
        live = gc.live
        match = live if parsed.query is None else _match_bits(parsed.query, gc, searcher) & live
        return _Selection(match, self._filter_bits(gc, query))

    def _search(self, searcher, gc, selection: _Selection, parsed, facet_names, sort, page, per_page) -> SearchResults:
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
            top = self._top_scored(searcher, gc, parsed.query, final, total, selection.match, selection.allowed,
                                   offset + per_page)
        else:
            top = [(0.0, d) for d in self._top_sorted(gc, SORT_FIELDS[sort], final, total, offset + per_page)]
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
                    highlights={"title": _highlight(title, rx), "summary": _highlight(summary, rx)},
                    facets=facets,
                )
            )
        return results

    def _top_scored(self, searcher, gc, q, final: int, total: int, match: int, allowed, limit: int):
        """(score, docnum) pairs of the best ``limit`` documents of ``final``, best first."""
        try:
            return self._top_vector(searcher, gc, q, final, limit)
        except scoring.Unsupported as exc:  # a query shape the vector scorer doesn't know
            log.debug("search: scoring with Whoosh's matchers (%s)", exc)
        return self._top_whoosh(searcher, gc, q, final, total, match, allowed, limit)

    def _top_vector(self, searcher, gc, q, final: int, limit: int):
        """Score every document of ``final`` at once per segment (exact Whoosh BM25F scores)."""
        docnums = scoring.bits_to_docnums(final, gc.ndocs)
        context = searcher.context()
        best_scores, best_docs = [], []
        for (sub, offset), (reader, leaf_offset, cache) in zip(searcher.leaf_searchers(), gc.leaves, strict=True):
            if offset != leaf_offset:
                raise scoring.Unsupported("searcher and reader segments differ")
            lo, hi = np.searchsorted(docnums, [offset, offset + reader.doc_count_all()])
            if lo == hi:
                continue
            cands = docnums[lo:hi] - offset
            norms = gc.norms.setdefault(cache.segid, {})
            seg = scoring.SegmentScorer(cache.segid, reader, self._postings, cache.lengths, norms)
            scores = seg.scores(q.matcher(sub, context), cands)
            present = scores > 0
            if not present.all():
                scores, cands = scores[present], cands[present]
            scores, cands = scoring.top_k(scores, cands + offset, limit)
            best_scores.append(scores)
            best_docs.append(cands)
        if not best_scores:
            return []
        scores, docs = scoring.top_k(np.concatenate(best_scores), np.concatenate(best_docs), limit)
        return list(zip(scores.tolist(), docs.tolist(), strict=True))

    @staticmethod
    def _top_whoosh(searcher, gc, q, final: int, total: int, match: int, allowed, limit: int):
        """``_top_scored`` with Whoosh's own matchers (for query shapes ``scoring`` doesn't know)."""
        if allowed is None:
            return searcher.search(q, limit=limit, terms=False).top_n
        match_total = match.bit_count()
        if total > MANUAL_SCORING_MAX and total * 8 >= match_total:
            # Filters keep a good part of the matches: let the top-N collector (with block-quality
            # skipping) run over the matches, checking the bitmap.
            flt = _BitsFilter(final, gc.ndocs, total)
            return searcher.search(q, limit=limit, filter=flt, terms=False).top_n
        # Filters keep few of the matches: score only those documents.
        docnums = _bits_to_docnums(final)
        heap: list[tuple[float, int]] = []
        context = searcher.context()
        pos = 0
        for sub, offset in searcher.leaf_searchers():
            end = offset + sub.doc_count_all()
            if pos >= len(docnums) or docnums[pos] >= end:
                continue
            matcher = q.matcher(sub, context)
            while pos < len(docnums) and docnums[pos] < end:
                local = docnums[pos] - offset
                pos += 1
                if not matcher.is_active():
                    continue
                if matcher.id() < local:
                    matcher.skip_to(local)
                    if not matcher.is_active():
                        continue
                if matcher.id() == local:
                    item = (matcher.score(), -(local + offset))
                    if len(heap) < limit:
                        heappush(heap, item)
                    elif item > heap[0]:
                        heapreplace(heap, item)
        heap.sort(reverse=True)
        return [(score, -neg) for score, neg in heap]

    @staticmethod
    def _top_sorted(gc, fieldname: str, final: int, total: int, limit: int) -> list[int]:
        """The first ``limit`` documents of ``final`` by ``fieldname`` desc (ties: newest first)."""
        order, keys = gc.order(fieldname)
        n = max(1, gc.ndocs)
        expected_scan = limit * n / max(1, total)
        if expected_scan <= 2 * total + n / 32:
            fb = final.to_bytes((n + 7) >> 3, "little")
            bit = _BIT
            out: list[int] = []
            for d in order:
                if fb[d >> 3] & bit[d & 7]:
                    out.append(d)
                    if len(out) >= limit:
                        break
            return out
        docnums = _bits_to_docnums(final)
        docnums.reverse()
        return nlargest(limit, docnums, key=keys.__getitem__)

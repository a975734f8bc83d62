"""What a searcher keeps between searches: per-segment data, per-generation composites and caches.

* **Per segment** (:class:`SegmentCache`): term bitmaps, facet bitmaps, sort keys, field lengths.
  Segments are immutable (deletions are applied with a separate live-docs mask), so this survives
  reopening the searcher; what belongs to segments no longer in the index is dropped on reopening.
* **Per index generation** (:class:`GenerationCache`): the composite bitmaps and sort orders of
  the whole index, what a query selects (its match bitmap ∩ filters/ACL, the total and facet
  counts, keyed by text, kinds, filters and ACL set) and whole result pages. A generation cache is
  replaced as soon as the index on disk changes — a write by this process or any other — so it
  never serves stale results.
* **Memory** is bounded per backend object (one per process and app): LRUs by count for term
  bitmaps (per segment 1024, per generation 2048: ≤ 12.5 KB each at 100,000 documents),
  selections (``SELECTION_CACHE_SIZE``) and result pages (``result_cache_size`` pages and at most
  ``RESULT_CACHE_HITS`` hits in all); facet bitmaps, lengths, norms and sort orders are per field
  of the index (names from queries that the index lacks are not remembered).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from whoosh.reading import TermNotFound

from eduplatform.core.search.base import SearchResults
from eduplatform.core.search.bitsets import ids_to_bits, posting_chunks

#: Per index generation (both are dropped as soon as the index changes, in any process): how many
#: query selections (match bitmap, total, facet counts) and whole result pages are kept.
SELECTION_CACHE_SIZE = 128
RESULT_CACHE_SIZE = 256
#: ... and at most this many hits in all the cached pages (a hit keeps ≤ 300 characters of summary
#: twice, highlighted and not, and its facets: ≈ 2–3 KB, so ≈ 10–15 MB per process).
RESULT_CACHE_HITS = 5000


class LRU(OrderedDict):
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


class SegmentCache:
    """Per-segment data that never changes (segments are immutable, deletions aside)."""

    def __init__(self, segid: str, ndocs: int):
        self.segid = segid
        self.ndocs = ndocs
        self.terms = LRU(1024)
        self.facets: dict[str, dict[str, int]] = {}
        self.keys: dict[str, list[int]] = {}
        self.live: tuple[int, int] | None = None  # (deleted_count, bitmap)
        #: fieldname → the field-length byte of every document (None: no length column).
        self.lengths: dict[str, Any] = {}

    def term_bits(self, reader, fieldname: str, btext: bytes) -> int:
        return self.terms.get_or(
            (fieldname, btext), lambda: ids_to_bits(posting_chunks(reader, fieldname, btext), self.ndocs)
        )

    def live_bits(self, reader) -> int:
        segment = reader.segment() if hasattr(reader, "segment") else None
        deleted_count = segment.deleted_count() if segment is not None else 0
        if self.live is None or self.live[0] != deleted_count:
            full = (1 << self.ndocs) - 1
            if deleted_count:
                full &= ~ids_to_bits([list(segment.deleted_docs())], self.ndocs)
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
                bits = ids_to_bits(posting_chunks(reader, fieldname, btext), self.ndocs)
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


def result_weight(results: SearchResults) -> int:
    return len(results.hits) + 1


class Selection:
    """What a query selects in one generation: text matches, allowed ∩ matches, facet counts."""

    __slots__ = ("allowed", "facet_counts", "final", "match", "total")

    def __init__(self, match: int, allowed: int | None):
        self.match = match
        self.allowed = allowed
        self.final = match if allowed is None else match & allowed
        self.total = self.final.bit_count()
        self.facet_counts: dict[str, list[tuple[str, int]]] = {}


class GenerationCache:
    """Composite bitmaps/orders for one reader generation, built lazily from segment caches."""

    def __init__(self, searcher, segcaches: dict[str, SegmentCache], result_cache_size: int = 0):
        self.reader = searcher.reader()
        self.leaves = []  # (segment reader, offset, segment cache)
        for sub, offset in self.reader.leaf_readers():
            segment = sub.segment() if hasattr(sub, "segment") else None
            segid = segment.segment_id() if segment is not None else f"empty{offset}"
            cache = segcaches.get(segid)
            if cache is None or cache.ndocs != sub.doc_count_all():
                cache = segcaches[segid] = SegmentCache(segid, sub.doc_count_all())
            self.leaves.append((sub, offset, cache))
        self.ndocs = self.reader.doc_count_all()
        self.segids = {cache.segid for _, _, cache in self.leaves}
        self._live: int | None = None
        self._terms = LRU(2048)
        self._facets: dict[str, dict[str, int]] = {}
        self._orders: dict[str, tuple[list[int], list[int]]] = {}
        #: segment id → BM25 length norms per (field, B, K1, average length) for the scorer.
        self.norms: dict[str, dict] = {}
        #: (text, kinds, filters, ACL) → Selection: what a query selects, and its facet counts.
        #: (selection key, facets, sort, page, per_page) → SearchResults: whole answers.
        #: ``result_cache_size`` 0 turns both off (every search computed from the term bitmaps).
        self.selections = LRU(SELECTION_CACHE_SIZE) if result_cache_size > 0 else None
        self.results = (LRU(result_cache_size, max_weight=RESULT_CACHE_HITS, weigh=result_weight)
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

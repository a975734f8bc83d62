"""Exact BM25F scores for many documents at once, from Whoosh's own matcher tree.

Whoosh scores one posting at a time in Python (≈10–20 µs per document and term); a common word in
a 100,000-document index matches 70,000 documents, so a query spent most of a second there. This
module asks Whoosh to build its matcher tree for a segment (which fixes the tree shape and every
scorer's idf / average length), then evaluates that tree over all candidate documents with numpy:
a term leaf becomes two arrays (document numbers, weights) read once per segment and cached, a
union adds its children's score arrays, an intersection adds them where both match.

The arithmetic is the same as Whoosh's, in the same order (``bm25()``, left + right for
``UnionMatcher``/``IntersectionMatcher``, ``* boost`` for wrappers; IEEE doubles either way), so the
scores are identical to ``matcher.score()`` bit for bit, not just close; ties are broken like
Whoosh's top-N collector (lower document number first). Matcher types this module does not know
raise :class:`Unsupported` and the caller falls back to Whoosh's own scoring.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching import binary, mcore, wrappers
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

#: Field length byte (Whoosh stores lengths as one log-scaled byte) → the length Whoosh scores with.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """The matcher tree holds something this module cannot evaluate exactly."""


def bits_to_docnums(bits: int, ndocs: int) -> np.ndarray:
    """Set bit positions of a Python-int bitmap, ascending, as an int64 array."""
    if not bits:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(bits.to_bytes((ndocs + 7) >> 3 or 1, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little")).astype(np.int64, copy=False)


def docnums_to_bits(docnums: np.ndarray, ndocs: int) -> int:
    mask = np.zeros(max(ndocs, 1), dtype=np.bool_)
    mask[docnums] = True
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


class PostingsCache:
    """Term postings as arrays, per (segment, field, term), within a memory budget (bytes)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def get(self, segid: str, reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        key = (segid, fieldname, btext)
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
            return item
        item = read_postings(reader, fieldname, btext)
        size = item[0].nbytes + item[1].nbytes + 200
        self._items[key] = item
        self.bytes += size
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, (ids, weights) = self._items.popitem(last=False)
            self.bytes -= ids.nbytes + weights.nbytes + 200
        return item

    def forget_segments(self, keep: set[str]) -> None:
        for key in [k for k in self._items if k[0] not in keep]:
            ids, weights = self._items.pop(key)
            self.bytes -= ids.nbytes + weights.nbytes + 200

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


def read_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of a term in one segment, deleted documents included.

    The weights are the values ``matcher.weight()`` returns (float32 in the W3 codec), as doubles.
    """
    try:
        m = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
    except (TermNotFound, KeyError):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    id_parts: list[np.ndarray] = []
    weight_parts: list[np.ndarray] = []
    if type(m) is W3LeafMatcher:
        # Whole blocks at a time instead of id()/weight()/next() per posting.
        while m.is_active():
            m._read_ids()
            m._read_weights()
            i = m._i
            id_parts.append(np.fromiter(m._ids[i:], dtype=np.int64))
            weight_parts.append(np.fromiter(m._weights[i:], dtype=np.float64))
            m._next_block()
    else:  # e.g. a ListMatcher for a term inlined in the term index
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        id_parts.append(np.array(ids, dtype=np.int64))
        weight_parts.append(np.array(weights, dtype=np.float64))
    if not id_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def read_length_bytes(reader, fieldname: str) -> np.ndarray | None:
    """The length byte of every document of a segment in ``fieldname`` (None: no length column)."""
    perdoc = getattr(reader, "_perdoc", None)
    ndocs = reader.doc_count_all()
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN) if perdoc is not None else None
    if column is None:
        if perdoc is None:
            raise Unsupported("reader without a per-document reader")
        return None
    out = np.zeros(ndocs, dtype=np.uint8)
    if type(column) is NumericColumn.Reader and column._typecode == "B":
        count = min(column._count, ndocs)
        if count:
            out[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
    else:  # pragma: no cover - other codecs
        out[:] = np.fromiter((column[d] for d in range(ndocs)), dtype=np.uint8, count=ndocs)
    return out


class SegmentScorer:
    """Evaluates matcher trees of one segment over sorted candidate document numbers.

    Every score Whoosh computes is > 0 (idf = log(N / (df + 1)) + 1 > 0, weights ≥ 1), so a
    document matches a node exactly when its score there is > 0 and no presence masks are needed.
    """

    def __init__(self, segid: str, reader, postings: PostingsCache, lengths: dict, norms: dict):
        self.segid = segid
        self.reader = reader
        self.ndocs = reader.doc_count_all()
        self.postings = postings
        #: fieldname → length bytes (or None), kept by the caller per segment.
        self.lengths = lengths
        #: (fieldname, B, K1, avgfl) → BM25's length norm per document, kept per generation.
        self.norms = norms

    def scores(self, matcher, cands: np.ndarray) -> np.ndarray:
        """Scores aligned with ``cands``: 0.0 where a document does not match."""
        return self._eval(matcher, cands)

    def _eval(self, m, cands):
        cls = type(m)
        if cls is binary.UnionMatcher:
            # Whoosh: a + b where both match, else the one that does; x + 0.0 == x exactly.
            return self._eval(m.a, cands) + self._eval(m.b, cands)
        if cls is binary.IntersectionMatcher:
            sa = self._eval(m.a, cands)
            sb = self._eval(m.b, cands)
            return np.where((sa > 0) & (sb > 0), sa + sb, 0.0)
        if cls is wrappers.WrappingMatcher or (cls is wrappers.FilterMatcher and m._exclude):
            # FilterMatcher(exclude=True) hides deleted documents: candidates are live already.
            if m.boost == 1.0:
                return self._eval(m.child, cands)
            if not m.boost > 0:
                raise Unsupported("a boost that is not positive")
            return self._eval(m.child, cands) * m.boost
        if cls is mcore.NullMatcherClass:
            return np.zeros(len(cands))
        if cls is W3LeafMatcher or cls is mcore.ListMatcher:
            return self._leaf(m, cands)
        raise Unsupported(cls.__name__)

    def _leaf(self, m, cands):
        term = m.term()
        if term is None:
            raise Unsupported("leaf matcher without a term")
        fieldname, btext = term
        if isinstance(btext, str):
            btext = btext.encode("utf-8")
        scorer = m.scorer if type(m) is W3LeafMatcher else m._scorer
        if scorer is None or type(scorer) is WeightScorer:
            score = None  # the weight is the score
        elif type(scorer) is BM25FScorer and hasattr(scorer, "dfl"):
            idf, k1p1 = scorer.idf, scorer.K1 + 1
            norm = self._norm(fieldname, scorer)

            def score(w, docs):
                # whoosh.scoring.bm25, operation for operation:
                # idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
                return idf * ((w * k1p1) / (w + norm[docs]))
        else:
            raise Unsupported(type(scorer).__name__)
        ids, weights = self.postings.get(self.segid, self.reader, fieldname, btext)
        n, c = len(ids), len(cands)
        out = np.zeros(c)
        if not n or not c:
            return out
        if n <= 4 * c:  # score the postings, then line them up with the candidates
            s = weights if score is None else score(weights, ids)
            if c > self.ndocs // 16:
                dense = np.zeros(self.ndocs)
                dense[ids] = s
                return dense[cands]
            pos = np.searchsorted(cands, ids)
            ok = pos < c
            ok[ok] = cands[pos[ok]] == ids[ok]
            out[pos[ok]] = s[ok]
            return out
        # Long postings, few candidates: look the candidates up in the postings.
        pos = np.searchsorted(ids, cands)
        pos[pos >= n] = n - 1
        hit = np.flatnonzero(ids[pos] == cands)
        w = weights[pos[hit]]
        out[hit] = w if score is None else score(w, cands[hit])
        return out

    def _norm(self, fieldname: str, scorer) -> np.ndarray:
        """``K1 * ((1 - B) + B * fl / avgfl)`` for every document of the segment."""
        B, K1, avgfl = scorer.B, scorer.K1, scorer.avgfl
        key = (fieldname, B, K1, avgfl)
        norm = self.norms.get(key)
        if norm is None:
            if fieldname not in self.lengths:
                self.lengths[fieldname] = read_length_bytes(self.reader, fieldname)
            lb = self.lengths[fieldname]
            # doc_field_length(docnum, fieldname, 1): 1 when the segment keeps no lengths.
            fl = np.ones(self.ndocs) if lb is None else _LENGTH_OF_BYTE[lb]
            norm = self.norms[key] = K1 * ((1 - B) + B * fl / avgfl)
        return norm


def top_k(scores: np.ndarray, docnums: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` by score desc, then document number asc — the order of Whoosh's top-N collector."""
    n = len(scores)
    if k <= 0:
        return scores[:0], docnums[:0]
    if n > k:
        kth = np.partition(scores, n - k)[n - k]
        above = np.flatnonzero(scores > kth)
        ties = np.flatnonzero(scores == kth)
        need = k - len(above)
        if len(ties) > need:
            ties = ties[np.argsort(docnums[ties], kind="stable")[:need]]
        sel = np.concatenate([above, ties])
        scores, docnums = scores[sel], docnums[sel]
    order = np.lexsort((docnums, -scores))
    return scores[order], docnums[order]

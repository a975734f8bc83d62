"""The first documents of a selection: best scored (relevance) or by a sort column.

Relevance is scored for all selected documents at once per segment by
:mod:`eduplatform.core.search.scoring`: Whoosh builds its matcher tree (tree shape, idf, average
lengths), numpy evaluates it over the candidate documents with the term postings read once per
segment and cached — the same BM25F arithmetic in the same order, so the scores equal
``matcher.score()`` exactly and ties go to the lower document number as in Whoosh's top-N collector
(whose block-quality skipping can even miss better documents). A query shape it does not know falls
back to Whoosh's matchers: the top-N collector with the filter bitmap or, when the filters leave
few documents, ``matcher.skip_to`` per document. Non-relevance sorts walk a cached per-generation
document order (by the ``created``/``popularity``/``rating`` columns) or sort the few matching
documents directly.
"""

from __future__ import annotations

import logging
from heapq import heappush, heapreplace, nlargest

import numpy as np

from eduplatform.core.search import scoring
from eduplatform.core.search.bitsets import BIT, BitsFilter, bits_to_docnums
from eduplatform.core.search.caches import GenerationCache

log = logging.getLogger(__name__)

#: A filtered relevance query scores its (filtered) documents one by one with ``skip_to`` when
#: there are at most this many, or when the filters keep less than 1/8 of the text matches;
#: otherwise the top-N collector runs over the matches with the filter bitmap.
MANUAL_SCORING_MAX = 2000


def top_scored(searcher, gc: GenerationCache, postings: scoring.PostingsCache, q, final: int, total: int,
               match: int, allowed, limit: int):
    """(score, docnum) pairs of the best ``limit`` documents of ``final``, best first."""
    try:
        return top_vector(searcher, gc, postings, q, final, limit)
    except scoring.Unsupported as exc:  # a query shape the vector scorer doesn't know
        log.debug("search: scoring with Whoosh's matchers (%s)", exc)
    return top_whoosh(searcher, gc, q, final, total, match, allowed, limit)


def top_vector(searcher, gc: GenerationCache, postings: scoring.PostingsCache, q, final: int, limit: int):
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
        seg = scoring.SegmentScorer(cache.segid, reader, postings, cache.lengths, norms)
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


def top_whoosh(searcher, gc: GenerationCache, q, final: int, total: int, match: int, allowed, limit: int):
    """``top_scored`` with Whoosh's own matchers (for query shapes ``scoring`` doesn't know)."""
    if allowed is None:
        return searcher.search(q, limit=limit, terms=False).top_n
    match_total = match.bit_count()
    if total > MANUAL_SCORING_MAX and total * 8 >= match_total:
        # Filters keep a good part of the matches: let the top-N collector (with block-quality
        # skipping) run over the matches, checking the bitmap.
        flt = BitsFilter(final, gc.ndocs, total)
        return searcher.search(q, limit=limit, filter=flt, terms=False).top_n
    # Filters keep few of the matches: score only those documents.
    docnums = bits_to_docnums(final)
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


def top_sorted(gc: GenerationCache, fieldname: str, final: int, total: int, limit: int) -> list[int]:
    """The first ``limit`` documents of ``final`` by ``fieldname`` desc (ties: newest first)."""
    order, keys = gc.order(fieldname)
    n = max(1, gc.ndocs)
    expected_scan = limit * n / max(1, total)
    if expected_scan <= 2 * total + n / 32:
        fb = final.to_bytes((n + 7) >> 3, "little")
        bit = BIT
        out: list[int] = []
        for d in order:
            if fb[d >> 3] & bit[d & 7]:
                out.append(d)
                if len(out) >= limit:
                    break
        return out
    docnums = bits_to_docnums(final)
    docnums.reverse()
    return nlargest(limit, docnums, key=keys.__getitem__)

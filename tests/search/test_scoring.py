"""Vectorised scoring: the same scores as Whoosh's matchers, bit for bit, and the same order."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from whoosh import query as wq

from eduplatform.core.search import SearchDocument, SearchQuery, scoring, whoosh_backend
from eduplatform.core.search.analysis import ensure_jieba
from eduplatform.core.search.query import ParsedText, parse_text
from eduplatform.core.search.whoosh_backend import WhooshSearch

WORDS = ["函数", "方程", "几何", "概率", "统计", "向量", "图像", "教学", "设计", "课件", "Python", "functions"]


def doc(object_id, title, **kw) -> SearchDocument:
    return SearchDocument(kind="resource", object_id=object_id, title=title, **kw)


def random_docs(rng: random.Random, n: int) -> list[SearchDocument]:
    def text(lo, hi):
        return "，".join("".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(lo, hi)))

    return [
        doc(i, text(1, 2), summary=text(0, 3), content=text(0, 12), keywords=rng.sample(WORDS, rng.randint(0, 2)),
            facets={"org": str(i % 5)}, acl=["public"] if i % 3 else ["org:1"])
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Several segments (as Whoosh's merge policy leaves them) and some deletions; read-only."""
    rng = random.Random(11)
    backend = WhooshSearch(tmp_path_factory.mktemp("scoring") / "index")
    docs = random_docs(rng, 260)
    for start in range(0, 260, 65):
        backend.index(docs[start : start + 65])
    backend.delete([f"resource:{i}" for i in range(0, 260, 9)])
    backend.index([doc(i, "函数图像 教学设计 课件", content="函数 函数 几何") for i in range(3, 260, 17)])
    yield backend
    backend.close()


QUERIES = ["函数", "教学设计", "函数 几何", "二次函数 图像", "python", "Functions 统计", "课件 向量 概率 方程"]


def whoosh_scores(backend, q) -> dict[int, float]:
    """Every live matching document's score, asked of Whoosh's matcher one document at a time."""
    searcher, _ = backend._current()
    out = {}
    context = searcher.context()
    for sub, offset in searcher.leaf_searchers():
        m = q.matcher(sub, context)
        while m.is_active():
            d = m.id()
            if not sub.reader().is_deleted(d):
                out[d + offset] = m.score()
            m.next()
    return out


@pytest.mark.parametrize("text", QUERIES)
def test_vector_scores_are_whooshs_scores_exactly(index, text):
    searcher, gc = index._current()
    assert len(gc.leaves) > 1  # several segments, some with deletions
    q = parse_text(text).query
    expected = whoosh_scores(index, q)
    assert expected
    rng = random.Random(text)
    # All candidates, and fewer (filters): each takes another way to line postings up with them.
    for share in (1.0, 0.3, 0.05, 0.01):
        got = {}
        for (sub, offset), (reader, _, cache) in zip(searcher.leaf_searchers(), gc.leaves, strict=True):
            seg = scoring.SegmentScorer(cache.segid, reader, index._postings, cache.lengths, {})
            mine = [d - offset for d in expected if offset <= d < offset + reader.doc_count_all()]
            cands = np.array(sorted(rng.sample(mine, max(1, int(len(mine) * share)) if mine else 0)), dtype=np.int64)
            scores = seg.scores(q.matcher(sub, searcher.context()), cands)
            assert (scores > 0).all()
            got.update(zip((cands + offset).tolist(), scores.tolist(), strict=True))
        assert got == {d: expected[d] for d in got}  # ==, not approx
        assert share < 1 or len(got) == len(expected)


@pytest.mark.parametrize("text", QUERIES)
def test_search_order_is_score_then_document_number(index, text):
    expected = whoosh_scores(index, parse_text(text).query)
    ranked = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))
    searcher, _ = index._current()
    uids = [searcher.stored_fields(d)["uid"] for d, _ in ranked]
    results = index.search(SearchQuery(text=text, per_page=200))
    assert results.total == len(expected)
    assert [h.uid for h in results.hits] == uids[:200]
    assert [h.score for h in results.hits] == [s for _, s in ranked[:200]]
    page = index.search(SearchQuery(text=text, page=2, per_page=7))
    assert [h.uid for h in page.hits] == uids[7:14]


def test_filters_and_acl_restrict_the_scored_documents(index):
    q = parse_text("函数 几何").query
    expected = whoosh_scores(index, q)
    searcher, _ = index._current()
    allowed = {d for d in expected if json.loads(searcher.stored_fields(d)["facets"]).get("org") == "2"}
    assert 5 < len(allowed) < len(expected)
    ranked = sorted(((d, s) for d, s in expected.items() if d in allowed), key=lambda kv: (-kv[1], kv[0]))
    results = index.search(SearchQuery(text="函数 几何", filters={"org": "2"}, per_page=100))
    assert [h.uid for h in results.hits] == [searcher.stored_fields(d)["uid"] for d, _ in ranked]


def test_ties_keep_the_lower_document_number_first(tmp_path):
    backend = WhooshSearch(tmp_path / "index")
    backend.index([doc(i, "相同的标题 勾股定理") for i in range(30)])
    backend.index([doc(i, "相同的标题 勾股定理") for i in range(30, 45)])
    results = backend.search(SearchQuery(text="勾股定理", per_page=10))
    assert len({h.score for h in results.hits}) == 1
    assert [h.uid for h in results.hits] == [f"resource:{i}" for i in range(10)]
    backend.close()


def test_unknown_matchers_fall_back_to_whooshs_scoring(index, monkeypatch):
    # Or(scale=…) wraps the tree in a CoordMatcher, which the vector scorer does not evaluate.
    q = wq.Or([wq.Term("title", "函数"), wq.Term("content", "几何")], scale=0.9)
    searcher, gc = index._current()
    reader, _, cache = gc.leaves[0]
    seg = scoring.SegmentScorer(cache.segid, reader, index._postings, cache.lengths, {})
    sub, _ = next(iter(searcher.leaf_searchers()))
    with pytest.raises(scoring.Unsupported):
        seg.scores(q.matcher(sub, searcher.context()), np.arange(3))
    monkeypatch.setattr(whoosh_backend, "parse_cached", lambda text: ParsedText(q, ["函数"], [text]))
    results = index.search(SearchQuery(text="x", per_page=50))
    expected = searcher.search(q, limit=50, terms=False).top_n
    assert [h.score for h in results.hits] == [s for s, _ in expected]
    assert results.total == len(list(searcher.docs_for_query(q)))


def test_length_bytes_match_whoosh_per_document(index):
    _, gc = index._current()
    for reader, _, _ in gc.leaves:
        for fieldname in ("title", "summary", "content", "keywords"):
            lb = scoring.read_length_bytes(reader, fieldname)
            lengths = [reader.doc_field_length(d, fieldname, 1) for d in range(reader.doc_count_all())]
            if lb is None:  # no document of the segment has the field: Whoosh scores with the default
                assert set(lengths) == {1}
                continue
            assert [scoring._LENGTH_OF_BYTE[b] if b else None for b in lb.tolist()] == [
                float(x) if x is not None else None for x in lengths]
        assert scoring.read_length_bytes(reader, "acl") is None  # ID fields keep no lengths


def test_postings_cache_stays_within_its_budget(index):
    _, gc = index._current()
    reader, _, cache = gc.leaves[0]
    postings = scoring.PostingsCache(max_bytes=2_000)
    for word in WORDS:
        postings.get(cache.segid, reader, "content", word.lower().encode())
        assert postings.bytes <= 2_000 or len(postings._items) == 1
    ids, weights = postings.get(cache.segid, reader, "content", "函数".encode())
    assert list(ids) == sorted(set(ids.tolist()))
    assert len(ids) == len(weights) and (weights > 0).all()
    postings.forget_segments(set())
    assert postings.bytes == 0


def test_bitmap_conversions_round_trip():
    rng = random.Random(5)
    for n in (1, 7, 8, 9, 1000):
        docnums = sorted(rng.sample(range(n), rng.randint(0, n)))
        bits = scoring.docnums_to_bits(np.array(docnums, dtype=np.int64), n)
        assert bits == sum(1 << d for d in docnums)
        assert scoring.bits_to_docnums(bits, n).tolist() == docnums


def test_query_words_drop_jiebas_extra_sub_tokens():
    ensure_jieba()
    # Search mode indexes '必达' inside '洛必达'; requiring it too added nothing but cost.
    assert parse_text("洛必达法则").tokens == ["洛必达", "法则"]
    assert {text for _, text in parse_text("洛必达法则").query.iter_all_terms()} == {"洛必达", "法则", "洛必达法则"}
    # Tokens of one word still have to meet in one field.
    assert str(parse_text("教学设计").query).count("AND") == 4

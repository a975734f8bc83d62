"""The backend's answers against a reference built from Whoosh itself, through index changes.

The reference scores every matching live document with Whoosh's own matcher (``matcher.score()``,
one document at a time, on a searcher opened just for it) and applies kinds, filters, ACL, facet
counts and pagination from the test's own model of the documents. The backend under test keeps
its caches (result pages, selections, postings, bitmaps) across the changes, as in a server.
"""

from __future__ import annotations

import html
import multiprocessing
import random
import re
import sys
import threading

import pytest
from whoosh import index as whoosh_index

from eduplatform.core.search import SearchDocument, SearchQuery, caches
from eduplatform.core.search.query import parse_text
from eduplatform.core.search.schema import INDEX_NAME
from eduplatform.core.search.whoosh_backend import WhooshSearch

VOCAB = ["函数", "二次函数", "方程", "几何", "概率", "统计", "向量", "图像", "教学", "设计", "教学设计", "课件",
         "学生", "数学", "洛必达法则", "岳阳楼记", "Python", "functions", "C++"]
QUERY_WORDS = VOCAB + ["不存在的词", "教学设计 学生", "数学 函数 图像", "python 统计", "Ｐｙｔｈｏｎ",
               "\"教学设计 学生\"", "函数 OR 几何", "几何 -函数"]  # no phrase/boolean syntax: plain words
FACET_VALUES = {"type": ["courseware", "case", "exam"], "stage": ["primary", "junior", "senior"]}
ACL_TOKENS = ["public", "org:1", "org:2", "user:7"]


def make_doc(rng: random.Random, i: int, kind: str | None = None) -> SearchDocument:
    def text(lo, hi):
        return "，".join("".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(lo, hi)))

    facets = {"type": rng.choice(FACET_VALUES["type"]), "stage": rng.sample(FACET_VALUES["stage"], rng.randint(1, 2))}
    return SearchDocument(kind=kind or rng.choice(["resource", "resource", "question"]), object_id=i, title=text(1, 2),
                          summary=text(0, 3), content=text(0, 10), keywords=rng.sample(VOCAB, rng.randint(0, 2)),
                          facets=facets, acl=rng.sample(ACL_TOKENS, rng.randint(1, 2)))


def reference(index_dir, model: dict[str, SearchDocument], q: SearchQuery):
    """(total, [(uid, score)] of the page, facet counts) as Whoosh + the document model say."""
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    parsed = parse_text(q.text)
    scored: list[tuple[float, int, str]] = []
    with ix.searcher() as searcher:
        context = searcher.context()
        for sub, offset in searcher.leaf_searchers():
            m = parsed.query.matcher(sub, context)
            while m.is_active():
                d = m.id()
                if not sub.reader().is_deleted(d):
                    scored.append((m.score(), d + offset, sub.stored_fields(d)["uid"]))
                m.next()
    assert len({uid for _, _, uid in scored}) == len(scored)  # every document once

    def allowed(doc: SearchDocument) -> bool:
        if q.kinds is not None and doc.kind not in q.kinds:
            return False
        for name, values in (q.filters or {}).items():
            have = doc.facets.get(name)
            have = set(have) if isinstance(have, list) else {have}
            if not have & set(values):
                return False
        return q.acl is None or bool(set(doc.acl) & set(q.acl))

    kept = sorted(((s, d, uid) for s, d, uid in scored if allowed(model[uid])), key=lambda t: (-t[0], t[1]))
    facet_counts = {}
    for name in q.facets:
        counts: dict[str, int] = {}
        for _, _, uid in kept:
            value = model[uid].facets[name]
            for v in value if isinstance(value, list) else [value]:
                counts[v] = counts.get(v, 0) + 1
        facet_counts[name] = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))
    start = (q.page - 1) * q.per_page
    page = [(uid, s) for s, _, uid in kept[start : start + q.per_page]]
    return len(kept), page, facet_counts


def random_query(rng: random.Random) -> SearchQuery:
    filters = {}
    if rng.random() < 0.4:
        name = rng.choice(list(FACET_VALUES))
        filters[name] = rng.sample(FACET_VALUES[name], rng.randint(1, 2))
    return SearchQuery(
        text=rng.choice(QUERY_WORDS),
        kinds=rng.choice([None, ["resource"], ["resource", "question"]]),
        filters=filters,
        acl=rng.choice([None, ["public"], ["public", "org:1"], ["org:2", "user:7"]]),
        facets=["type", "stage"],
        page=rng.choice([1, 1, 2, 3]),
        per_page=rng.choice([5, 20]),
    )


def check(backend, model, q: SearchQuery) -> None:
    total, page, facet_counts = reference(backend.index_dir, model, q)
    got = backend.search(q)
    assert got.total == total, q
    assert [(h.uid, h.score) for h in got.hits] == page, q  # scores ==, not approx
    assert got.facet_counts == facet_counts, q
    rx = parse_text(q.text).highlight_re
    for hit in got.hits:
        doc = model[hit.uid]
        assert hit.title == doc.title and hit.facets == doc.facets
        # Highlighting only wraps pieces of the text in <mark>, and each piece is a query term.
        assert re.sub(r"</?mark>", "", hit.highlights["title"]) == html.escape(doc.title)
        for marked in re.findall(r"<mark>(.*?)</mark>", hit.highlights["title"]):
            assert "".join(rx.findall(html.unescape(marked))) == html.unescape(marked)


def test_answers_equal_the_whoosh_reference_through_writes_deletes_updates_and_clear(tmp_path):
    rng = random.Random(2026)
    backend = WhooshSearch(tmp_path / "index")
    writer = WhooshSearch(tmp_path / "index")  # another instance: its writes must reach `backend`'s caches
    model: dict[str, SearchDocument] = {}
    assert backend.search(SearchQuery(text="函数", facets=["type"])).total == 0  # empty index
    next_id = 0
    for step in range(14):
        action = ["add", "add", "update", "delete", "add", "update", "optimize"][step % 7] if step != 9 else "clear"
        who = backend if step % 2 else writer
        if action == "add":
            docs = [make_doc(rng, next_id + k) for k in range(rng.randint(20, 60))]
            next_id += len(docs)
            who.index(docs)
            model.update((d.uid, d) for d in docs)
        elif action == "update" and model:
            docs = [make_doc(rng, model[uid].object_id, model[uid].kind)
                    for uid in rng.sample(sorted(model), min(15, len(model)))]
            assert all(d.uid in model for d in docs)  # same uid: replaces
            who.index(docs)
            model.update((d.uid, d) for d in docs)
        elif action == "delete" and model:
            gone = rng.sample(sorted(model), min(12, len(model)))
            who.delete(gone)
            for uid in gone:
                del model[uid]
        elif action == "optimize":
            who.optimize()
        elif action == "clear":
            who.clear()
            model.clear()
        queries = [random_query(rng) for _ in range(12)]
        for q in queries + queries[:4]:  # the repeats come from the caches
            check(backend, model, q)
    _, gc = backend._current()
    assert len(gc.leaves) >= 1 and model
    backend.close()
    writer.close()


def test_empty_and_cleared_index_answer_nothing(tmp_path):
    backend = WhooshSearch(tmp_path / "index")
    q = SearchQuery(text="函数 学生", facets=["type"], acl=["public"], filters={"type": "courseware"})
    empty = backend.search(q)
    assert (empty.total, empty.hits, empty.facet_counts) == (0, [], {"type": []})
    backend.index([SearchDocument("resource", 1, "函数", facets={"type": "courseware"}, acl=["public"])])
    assert backend.search(q).total == 1
    backend.clear()
    assert backend.search(q).total == 0
    assert backend.search(SearchQuery(text="")).total == 0
    backend.close()


def _change_in_another_process(index_dir: str) -> None:
    rng = random.Random(77)
    other = WhooshSearch(index_dir, lock_timeout=60)
    other.index([make_doc(rng, i, "resource") for i in range(0, 40, 4)])  # updates (new text, facets, ACL)
    other.index([make_doc(rng, i, "resource") for i in range(100, 130)])  # adds (idf and lengths change)
    other.delete([f"resource:{i}" for i in range(1, 40, 5)])
    other.close()


def test_caches_follow_updates_adds_and_deletes_of_another_process(tmp_path):
    rng = random.Random(5)
    backend = WhooshSearch(tmp_path / "index")
    model = {d.uid: d for d in (make_doc(rng, i, "resource") for i in range(100))}
    backend.index(model.values())
    queries = [random_query(rng) for _ in range(15)]
    for q in queries:
        check(backend, model, q)  # fills the result, selection and postings caches
    p = multiprocessing.get_context("spawn").Process(target=_change_in_another_process, args=(str(backend.index_dir),))
    p.start()
    p.join(120)
    assert p.exitcode == 0
    rng = random.Random(77)  # the same documents the other process wrote
    model.update((d.uid, d) for d in (make_doc(rng, i, "resource") for i in range(0, 40, 4)))
    model.update((d.uid, d) for d in (make_doc(rng, i, "resource") for i in range(100, 130)))
    for i in range(1, 40, 5):
        del model[f"resource:{i}"]
    for q in queries:
        check(backend, model, q)
    backend.close()


# ---- memory bounds ---------------------------------------------------------------------------


def test_result_cache_is_bounded_by_pages_and_by_hits(tmp_path, monkeypatch):
    monkeypatch.setattr(caches, "RESULT_CACHE_HITS", 50)
    backend = WhooshSearch(tmp_path / "index", result_cache_size=8)
    backend.index([SearchDocument("resource", i, f"函数 第{i}课") for i in range(60)])
    for page in range(1, 30):
        backend.search(SearchQuery(text="函数", page=page, per_page=2))
    _, gc = backend._current()
    assert len(gc.results) == 8 and gc.results.weight == 8 * 3
    for page in range(1, 6):
        backend.search(SearchQuery(text="函数", page=page, per_page=20))
    assert gc.results.weight <= 50
    assert gc.results.weight == sum(len(r.hits) + 1 for r in gc.results.values())
    backend.search(SearchQuery(text="函数", per_page=60))  # heavier than the whole budget: not kept
    assert all(len(r.hits) < 60 for r in gc.results.values())
    # Selections and term bitmaps are bounded by count.
    for i in range(caches.SELECTION_CACHE_SIZE + 20):
        backend.search(SearchQuery(text=f"函数 词{i}"))
    assert len(gc.selections) == caches.SELECTION_CACHE_SIZE
    assert len(gc._terms) <= gc._terms.maxsize
    backend.close()


def test_unknown_facet_names_and_filter_values_do_not_grow_the_caches(tmp_path):
    backend = WhooshSearch(tmp_path / "index")
    backend.index([SearchDocument("resource", 1, "函数", facets={"type": "courseware"})])
    for i in range(300):
        results = backend.search(SearchQuery(text="函数", facets=[f"bogus{i}", "type"], filters={f"x{i}": "y"}))
        assert results.facet_counts[f"bogus{i}"] == [] and results.total == 0
        assert backend.search(SearchQuery(text="函数", facets=[f"bogus{i}", "type"])).facet_counts["type"] == [
            ("courseware", 1)]
    _, gc = backend._current()
    assert set(gc._facets) == {"f_type"}
    assert all(set(cache.facets) <= {"f_type"} for _, _, cache in gc.leaves)
    assert all(set(sel.facet_counts) <= {"type"} for sel in gc.selections.values())
    assert len(gc.selections) <= caches.SELECTION_CACHE_SIZE
    backend.close()


def test_postings_cache_budget_holds_during_searches(tmp_path):
    backend = WhooshSearch(tmp_path / "index", postings_cache_mb=0)
    backend._postings.max_bytes = 3_000
    rng = random.Random(3)
    docs = [make_doc(rng, i) for i in range(200)]
    backend.index(docs)
    model = {d.uid: d for d in docs}
    for text in QUERY_WORDS:
        q = SearchQuery(text=text, facets=["type"])
        check(backend, model, q)  # evictions never change an answer
        assert backend._postings.bytes <= 3_000 or len(backend._postings._items) == 1
    backend.close()


# ---- threads (Flask serves requests from several threads with one backend per app) -----------


def test_concurrent_searches_and_writes_from_threads(tmp_path):
    rng = random.Random(9)
    backend = WhooshSearch(tmp_path / "index")
    docs = [make_doc(rng, i) for i in range(150)]
    backend.index(docs[:100])
    queries = [random_query(rng) for _ in range(25)]
    # What a fresh backend answers for the first 100 documents (no shared caches, one thread).
    solo = WhooshSearch(tmp_path / "index", result_cache_size=0)
    expected = {i: solo.search(q) for i, q in enumerate(queries)}
    solo.close()
    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def searcher_thread(seed: int) -> None:
        r = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(60):
                i = r.randrange(len(queries))
                assert backend.search(queries[i]) == expected[i]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=searcher_thread, args=(s,)) for s in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, inside the searches
    try:
        for t in threads:
            t.start()
        barrier.wait()
        for t in threads:
            t.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[0]

    # Searches while another thread writes: every answer is the one of some generation, never an error.
    done = threading.Event()

    def writer_thread() -> None:
        try:
            for start in range(100, 150, 10):
                backend.index(docs[start : start + 10])
                backend.delete([docs[start - 100].uid])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            done.set()

    def reader_thread() -> None:
        try:
            while not done.is_set():
                for q in queries[:5]:
                    r = backend.search(q)
                    assert len(r.hits) <= q.per_page and r.total >= len(r.hits)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer_thread)] + [threading.Thread(target=reader_thread) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[0]
    model = {d.uid: d for d in docs if d not in docs[0:50:10]}
    for q in queries:
        check(backend, model, q)
    backend.close()


@pytest.mark.parametrize("per_page", [1, 7])
def test_pages_tile_the_ranking(tmp_path, per_page):
    rng = random.Random(per_page)
    backend = WhooshSearch(tmp_path / "index")
    backend.index([make_doc(rng, i) for i in range(80)])
    q = SearchQuery(text="函数 学生", acl=["public", "org:1"])
    full = backend.search(SearchQuery(text=q.text, acl=q.acl, per_page=200))
    pages = []
    for page in range(1, full.total // per_page + 2):
        pages.extend(backend.search(SearchQuery(text=q.text, acl=q.acl, page=page, per_page=per_page)).hits)
    assert [h.uid for h in pages] == [h.uid for h in full.hits]
    backend.close()

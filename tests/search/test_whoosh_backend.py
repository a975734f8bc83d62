"""The Whoosh + jieba search backend: what only Whoosh has (segments, file locks, per-generation caches,
its own matchers). What every backend must do is in test_backend_contract.py."""

from __future__ import annotations

import multiprocessing
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import StandardAnalyzer

from eduplatform.core.search import SearchDocument, SearchError, SearchQuery, ranking
from eduplatform.core.search.whoosh_backend import WhooshSearch

BASE = datetime(2024, 3, 1, 8, 0, 0)


def doc(object_id, title, kind="resource", **kw) -> SearchDocument:
    return SearchDocument(kind=kind, object_id=object_id, title=title, **kw)


def uids(results) -> list[str]:
    return [h.uid for h in results.hits]


@pytest.fixture
def backend(tmp_path):
    b = WhooshSearch(tmp_path / "index", lock_timeout=10)
    yield b
    b.close()


# ---- Chinese analysis ---------------------------------------------------------------------


def test_standard_analyzer_finds_nothing_in_the_same_title(tmp_path):
    """Contrast: Whoosh's StandardAnalyzer keeps a whole CJK run as one token."""
    schema = fields.Schema(title=fields.TEXT(analyzer=StandardAnalyzer(), stored=True))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with ix.writer() as w:
        w.add_document(title="二次函数的图像与性质")
    with ix.searcher() as s:
        assert len(s.search(wq.Term("title", "函数"))) == 0
        assert len(s.search(wq.Term("title", "二次函数的图像与性质"))) == 1


def test_content_is_searchable_but_not_stored(backend):
    backend.index([doc(1, "第三单元教学设计", content="本课通过实验探究光合作用的条件和产物")])
    results = backend.search(SearchQuery(text="光合作用"))
    assert uids(results) == ["resource:1"]
    searcher, _ = backend._current()
    assert "content" not in searcher.stored_fields(0)


def test_a_second_instance_sees_writes_and_deletes(tmp_path):
    """Two backends on one directory ~ two worker processes."""
    writer = WhooshSearch(tmp_path / "index")
    reader = WhooshSearch(tmp_path / "index")
    writer.index([doc(1, "化学方程式"), doc(2, "化学实验")])
    assert reader.search(SearchQuery(text="化学")).total == 2
    writer.delete(["resource:1"])
    writer.index([doc(2, "化学实验 第二版")])
    assert reader.search(SearchQuery(text="化学")).total == 1
    assert reader.doc_count() == 1
    writer.optimize()
    assert reader.search(SearchQuery(text="化学")).total == 1
    writer.clear()
    assert reader.search(SearchQuery(text="化学")).total == 0


# ---- paging and sorting -------------------------------------------------------------------


def test_filtered_relevance_matches_whoosh_on_both_scoring_paths(backend, monkeypatch):
    rng = random.Random(3)
    words = ["函数", "方程", "几何", "概率", "统计", "向量"]
    docs = []
    for i in range(120):
        title = "".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        docs.append(doc(i, title, facets={"org": str(i % 6)}, content=rng.choice(words)))
    backend.index(docs[:70])
    backend.index(docs[70:])
    q = backend.build_query("函数 几何")
    searcher, _ = backend._current()
    for org in ("1", ["1", "2", "3", "4"]):
        orgs = org if isinstance(org, list) else [org]
        expected = searcher.search(
            q, limit=200, filter=wq.Or([wq.Term("f_org", o) for o in orgs]), terms=False
        )
        expected_uids = [searcher.stored_fields(d)["uid"] for _, d in expected.top_n]
        for manual_max in (10_000, 0):  # score the few / run the filtered top-N collector
            monkeypatch.setattr(ranking, "MANUAL_SCORING_MAX", manual_max)
            got = backend.search(SearchQuery(text="函数 几何", filters={"org": org}, per_page=200))
            assert uids(got) == expected_uids
            assert got.total == len(expected_uids)
            assert [round(h.score, 6) for h in got.hits] == [round(s, 6) for s, _ in expected.top_n]


# ---- maintenance, health, locking ---------------------------------------------------------


def test_check(tmp_path, backend):
    backend.check()
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    broken = WhooshSearch(not_a_dir)
    with pytest.raises(SearchError):
        broken.check()
    with pytest.raises(SearchError):
        broken.search(SearchQuery(text="函数"))


def test_busy_index_raises_search_error(backend):
    backend.index([doc(1, "函数")])
    lock = backend._open().lock("WRITELOCK")
    assert lock.acquire()
    try:
        busy = WhooshSearch(backend.index_dir, lock_timeout=0.3)
        with pytest.raises(SearchError, match="忙"):
            busy.index([doc(2, "方程")])
        assert busy.search(SearchQuery(text="函数")).total == 1  # reads don't need the lock
    finally:
        lock.release()
    backend.index([doc(2, "方程")])
    assert backend.doc_count() == 2


def test_losing_the_creation_race_keeps_the_other_process_index(tmp_path, monkeypatch):
    first = WhooshSearch(tmp_path / "index")
    first.index([doc(1, "函数")])
    real_exists_in = whoosh_index.exists_in
    calls = []

    def stale_exists_in(*args, **kwargs):  # another process created it right after our check
        calls.append(args)
        return False if len(calls) == 1 else real_exists_in(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "exists_in", stale_exists_in)
    second = WhooshSearch(tmp_path / "index")
    assert second.doc_count() == 1
    assert len(calls) >= 2


def _index_in_another_process(index_dir: str, worker: int) -> None:
    b = WhooshSearch(Path(index_dir), lock_timeout=60)
    docs = [
        SearchDocument("resource", f"{worker}-{i}", f"进程{worker}的函数资源{i}", facets={"w": str(worker)})
        for i in range(50)
    ]
    for start in range(0, 50, 10):  # five commits per process: plenty of lock contention
        b.index(docs[start : start + 10])


def test_concurrent_writer_processes(tmp_path):
    index_dir = tmp_path / "shared-index"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_index_in_another_process, args=(str(index_dir), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    b = WhooshSearch(index_dir)
    assert b.doc_count() == 200
    assert b.uids() == {f"resource:{w}-{i}" for w in range(4) for i in range(50)}
    results = b.search(SearchQuery(text="函数", facets=["w"], per_page=5))
    assert results.total == 200
    assert results.facet_counts["w"] == [("0", 50), ("1", 50), ("2", 50), ("3", 50)]
    assert b.search(SearchQuery(text="进程2", filters={"w": "2"})).total == 50


# ---- per-generation caches ----------------------------------------------------------------


def _write_in_another_process(index_dir: str, action: str) -> None:
    b = WhooshSearch(Path(index_dir), lock_timeout=60)
    if action == "add":
        b.index([doc(3, "第三份函数资料", facets={"type": "exercise"}, acl=["public"])])
    elif action == "delete":
        b.delete(["resource:1"])
    b.close()


def _in_another_process(index_dir, action: str) -> None:
    p = multiprocessing.get_context("spawn").Process(target=_write_in_another_process, args=(str(index_dir), action))
    p.start()
    p.join(60)
    assert p.exitcode == 0


def test_cached_results_follow_writes_from_another_process(backend):
    backend.index([doc(1, "函数课件", facets={"type": "courseware"}), doc(2, "函数习题", facets={"type": "exercise"})])
    q = SearchQuery(text="函数", acl=["public"], facets=["type"], per_page=1)
    first = backend.search(q)
    assert first.total == 2
    assert backend.search(q) == first  # served from the cache, equal
    _, gc = backend._current()
    assert len(gc.results) == 1 and len(gc.selections) == 1
    _in_another_process(backend.index_dir, "add")
    after_add = backend.search(q)
    assert after_add.total == 3
    assert dict(after_add.facet_counts["type"]) == {"courseware": 1, "exercise": 2}
    assert backend.search(SearchQuery(text="函数", acl=["public"], facets=["type"], page=3, per_page=1)).hits
    _in_another_process(backend.index_dir, "delete")
    after_delete = backend.search(q)
    assert after_delete.total == 2
    assert "resource:1" not in uids(backend.search(SearchQuery(text="函数", acl=["public"], per_page=10)))


def test_cached_results_are_copies(backend):
    backend.index([doc(1, "函数课件", facets={"type": "courseware"})])
    q = SearchQuery(text="函数", facets=["type"])
    first = backend.search(q)
    first.hits[0].highlights["title"] = "changed"
    first.facet_counts["type"].append(("x", 9))
    second = backend.search(q)
    assert second.hits[0].highlights["title"] == "<mark>函数</mark>课件"
    assert second.facet_counts["type"] == [("courseware", 1)]


def test_cache_keys_separate_acl_filters_pages_and_sorts(backend):
    backend.index([doc(i, f"几何 第{i}课", acl=["public"] if i % 2 else ["org:9"], created=BASE + timedelta(days=i),
                       popularity=10 - i, facets={"stage": "junior" if i < 3 else "senior"}) for i in range(6)])
    public = backend.search(SearchQuery(text="几何", acl=["public"]))
    both = backend.search(SearchQuery(text="几何", acl=["org:9", "public"]))
    assert (public.total, both.total) == (3, 6)
    assert backend.search(SearchQuery(text="几何", acl=["public", "org:9", "public"])).total == 6
    assert backend.search(SearchQuery(text="几何", filters={"stage": "junior"})).total == 3
    assert backend.search(SearchQuery(text="几何", filters={"stage": ["senior", "junior"]})).total == 6
    newest = uids(backend.search(SearchQuery(text="几何", sort="newest")))
    popular = uids(backend.search(SearchQuery(text="几何", sort="popularity")))
    assert newest == list(reversed(popular)) == [f"resource:{i}" for i in range(5, -1, -1)]
    assert uids(backend.search(SearchQuery(text="几何", sort="newest", page=2, per_page=4))) == newest[4:]


def test_result_cache_can_be_switched_off(tmp_path):
    b = WhooshSearch(tmp_path / "index", result_cache_size=0)
    b.index([doc(1, "函数")])
    assert b.search(SearchQuery(text="函数")).total == 1
    assert b._current()[1].results is None and b._current()[1].selections is None
    b.close()

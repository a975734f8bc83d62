"""The Whoosh + jieba search backend."""

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


def test_part_of_a_chinese_word_finds_the_title(backend):
    backend.index([doc(1, "二次函数的图像与性质"), doc(2, "一元一次方程的解法")])
    results = backend.search(SearchQuery(text="函数"))
    assert uids(results) == ["resource:1"]
    assert results.total == 1


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


def test_keywords_match_as_text_and_exact_tags(backend):
    backend.index([doc(1, "编程入门", keywords=["C++", "算法设计"]), doc(2, "语文阅读")])
    assert uids(backend.search(SearchQuery(text="c++"))) == ["resource:1"]
    assert uids(backend.search(SearchQuery(text="算法"))) == ["resource:1"]


def test_english_is_case_insensitive(backend):
    backend.index([doc(1, "python 编程基础"), doc(2, "Java 程序设计")])
    for text in ("Python", "PYTHON", "python", "Ｐｙｔｈｏｎ"):
        assert uids(backend.search(SearchQuery(text=text))) == ["resource:1"], text
    assert uids(backend.search(SearchQuery(text="java"))) == ["resource:2"]


def test_docs_with_every_word_rank_first_but_partial_matches_stay(backend):
    backend.index(
        [
            doc(1, "二次函数的性质"),
            doc(2, "二次函数的图像"),
            doc(3, "统计图像的绘制"),
            doc(4, "古诗词鉴赏"),
        ]
    )
    results = backend.search(SearchQuery(text="二次函数 图像"))
    assert uids(results)[0] == "resource:2"
    assert set(uids(results)) == {"resource:1", "resource:2", "resource:3"}
    assert results.total == 3


# ---- updates and deletes ------------------------------------------------------------------


def test_update_by_uid_replaces(backend):
    backend.index([doc(1, "旧标题 勾股定理"), doc(2, "别的资源")])
    backend.search(SearchQuery(text="勾股定理"))  # warm the cached searcher first
    backend.index([doc(1, "新标题 相似三角形")])
    assert backend.doc_count() == 2
    assert backend.search(SearchQuery(text="勾股定理")).total == 0
    assert uids(backend.search(SearchQuery(text="相似三角形"))) == ["resource:1"]
    assert backend.uids() == {"resource:1", "resource:2"}


def test_duplicate_uids_in_one_batch_keep_the_last(backend):
    backend.index([doc(1, "第一版 浮力"), doc(1, "第二版 压强")])
    assert backend.doc_count() == 1
    assert backend.search(SearchQuery(text="浮力")).total == 0
    assert backend.search(SearchQuery(text="压强")).total == 1


def test_delete_removes(backend):
    backend.index([doc(1, "电路图"), doc(2, "电路连接")])
    assert backend.search(SearchQuery(text="电路")).total == 2
    backend.delete(["resource:1", "resource:999"])
    results = backend.search(SearchQuery(text="电路"))
    assert uids(results) == ["resource:2"]
    assert results.total == 1
    assert backend.doc_count() == 1


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


def test_summary_is_truncated_and_kept(backend):
    backend.index([doc(1, "长描述", summary="描" * 500)])
    hit = backend.search(SearchQuery(text="长描述")).hits[0]
    assert hit.summary == "描" * 300


# ---- filters, kinds, ACL ------------------------------------------------------------------


@pytest.fixture
def catalogue(backend):
    backend.index(
        [
            doc(1, "函数课件一", facets={"type": "courseware", "stage": "junior", "subject": "math"}),
            doc(2, "函数课件二", facets={"type": "courseware", "stage": "senior", "subject": "math"}),
            doc(3, "函数习题", facets={"type": "exercise", "stage": "junior", "subject": "math"}),
            doc(4, "函数与物理", facets={"type": "video", "stage": "senior", "subject": ["math", "physics"]}),
            doc(5, "函数题目", kind="question", facets={"type": "exercise", "stage": "junior"}),
        ]
    )
    return backend


def test_filter_single_value(catalogue):
    results = catalogue.search(SearchQuery(text="函数", filters={"type": "courseware"}))
    assert sorted(uids(results)) == ["resource:1", "resource:2"]
    assert results.total == 2


def test_filter_any_of_and_between_fields(catalogue):
    results = catalogue.search(SearchQuery(text="函数", filters={"type": ["courseware", "video"]}))
    assert sorted(uids(results)) == ["resource:1", "resource:2", "resource:4"]
    results = catalogue.search(
        SearchQuery(text="函数", filters={"type": ["courseware", "video"], "stage": "senior"})
    )
    assert sorted(uids(results)) == ["resource:2", "resource:4"]


def test_filter_on_a_multi_valued_facet(catalogue):
    assert uids(catalogue.search(SearchQuery(filters={"subject": "physics"}))) == ["resource:4"]
    assert catalogue.search(SearchQuery(filters={"subject": "math"})).total == 4


def test_filter_unknown_value_or_field_matches_nothing(catalogue):
    assert catalogue.search(SearchQuery(text="函数", filters={"type": "poster"})).total == 0
    assert catalogue.search(SearchQuery(text="函数", filters={"colour": "red"})).total == 0
    assert catalogue.search(SearchQuery(text="函数", filters={"bad name!": "x"})).total == 0


def test_kinds(catalogue):
    assert uids(catalogue.search(SearchQuery(text="函数", kinds=["question"]))) == ["question:5"]
    assert catalogue.search(SearchQuery(text="函数", kinds=["resource"])).total == 4
    assert catalogue.search(SearchQuery(text="函数", kinds=["resource", "question"])).total == 5
    assert catalogue.search(SearchQuery(text="函数", kinds=["org"])).total == 0


def test_acl(backend):
    backend.index(
        [
            doc(1, "公开的几何课件"),
            doc(2, "五号单位内部几何课件", acl=["org:5"]),
            doc(3, "个人几何笔记", acl=["user:7", "org:6"]),
        ]
    )
    assert uids(backend.search(SearchQuery(text="几何", acl=["public", "org:6"]))) != []
    seen = set(uids(backend.search(SearchQuery(text="几何", acl=["public", "org:6"]))))
    assert seen == {"resource:1", "resource:3"}
    assert set(uids(backend.search(SearchQuery(text="几何", acl=["org:5"])))) == {"resource:2"}
    assert backend.search(SearchQuery(text="几何", acl=["org:5"])).total == 1
    assert backend.search(SearchQuery(text="几何", acl=["public"])).total == 1
    assert backend.search(SearchQuery(text="几何", acl=[])).total == 0
    assert backend.search(SearchQuery(text="几何", acl=None)).total == 3  # no restriction


# ---- facet counts -------------------------------------------------------------------------


def test_facet_counts(catalogue):
    results = catalogue.search(SearchQuery(text="函数", facets=["type", "stage", "subject", "colour"]))
    assert results.total == 5
    assert results.facet_counts == {
        "type": [("courseware", 2), ("exercise", 2), ("video", 1)],
        "stage": [("junior", 3), ("senior", 2)],
        "subject": [("math", 4), ("physics", 1)],
        "colour": [],
    }
    # Sorted by count first, then value.
    results = catalogue.search(SearchQuery(text="函数", filters={"stage": "junior"}, facets=["type"]))
    assert results.facet_counts["type"] == [("exercise", 2), ("courseware", 1)]


def test_facet_counts_follow_filters_kinds_and_acl(catalogue):
    catalogue.index([doc(6, "函数 内部资料", acl=["org:1"], facets={"type": "courseware", "stage": "junior"})])
    results = catalogue.search(
        SearchQuery(text="函数", kinds=["resource"], filters={"stage": "junior"}, acl=["public"], facets=["type"])
    )
    assert results.total == 2
    assert results.facet_counts["type"] == [("courseware", 1), ("exercise", 1)]
    results = catalogue.search(SearchQuery(text="函数", acl=["public", "org:1"], facets=["type"]))
    assert results.facet_counts["type"] == [("courseware", 3), ("exercise", 2), ("video", 1)]


def test_facet_counts_across_segments_with_deletions(backend):
    rng = random.Random(7)
    docs, expected = [], {}
    for i in range(60):
        grade = rng.choice(["g7", "g8", "g9"])
        docs.append(doc(i, f"物理资源{i}", facets={"grade": grade}))
    for start in range(0, 60, 20):  # three commits = three segments
        backend.index(docs[start : start + 20])
    backend.delete([f"resource:{i}" for i in range(0, 60, 7)])
    for i, d in enumerate(docs):
        if i % 7:
            expected[d.facets["grade"]] = expected.get(d.facets["grade"], 0) + 1
    results = backend.search(SearchQuery(text="物理", facets=["grade"]))
    assert results.total == sum(expected.values())
    assert dict(results.facet_counts["grade"]) == expected


# ---- paging and sorting -------------------------------------------------------------------


def test_pagination(backend):
    docs = [doc(i, f"分数的加减法 第{i}课", created=BASE + timedelta(hours=i)) for i in range(25)]
    backend.index(docs[:10])
    backend.index(docs[10:])
    pages = [backend.search(SearchQuery(text="分数", page=p, per_page=10)) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [10, 10, 5, 0]
    assert all(p.total == 25 and p.pages == 3 for p in pages)
    seen = [u for p in pages for u in uids(p)]
    assert len(set(seen)) == 25


def test_sort_newest_popularity_rating(backend):
    backend.index(
        [
            doc(1, "实验 一", created=BASE, popularity=50, rating=4.5),
            doc(2, "实验 二", created=BASE + timedelta(days=2), popularity=10, rating=3.0),
            doc(3, "实验 三", created=BASE + timedelta(days=1), popularity=90, rating=4.8),
        ]
    )
    backend.index([doc(4, "实验 四", created=BASE + timedelta(days=3), popularity=0, rating=1.0)])
    assert uids(backend.search(SearchQuery(text="实验", sort="newest"))) == [
        "resource:4", "resource:2", "resource:3", "resource:1"]
    assert uids(backend.search(SearchQuery(text="实验", sort="popularity"))) == [
        "resource:3", "resource:1", "resource:2", "resource:4"]
    assert uids(backend.search(SearchQuery(text="实验", sort="rating"))) == [
        "resource:3", "resource:1", "resource:2", "resource:4"]
    # Empty text: newest first by default.
    assert uids(backend.search(SearchQuery()))[0] == "resource:4"
    # A sparse result set (sorted directly) and a page beyond the first.
    assert uids(backend.search(SearchQuery(text="实验", sort="popularity", page=2, per_page=2))) == [
        "resource:2", "resource:4"]
    assert uids(backend.search(SearchQuery(text="四", sort="newest"))) == ["resource:4"]


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


# ---- highlights and hostile input ---------------------------------------------------------


def test_highlights_mark_chinese_terms_and_escape_html(backend):
    backend.index(
        [doc(1, "<script>alert(1)</script>二次函数的图像", summary="画出函数图像 & 说明 \"性质\"")]
    )
    hit = backend.search(SearchQuery(text="函数")).hits[0]
    assert hit.title == "<script>alert(1)</script>二次函数的图像"
    assert "<script>" not in hit.highlights["title"]
    assert hit.highlights["title"].startswith("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "<mark>函数</mark>" in hit.highlights["title"]
    assert hit.highlights["summary"] == "画出<mark>函数</mark>图像 &amp; 说明 &quot;性质&quot;"


def test_highlights_english_case_insensitively(backend):
    backend.index([doc(1, "Python Functions 入门")])
    hit = backend.search(SearchQuery(text="python function")).hits[0]
    assert hit.highlights["title"] == "<mark>Python</mark> <mark>Functions</mark> 入门"


@pytest.mark.parametrize(
    "text",
    ["AND", "OR NOT", '"', '"函数', "title:", "title:函数", "(", ")", "*", "?", "函数)", "[1 TO 5]",
     "函数^3", "~", "\\", "-", "+函数 -方程", "{}", "  ", "<script>", "函数" * 300],
)
def test_user_syntax_never_raises(backend, text):
    backend.index([doc(1, "二次函数的图像"), doc(2, "title 函数")])
    results = backend.search(SearchQuery(text=text, facets=["type"], acl=["public"]))
    assert results.total >= 0
    if "函数" in text:
        assert results.total >= 1


def test_text_without_searchable_terms_finds_nothing(backend):
    backend.index([doc(1, "二次函数的图像")])
    assert backend.search(SearchQuery(text="*")).total == 0
    assert backend.search(SearchQuery(text="")).total == 1


# ---- maintenance, health, locking ---------------------------------------------------------


def test_uids_and_clear_by_kind(backend):
    backend.index([doc(1, "课件"), doc(2, "课件"), doc(3, "题目", kind="question"), doc(4, "学校", kind="org")])
    assert backend.uids() == {"resource:1", "resource:2", "question:3", "org:4"}
    assert backend.uids("resource") == {"resource:1", "resource:2"}
    backend.clear("resource")
    assert backend.uids() == {"question:3", "org:4"}
    assert backend.uids("resource") == set()
    backend.clear()
    assert backend.uids() == set()
    assert backend.doc_count() == 0


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


def test_invalid_facet_name_is_rejected(backend):
    with pytest.raises(ValueError):
        backend.index([doc(1, "x", facets={"bad name": "v"})])


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

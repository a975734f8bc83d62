"""The search contract: what every backend behind the ``Search`` interface does, run on each of them.

Whoosh always; PostgreSQL when the test database is PostgreSQL (``bash .ci/with-postgres.sh …``),
on the migrated test database (its ``search_documents`` tables emptied before and after each test).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from eduplatform.core.search import SearchDocument, SearchError, SearchQuery
from eduplatform.core.search.whoosh_backend import WhooshSearch
from tests.search.conftest import POSTGRES

BASE = datetime(2024, 3, 1, 8, 0, 0)


def doc(object_id, title, kind="resource", **kw) -> SearchDocument:
    return SearchDocument(kind=kind, object_id=object_id, title=title, **kw)


def uids(results) -> list[str]:
    return [h.uid for h in results.hits]


@pytest.fixture(params=["whoosh", POSTGRES])
def make_backend(request, tmp_path):
    """A callable giving another backend object on the same index (~ another worker process)."""
    made = []
    if request.param == "whoosh":
        def make(**kw):
            made.append(WhooshSearch(tmp_path / "index", lock_timeout=10, **kw))
            return made[-1]
    else:
        from eduplatform.core.search.postgres_backend import PostgresSearch

        engine = request.getfixturevalue("pg_search").engine  # emptied before and after

        def make(**kw):
            made.append(PostgresSearch(engine, lock_timeout=10, **kw))
            return made[-1]
    yield make
    if request.param == "whoosh":
        for b in made:
            b.close()


@pytest.fixture
def backend(make_backend):
    return make_backend()


def test_part_of_a_chinese_word_finds_the_title(backend):
    backend.index([doc(1, "二次函数的图像与性质"), doc(2, "一元一次方程的解法")])
    results = backend.search(SearchQuery(text="函数"))
    assert uids(results) == ["resource:1"]
    assert results.total == 1


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


def test_summary_is_truncated_and_kept(backend):
    backend.index([doc(1, "长描述", summary="描" * 500)])
    hit = backend.search(SearchQuery(text="长描述")).hits[0]
    assert hit.summary == "描" * 300


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


def test_invalid_facet_name_is_rejected(backend):
    with pytest.raises(ValueError):
        backend.index([doc(1, "x", facets={"bad name": "v"})])



# ---- cases the Whoosh-only suite had not spelled out ------------------------------------------


def test_content_is_searchable_and_the_hit_carries_what_was_stored(backend):
    backend.index([doc(1, "第三单元教学设计", summary="光合作用一课", content="本课通过实验探究光合作用的条件和产物",
                       facets={"type": "plan", "subject": ["biology", "chemistry"]})])
    hit = backend.search(SearchQuery(text="产物")).hits[0]
    assert (hit.uid, hit.kind, hit.object_id) == ("resource:1", "resource", "1")
    assert (hit.title, hit.summary) == ("第三单元教学设计", "光合作用一课")
    assert hit.facets == {"type": "plan", "subject": ["biology", "chemistry"]}
    assert hit.score > 0
    assert hit.highlights == {"title": "第三单元教学设计", "summary": "光合作用一课"}


def test_the_tokens_of_one_word_must_meet_in_one_field(backend):
    """'函数图像' is 函数 + 图像 for jieba: both in the title, or both in the content…, not one in each."""
    backend.index([
        doc(1, "函数的图像"),
        doc(2, "函数练习", content="描点画图像"),
        doc(3, "练习", content="画出函数的图像"),
        doc(4, "图像处理"),
    ])
    assert sorted(uids(backend.search(SearchQuery(text="函数图像")))) == ["resource:1", "resource:3"]
    # Two words are OR-ed: every document with either.
    assert backend.search(SearchQuery(text="函数 图像")).total == 4


def test_chinese_segmentation_search_mode_and_full_width_input(backend):
    backend.index([doc(1, "古诗词鉴赏入门"), doc(2, "光合作用实验"), doc(3, "Ｐｙｔｈｏｎ程序设计")])
    assert uids(backend.search(SearchQuery(text="诗词"))) == ["resource:1"]  # a search-mode piece of 古诗词
    assert uids(backend.search(SearchQuery(text="光合作用"))) == ["resource:2"]
    assert uids(backend.search(SearchQuery(text="合作"))) == ["resource:2"]
    assert uids(backend.search(SearchQuery(text="python"))) == ["resource:3"]
    assert backend.search(SearchQuery(text="作文")).total == 0


def test_a_title_match_outranks_a_content_match(backend):
    backend.index([doc(1, "课堂练习", content="勾股定理的应用"), doc(2, "勾股定理", content="课堂练习")])
    assert uids(backend.search(SearchQuery(text="勾股定理"))) == ["resource:2", "resource:1"]


def test_an_exact_tag_matches_as_typed(backend):
    backend.index([doc(1, "打印课程", keywords=["3D打印"]), doc(2, "打印机维护")])
    assert uids(backend.search(SearchQuery(text="3d打印"))) == ["resource:1"]


def test_updates_move_facets_acl_and_text(backend):
    backend.index([doc(1, "内部函数讲义", acl=["org:5"], facets={"stage": "junior"}),
                   doc(2, "函数习题", facets={"stage": "junior"})])
    q = SearchQuery(text="函数", acl=["public"], facets=["stage"])
    assert backend.search(q).total == 1
    backend.index([doc(1, "公开函数讲义", acl=["public"], facets={"stage": "senior"})])
    results = backend.search(q)
    assert results.total == 2
    assert results.facet_counts["stage"] == [("junior", 1), ("senior", 1)]
    assert backend.search(SearchQuery(text="内部")).total == 0
    assert uids(backend.search(SearchQuery(text="公开"))) == ["resource:1"]
    assert backend.search(SearchQuery(text="函数", acl=["org:5"])).total == 0


def test_deleted_documents_leave_counts_facets_and_ranking(backend):
    backend.index([doc(i, f"浮力实验{i}", facets={"grade": "g8" if i % 2 else "g9"}) for i in range(6)])
    backend.delete([f"resource:{i}" for i in (1, 3, 5)])
    backend.delete(["resource:1"])  # twice: nothing happens
    results = backend.search(SearchQuery(text="浮力", facets=["grade"]))
    assert results.total == 3
    assert results.facet_counts["grade"] == [("g9", 3)]
    assert sorted(uids(results)) == ["resource:0", "resource:2", "resource:4"]
    assert backend.doc_count() == 3
    backend.delete(["resource:0", "resource:2", "resource:4"])
    assert backend.search(SearchQuery(text="浮力", facets=["grade"])).facet_counts == {"grade": []}
    assert backend.doc_count() == 0


def test_relevance_pages_beyond_the_first_continue_the_ranking(backend):
    rng = random.Random(11)
    words = ["电路", "电流", "电压", "电阻", "串联", "并联"]
    docs = [doc(i, "".join(rng.choice(words) for _ in range(rng.randint(1, 5))),
                content=" ".join(rng.choice(words) for _ in range(rng.randint(0, 8))),
                facets={"k": str(i % 3)}) for i in range(57)]
    backend.index(docs[:30])
    backend.index(docs[30:])
    q = {"text": "电路 电阻", "filters": {"k": ["0", "1"]}}
    whole = backend.search(SearchQuery(**q, per_page=200))
    assert whole.total > 21
    pages = [backend.search(SearchQuery(**q, page=p, per_page=7)) for p in range(1, -(-whole.total // 7) + 2)]
    assert [u for p in pages for u in uids(p)] == uids(whole)
    assert all(p.total == whole.total for p in pages)
    assert pages[-1].hits == []
    scores = [h.score for h in whole.hits]
    assert scores == sorted(scores, reverse=True)


def test_acl_is_any_of_the_tokens_and_facet_counts_only_count_what_is_visible(backend):
    backend.index([
        doc(1, "几何课件", acl=["public"], facets={"type": "courseware"}),
        doc(2, "几何课件", acl=["org:5"], facets={"type": "courseware"}),
        doc(3, "几何试卷", acl=["org:6", "user:7"], facets={"type": "paper"}),
        doc(4, "几何试卷", acl=["user:8"], facets={"type": "paper"}),
    ])
    results = backend.search(SearchQuery(text="几何", acl=["user:7", "public"], facets=["type"]))
    assert sorted(uids(results)) == ["resource:1", "resource:3"]
    assert results.facet_counts["type"] == [("courseware", 1), ("paper", 1)]
    empty = backend.search(SearchQuery(text="几何", acl=["org:99"], facets=["type"]))
    assert (empty.total, empty.hits, empty.facet_counts) == (0, [], {"type": []})
    assert backend.search(SearchQuery(acl=["user:8"])).total == 1  # no text: the ACL still holds


def test_a_second_backend_object_sees_writes_and_deletes(make_backend):
    writer, reader = make_backend(), make_backend()
    writer.index([doc(1, "化学方程式"), doc(2, "化学实验")])
    assert reader.search(SearchQuery(text="化学")).total == 2
    writer.delete(["resource:1"])
    writer.index([doc(2, "化学实验 第二版")])
    assert reader.search(SearchQuery(text="化学")).total == 1
    assert reader.doc_count() == 1
    writer.clear()
    assert reader.search(SearchQuery(text="化学")).total == 0


def test_check_passes_on_a_working_index(backend):
    backend.check()
    backend.index([doc(1, "函数")])
    backend.check()


def test_search_error_is_the_one_failure(backend):
    assert issubclass(SearchError, Exception)
    with pytest.raises(ValueError):
        backend.index([SearchDocument(kind=" ", object_id=1, title="x")])
    assert backend.doc_count() == 0

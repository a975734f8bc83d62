"""Indexing analyses text before taking the write lock, clause by clause with a cache: the tokens
must be exactly the ones Whoosh's analyzer would have produced."""

from __future__ import annotations

import random

import pytest

from eduplatform.core.search import SearchDocument, SearchQuery, scoring
from eduplatform.core.search.analysis import analyze, chinese_analyzer, ensure_jieba, nfkc
from eduplatform.core.search.schema import INDEX_NAME, build_schema
from eduplatform.core.search.whoosh_backend import WhooshSearch

TEXTS = [
    "",
    "二次函数的图像与性质",
    "人教版七年级数学上册 第三章 二次函数 教学设计",
    "本资源为人教版七年级数学上册第三章《二次函数》的教学设计，通过小组合作帮助学生理解二次函数的图像。",
    "Python Functions 入门：the basics of C++ and 3D打印，版本 v1.2.3-beta_4 占 50% & more#tags",
    "第一行\r\n第二行\n第三行\t制表  两个空格\u3000全角空格",
    "洛必达法则、黎曼猜想；量子纠缠！？……“引号”（括号）【方括号】",
    "的了和 a an the 的的的 of",
    "😀 emoji 和 ① 带圈数字 ＡＢＣ全角",
    "很长的一句话没有任何标点符号一直写下去直到超过缓存的长度限制为止这样就会走不缓存的那条路径了对吧",
]


@pytest.mark.parametrize("text", TEXTS)
def test_analyze_yields_the_analyzers_tokens(text):
    ensure_jieba()
    expected = [t.text for t in chinese_analyzer()(text, mode="index")]
    assert analyze(text) == expected
    assert analyze(text) == expected  # again, from the cache


def test_analyze_on_random_mixtures():
    ensure_jieba()
    rng = random.Random(4)
    pieces = ["函数", "图像", "，", "。", " ", "\r\n", "\n", "Python", "functions", "3.14", "的", "教学设计", "C++",
              "《", "》", "-", "_", "%", "学生", "理解", "ＡＢ", "\t", "x"]
    for _ in range(300):
        text = nfkc("".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))))
        assert analyze(text) == [t.text for t in chinese_analyzer()(text, mode="index")], text


def _postings(backend):
    """Every posting (document, weight), every field length and every stored document of an index."""
    searcher, gc = backend._current()
    reader = searcher.reader()
    out = {}
    for fieldname in ("title", "summary", "content", "keywords", "tags"):
        for btext in reader.lexicon(fieldname):
            m = reader.postings(fieldname, btext)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight()))
                m.next()
            out[(fieldname, btext)] = postings
        for sub, offset, _ in gc.leaves:
            lb = scoring.read_length_bytes(sub, fieldname)
            out[("len", fieldname, offset)] = None if lb is None else lb.tolist()
    stored = [searcher.stored_fields(d) for d in range(reader.doc_count_all())]
    return out, stored


def test_pretokenized_index_equals_analyzer_index(tmp_path):
    rng = random.Random(8)
    docs = [SearchDocument("resource", i, rng.choice(TEXTS) + f" 第{i}课", summary=rng.choice(TEXTS) * 2,
                           content="\n".join(rng.sample(TEXTS, 4)), keywords=rng.sample(["数学", "C++", "Python", "的"], 2))
            for i in range(40)]
    fast = WhooshSearch(tmp_path / "fast")
    slow = WhooshSearch(tmp_path / "slow")
    assert fast._pretokenize()
    slow._pretokenize_ok = False  # Whoosh analyses the strings itself
    for b in (fast, slow):
        b.index(docs[:25])
        b.index(docs[20:])
    assert _postings(fast) == _postings(slow)
    hit = fast.search(SearchQuery(text="二次函数", per_page=1)).hits[0]
    assert hit.title in {d.title for d in docs} and "<mark>" in hit.highlights["title"]
    fast.close()
    slow.close()


def test_index_with_another_analyzer_is_not_pretokenized(tmp_path):
    from whoosh import fields
    from whoosh import index as whoosh_index
    from whoosh.analysis import StandardAnalyzer

    schema = build_schema()
    schema.remove("content")
    schema.add("content", fields.TEXT(analyzer=StandardAnalyzer()))
    (tmp_path / "ix").mkdir()
    whoosh_index.create_in(str(tmp_path / "ix"), schema, indexname=INDEX_NAME)
    b = WhooshSearch(tmp_path / "ix")
    assert not b._pretokenize()
    b.index([SearchDocument("resource", 1, "函数", content="hello worlds")])
    assert b.search(SearchQuery(text="函数")).total == 1
    b.close()

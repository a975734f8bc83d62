"""What only the PostgreSQL backend has: its statistics tables, its lock, its start-up rules,
and that it ranks as the Whoosh backend does."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.core.search import SearchDocument, SearchError, SearchQuery
from eduplatform.core.search.postgres_backend import FIELDS, WRITE_LOCK_KEY, PostgresSearch, document_row
from eduplatform.core.search.whoosh_backend import WhooshSearch
from tests.search.conftest import ON_PG, PG_URL

needs_pg = pytest.mark.skipif(not ON_PG, reason="needs EDU_TEST_DATABASE_URL=postgresql…")
BASE = datetime(2024, 3, 1, 8, 0, 0)
WORDS = ["函数", "方程", "几何", "概率", "统计", "向量", "图像", "性质", "教学设计", "课件", "实验", "勾股定理"]


def random_docs(n: int, seed: int, start: int = 0) -> list[SearchDocument]:
    rng = random.Random(seed)
    docs = []
    for i in range(start, start + n):
        docs.append(SearchDocument(
            kind=rng.choice(["resource", "question"]), object_id=i,
            title="".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))),
            summary="，".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6))),
            content=" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30))),
            keywords=rng.sample(WORDS, rng.randint(0, 2)),
            facets={"stage": rng.choice(["junior", "senior"]), "org": str(i % 5)},
            acl=["public"] if rng.random() < 0.7 else [f"org:{i % 5}"],
            created=BASE + timedelta(minutes=rng.randrange(100_000)), popularity=rng.randrange(100)))
    return docs


def recomputed_statistics(conn) -> tuple[Counter, Counter]:
    """Document frequencies and field lengths recomputed from the document rows."""
    df: Counter = Counter()
    totals: Counter = Counter()
    for tf, tags, *lengths in conn.execute(sa.text(
            "SELECT tf, tags, len_title, len_summary, len_content, len_keywords FROM search_documents")):
        for token, counts in tf.items():
            for i, c in enumerate(counts):
                if c:
                    df[(FIELDS[i][0], token)] += 1
        for tag in tags:
            df[("tags", tag)] += 1
        for (name, _p, _w), length in zip(FIELDS, lengths, strict=True):
            totals[name] += length
        totals["*"] += 1
    return df, totals


def assert_statistics_hold(backend: PostgresSearch) -> None:
    with backend.engine.connect() as conn:
        df, totals = recomputed_statistics(conn)
        kept = Counter({(f, t): n for f, t, n in conn.execute(sa.text("SELECT field, term, df FROM search_terms"))})
        fields = {f: n for f, n in conn.execute(sa.text("SELECT field, total FROM search_fields WHERE field <> '#seq'"))}
    assert kept == df
    assert {f: n for f, n in fields.items() if n} == dict(totals)


def test_a_row_holds_the_whoosh_analysis():
    row = document_row(SearchDocument(kind="resource", object_id=7, title="二次函数的图像", summary="Ｐｙｔｈｏｎ 入门",
                                      keywords=["C++"], facets={"type": "courseware", "subject": ["math", "it"]},
                                      acl=["org:5", "public"], rating=4.5))
    assert "t|函数" in row["lexemes"] and "t|二次" in row["lexemes"] and "s|python" in row["lexemes"]
    assert "g|c++" in row["lexemes"] and "k|c++" in row["lexemes"]
    assert not any(lx.endswith("|的") for lx in row["lexemes"])  # a stop word, as in Whoosh
    assert json.loads(row["tf"])["函数"] == [1, 0, 0, 0]
    assert row["facet_terms"] == ["subject=it", "subject=math", "type=courseware"]
    assert json.loads(row["facets"]) == {"type": "courseware", "subject": ["math", "it"]}
    assert (row["acl"], row["rating"], row["summary"]) == (["org:5", "public"], 4500, "Ｐｙｔｈｏｎ 入门")


@needs_pg
def test_statistics_follow_writes_updates_deletes_and_clears(pg_search):
    first, second = random_docs(60, seed=1), random_docs(30, seed=2, start=40)
    pg_search.index(first)
    assert_statistics_hold(pg_search)
    pg_search.index(second)  # ids 40–59 again: replaced where the kind is the same
    assert pg_search.uids() == {d.uid for d in first + second}
    assert 60 < pg_search.doc_count() < 90
    assert_statistics_hold(pg_search)
    pg_search.delete([f"resource:{i}" for i in range(0, 70, 3)] + [f"question:{i}" for i in range(0, 70, 4)])
    assert_statistics_hold(pg_search)
    pg_search.clear("question")
    assert_statistics_hold(pg_search)
    assert {u.split(":")[0] for u in pg_search.uids()} == {"resource"}
    pg_search.clear()
    with pg_search.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM search_terms")) == 0


@needs_pg
def test_concurrent_writers_keep_the_statistics_exact(pg_search):
    errors = []

    def write(worker: int) -> None:
        try:
            b = PostgresSearch(pg_search.engine, lock_timeout=30)
            docs = random_docs(40, seed=worker, start=worker * 25)  # overlapping ids between workers
            for start in range(0, 40, 8):
                b.index(docs[start:start + 8])
            b.delete([f"resource:{worker * 25 + i}" for i in range(0, 40, 5)])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert_statistics_hold(pg_search)
    assert pg_search.search(SearchQuery(per_page=1)).total == pg_search.doc_count() > 0


@needs_pg
def test_a_held_write_lock_makes_writes_busy_but_not_reads(pg_search):
    pg_search.index([SearchDocument("resource", 1, "函数")])
    with pg_search.engine.connect() as other:
        other.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": WRITE_LOCK_KEY})
        try:
            busy = PostgresSearch(pg_search.engine, lock_timeout=0.3)
            with pytest.raises(SearchError, match="忙"):
                busy.index([SearchDocument("resource", 2, "方程")])
            with pytest.raises(SearchError, match="忙"):
                busy.delete(["resource:1"])
            assert busy.search(SearchQuery(text="函数")).total == 1
        finally:
            other.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": WRITE_LOCK_KEY})
            other.commit()
    assert pg_search.doc_count() == 1  # the refused writes changed nothing
    pg_search.index([SearchDocument("resource", 2, "方程")])
    assert pg_search.doc_count() == 2


@needs_pg
def test_tables_missing_is_a_search_error(pg_engine):
    schema = "no_search_tables"
    with pg_engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    engine = sa.create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        broken = PostgresSearch(engine)
        with pytest.raises(SearchError, match="搜索索引不可用"):
            broken.check()
        with pytest.raises(SearchError, match="搜索索引不可用"):
            broken.search(SearchQuery(text="函数"))
        with pytest.raises(SearchError, match="搜索索引不可用"):
            broken.index([SearchDocument("resource", 1, "函数")])
    finally:
        engine.dispose()
        with pg_engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


@needs_pg
@pytest.mark.parametrize("text", ["函数", "函数 几何", "教学设计", "勾股定理 图像 课件", "向量", "实验 统计"])
def test_ranks_as_the_whoosh_backend_does(pg_search, tmp_path, text):
    """Same documents, same BM25F: the same documents in the same order (Whoosh keeps field lengths
    as one log-scaled byte, so scores agree to a few per cent, not to the last digit)."""
    docs = random_docs(150, seed=5)
    whoosh = WhooshSearch(tmp_path / "index")
    try:
        whoosh.index(docs)
        pg_search.index(docs)
        q = SearchQuery(text=text, acl=["public", "org:1"], per_page=200)
        expected, got = whoosh.search(q), pg_search.search(q)
        assert got.total == expected.total > 0
        assert set(uids := [h.uid for h in got.hits]) == {h.uid for h in expected.hits}
        top = [h.uid for h in expected.hits[:10]]
        assert len(set(uids[:10]) & set(top)) >= 8
        for a, b in zip(sorted(h.score for h in got.hits), sorted(h.score for h in expected.hits), strict=True):
            assert a == pytest.approx(b, rel=0.08)
    finally:
        whoosh.close()


@needs_pg
def test_the_configured_backend_on_postgresql(tmp_path):
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": PG_URL, "SEARCH_BACKEND": "postgres"})
    backend = app.extensions["edu_search"]
    assert isinstance(backend, PostgresSearch)
    backend.check()
    backend.close()


@pytest.mark.nodb
def test_postgres_search_is_refused_on_sqlite_at_start(tmp_path):
    with pytest.raises(RuntimeError, match="EDU_SEARCH=postgres 需要 PostgreSQL 数据库，当前数据库为 sqlite"):
        create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SEARCH_BACKEND": "postgres"})
    with pytest.raises(SearchError, match="需要 PostgreSQL"):
        PostgresSearch(f"sqlite:///{tmp_path / 'x.db'}")


@pytest.mark.nodb
def test_an_unknown_backend_is_refused_and_whoosh_is_the_default(tmp_path):
    settings = {"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    with pytest.raises(RuntimeError, match="EDU_SEARCH='solr' 无效"):
        create_app({**settings, "SEARCH_BACKEND": "solr"})
    assert isinstance(create_app(settings).extensions["edu_search"], WhooshSearch)

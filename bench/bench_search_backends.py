"""The two search backends side by side: the same documents, the same queries, Whoosh and PostgreSQL.

    bash .ci/with-postgres.sh .venv/bin/python bench/bench_search_backends.py [--docs 100000] [--batch 500]
        [--distinct 150] [--repeat 8] [--out-dir DIR]

(PostgreSQL from ``EDU_TEST_DATABASE_URL``, or ``--pg-url``; its three search tables are dropped and
made again there, as the migration makes them.)

1. The N documents of ``bench_search.generate_docs`` (Chinese education resources with content,
   keywords, six facets, ~30 % ACL-restricted), indexed by each backend ``--batch`` at a time, the
   after-commit / ``flask reindex`` path: documents per second of wall time and per CPU second of
   this process (PostgreSQL's own CPU is in the wall time only). jieba's clause cache is emptied
   before each backend, so neither profits from the other's analysis.
2. Queries as a search page sends them (ACL ``public`` + one org, five facet counts, page 1 of 20
   with highlights), the two backends alternating:
   * *distinct*: ``--distinct`` different texts (points of the syllabus, subject + type, grade +
     point, two-word queries, rare words), each once — nothing a result cache could answer;
   * *repeated*: the platform bench's common and rare queries, ``--repeat`` times each (Whoosh's
     per-generation result cache answers all but the first);
   * *filtered / deep page / newest*: a facet filter, page 50, a sort by date.
   p50 / p95 / max in milliseconds for each.
3. Quality: for every distinct query, the overlap of the two top 20s (|A ∩ B| / max(|A|, |B|)), how
   often the first hit is the same, and whether the totals are equal.
4. Per query: the platform bench's queries computed (Whoosh's result cache off) with their number
   of matches — what relevance costs against the size of the match set.
5. Sizes: the Whoosh directory, the PostgreSQL tables with their indexes.

Figures (100,000 and 20,000 documents on the shared 2-core machine): README, "Search backends".
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import bench_search
import sqlalchemy as sa

from eduplatform.core.search import analysis
from eduplatform.core.search.base import SearchQuery

FACETS = bench_search.FACETS
ACL = bench_search.ACL
REPEATED = bench_search.COMMON + bench_search.RARE


def pct(values: list[float], q: float) -> float:
    return bench_search.pct(values, q)


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def distinct_queries(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    points = [p for _name, ps in bench_search.SUBJECTS.values() for p in ps]
    subjects = [name for name, _ps in bench_search.SUBJECTS.values()]
    types = [t[1] for t in bench_search.TYPES]
    grades = [g for gs in bench_search.STAGES.values() for g in gs]
    makers = [
        lambda: rng.choice(points),
        lambda: f"{rng.choice(subjects)} {rng.choice(types)}",
        lambda: f"{rng.choice(grades)}{rng.choice(subjects)}",
        lambda: f"{rng.choice(points)} {rng.choice(bench_search.NOUNS)}",
        lambda: f"{rng.choice(bench_search.VERBS)}{rng.choice(points)}",
        lambda: f"{rng.choice(bench_search.PUBLISHERS)} {rng.choice(points)} {rng.choice(types)}",
        lambda: rng.choice(bench_search.RARE_POINTS + bench_search.RARE),
    ]
    out: list[str] = []
    seen = set()
    while len(out) < n:
        text = rng.choice(makers)()
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def build(name: str, backend, docs, batch: int) -> dict:
    analysis._analyze_clause.cache_clear()
    backend.clear()
    t0, c0 = time.perf_counter(), cpu()
    for start in range(0, len(docs), batch):
        backend.index(docs[start:start + batch])
    wall, cpu_s = time.perf_counter() - t0, cpu() - c0
    count = backend.doc_count()
    assert count == len(docs), (name, count)
    print(f"  {name:<10} {len(docs):,} docs in {wall:7.1f} s = {len(docs) / wall:7,.0f} docs/s wall, "
          f"{len(docs) / cpu_s:7,.0f} docs per CPU second of this process")
    return {"wall": wall, "cpu": cpu_s}


def timed(backend, q: SearchQuery) -> tuple[float, object]:
    t0 = time.perf_counter()
    results = backend.search(q)
    return time.perf_counter() - t0, results


def report(label: str, times: dict[str, list[float]]) -> None:
    cells = []
    for name, values in times.items():
        cells.append(f"{name} p50 {statistics.median(values) * 1000:7.1f}  p95 {pct(values, 0.95) * 1000:7.1f}  "
                     f"max {max(values) * 1000:7.1f}")
    print(f"  {label:<26} " + "   |   ".join(cells) + f"   (n={len(next(iter(times.values())))})")


def page_query(text: str, **kw) -> SearchQuery:
    return SearchQuery(text=text, acl=ACL, facets=FACETS, **kw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--distinct", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=8)
    parser.add_argument("--pg-url", default=os.environ.get("EDU_TEST_DATABASE_URL"))
    parser.add_argument("--out-dir", type=Path, default=bench_search.OUT_DIR)
    args = parser.parse_args()
    if not args.pg_url or not args.pg_url.startswith("postgresql"):
        sys.exit("needs PostgreSQL: run under .ci/with-postgres.sh or pass --pg-url postgresql+psycopg://…")

    from eduplatform.core.search import pg_models
    from eduplatform.core.search.postgres_backend import PostgresSearch
    from eduplatform.core.search.whoosh_backend import WhooshSearch

    engine = sa.create_engine(args.pg_url, pool_size=2)
    tables = [pg_models.SearchDocumentRow.__table__, pg_models.SearchTermRow.__table__,
              pg_models.SearchFieldRow.__table__]
    for table in tables:
        table.drop(engine, checkfirst=True)
        table.create(engine)
    index_dir = args.out_dir / f"backends-{args.docs}" / "whoosh"
    if index_dir.exists():
        shutil.rmtree(index_dir)
    analysis.ensure_jieba(args.out_dir)
    whoosh = WhooshSearch(index_dir, limitmb=256)
    pg = PostgresSearch(engine)
    backends = {"whoosh": whoosh, "postgres": pg}

    print(f"{args.docs:,} documents, batches of {args.batch}; {bench_search.load()}")
    t0 = time.perf_counter()
    docs = list(bench_search.generate_docs(args.docs))
    print(f"generated in {time.perf_counter() - t0:.1f} s; indexing:")
    for name, backend in backends.items():
        build(name, backend, docs, args.batch)
    del docs
    # What autovacuum does after a bulk load: moves the GIN index's pending list into the index and
    # gathers statistics (until then every search also scans the pending list).
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE search_documents"))
        conn.execute(sa.text("VACUUM ANALYZE search_terms"))
    print(f"  postgres VACUUM ANALYZE after the load: {time.perf_counter() - t0:.1f} s")

    # Warm both (the first query of a process loads jieba's pieces, opens the searcher, fills PostgreSQL's cache).
    for backend in backends.values():
        for text in REPEATED:
            backend.search(page_query(text))
    print(f"\nquery latency, ms ({bench_search.load()}):")
    distinct = distinct_queries(args.distinct)
    times: dict[str, list[float]] = {n: [] for n in backends}
    overlaps, first_same, totals_equal, both_empty = [], 0, 0, 0
    for text in distinct:
        got = {}
        for name, backend in backends.items():
            elapsed, results = timed(backend, page_query(text))
            times[name].append(elapsed)
            got[name] = results
        a = [h.uid for h in got["whoosh"].hits]
        b = [h.uid for h in got["postgres"].hits]
        totals_equal += got["whoosh"].total == got["postgres"].total
        if not a and not b:
            both_empty += 1
            continue
        overlaps.append(len(set(a) & set(b)) / max(len(a), len(b)))
        first_same += bool(a and b and a[0] == b[0])
    report(f"distinct ({len(distinct)} texts)", times)
    times = {n: [] for n in backends}
    for _ in range(args.repeat):
        for text in REPEATED:
            for name, backend in backends.items():
                times[name].append(timed(backend, page_query(text))[0])
    report(f"repeated ({len(REPEATED)} × {args.repeat})", times)
    for label, make in (
        ("common words, no facets", lambda t: SearchQuery(text=t, acl=ACL)),
        ("filter subject=math", lambda t: page_query(t, filters={"subject": "math"})),
        ("page 50", lambda t: page_query(t, page=50)),
        ("sort newest", lambda t: page_query(t, sort="newest")),
    ):
        times = {n: [] for n in backends}
        for i, text in enumerate(bench_search.COMMON * 2):
            # Whoosh's result cache would answer a repeat: vary the page so every search is computed.
            q = make(text)
            q.page = q.page + i // len(bench_search.COMMON) if label != "page 50" else 50 + i
            for name, backend in backends.items():
                times[name].append(timed(backend, q)[0])
        report(label, times)

    print("\nper query (a search page, computed: Whoosh's result cache off), ms — cost against matches:")
    whoosh.result_cache_size = 0
    whoosh.close()  # reopened without result/selection caches; per-segment data is re-read once
    for text in REPEATED:
        row = []
        for name, backend in backends.items():
            backend.search(page_query(text))
            values = [timed(backend, page_query(text))[0] for _ in range(3)]
            row.append(f"{name} {statistics.median(values) * 1000:7.1f}")
        total = pg.search(page_query(text)).total
        print(f"  {text:<14} {total:>7,} matches   " + "   ".join(row))

    print("\nquality (distinct queries, relevance, page 1 of 20):")
    print(f"  top-20 overlap (share of the larger top 20 in both): mean {statistics.mean(overlaps):.3f}, "
          f"min {min(overlaps):.3f}, p10 {sorted(overlaps)[len(overlaps) // 10]:.3f} over {len(overlaps)} queries")
    print(f"  same first hit: {first_same}/{len(overlaps)}; equal totals: {totals_equal}/{len(distinct)}; "
          f"both empty: {both_empty}")

    with engine.connect() as conn:
        sizes = {t.name: conn.scalar(sa.text("SELECT pg_total_relation_size(:t)"), {"t": t.name}) for t in tables}
    print("\nsizes: whoosh directory {:.1f} MB; postgres {}".format(
        bench_search.dir_size(index_dir) / 1e6,
        ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items())))
    print(f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    whoosh.close()
    pg.close()


if __name__ == "__main__":
    main()

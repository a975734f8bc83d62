"""Public portal figures: site search p95 at 50,000 articles, and the home page under concurrent load.

    python bench/bench_portal.py [--articles 50000] [--runs 5] [--clients 16] [--seconds 20]
                                 [--workers 2] [--threads 8] [--rebuild] [--skip-search] [--skip-load]

    EDU_BENCH_ARTICLES=3000 python bench/bench_portal.py      # a quick run

1. Builds (or reuses, under ``bench/out/portal-<N>/`` or $EDU_BENCH_OUT) a platform database (SQLite)
   with the portal's columns and N published articles of the city bureau inserted in bulk: titles
   like '关于做好寒假安全工作的通知', a 300–600 character body from a small word list of
   education-bureau vocabulary, 索引号, 政策文件 with 效力状态, 采购招标 with a 截止时间. The index is
   built through the platform's own ``portal_article`` documents (``flask reindex``) and optimised.
   Beside it, the reference peer: an SQLite FTS5 table over the same texts, each cut by the
   platform's own analyzer (jieba) into space-separated tokens (``fts.db``).
2. Search: the same queries (one common word, two words, a rare word, a 文号-like phrase), run
   ``--runs`` times interleaved, the result cache off:
   - ``service`` = ``search_site(q)``: the platform index, hits re-checked in the database, titles
     highlighted and snippets cut (what ``/portal/search`` does before rendering);
   - ``backend`` = ``WhooshSearch.search`` with the same query (kind, PUBLIC ACL, page of 15);
   - ``bare``    = the Whoosh searcher's ``search_page`` with the same parsed query, no filters;
   - ``fts5``    = the peer: ``MATCH`` of the same tokens (a word's tokens AND, words OR, as the
     platform's parser does), ``ORDER BY bm25`` page of 15 plus
     the total count, on the FTS5 table.
   p50/p95 per implementation and the ratios to ``bare`` and ``fts5``.
3. Load: the platform under gunicorn (gthread, ``--workers`` × ``--threads``) on 127.0.0.1 serving
   ``GET /portal/`` (the home page: a block per top column with its latest items and the newest 8)
   to ``--clients`` concurrent keep-alive clients for ``--seconds``; the reference is a minimal Flask
   app on the same gunicorn settings returning a page of the same size. Runs alternate
   (reference, portal, reference, portal). Requests per second and p50/p95 per run, and the ratio.
   The clients run on the same shared machine (2 cores): the figures are relative, not absolute.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_documents_search as vocab  # the 公文 bench's word lists
import bench_search

OUT_DIR = bench_search.OUT_DIR
GENERATOR_VERSION = 1
PER_PAGE = 15
TITLE_FORMS = ["关于{v}{t}{n}的通知", "关于{v}{t}{n}的意见", "{t}{n}工作简报", "市教育局{v}{t}{n}", "{t}{n}情况通报",
               "关于{t}{n}的公示", "{t}{n}实施方案"]
# column key → weight (the leaf columns the city bureau publishes in)
COLUMN_WEIGHTS = {"news": 30, "notices": 20, "policies": 6, "org_functions": 1, "policy_documents": 8, "plans": 3,
                  "budget": 2, "admissions": 6, "statistics": 3, "proposals": 2, "personnel": 4, "other_open": 2,
                  "services": 5, "interaction": 3, "purchase_notices": 3, "tender_notices": 2}
QUERIES = [("common", "安全"), ("common", "招生"), ("common", "教师培训"), ("common", "课后服务"),
           ("two words", "寒假 安全"), ("two words", "经费 预算"), ("two words", "校园欺凌 排查"),
           ("two words", "招生 初中"), ("rare", "量子纠缠"), ("rare", "黎曼猜想"),
           ("phrase", "示教发〔2025〕12号"), ("phrase", "营养午餐 督导 评估")]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def generate(n: int, column_ids: dict[str, int], org_id: int, creator_id: int, seed: int = 2026):
    rng = random.Random(seed)
    keys = list(COLUMN_WEIGHTS)
    weights = [COLUMN_WEIGHTS[k] for k in keys]
    start = datetime(2022, 1, 1)
    seqs: dict[int, int] = {}
    for i in range(n):
        key = rng.choices(keys, weights)[0]
        topic, topic2 = rng.choice(vocab.TOPICS), rng.choice(vocab.TOPICS)
        title = rng.choice(TITLE_FORMS).format(v=rng.choice(vocab.VERBS), t=topic, n=rng.choice(vocab.NOUNS))
        sentences = []
        while sum(len(s) for s in sentences) < rng.randint(300, 600):
            sentences.append(f"{rng.choice(vocab.CONNECT)}{rng.choice(vocab.TOPICS)}{rng.choice(vocab.NOUNS)}要求，"
                             f"{rng.choice(vocab.SUBJECTS)}要{rng.choice(vocab.VERBS)}{rng.choice([topic, topic2])}"
                             f"{rng.choice(vocab.NOUNS)}，{rng.choice(vocab.VERBS)}{rng.choice(vocab.TOPICS)}"
                             f"{rng.choice(vocab.NOUNS)}。")
        if rng.random() < 0.001:
            sentences.insert(1, f"科普讲座介绍{rng.choice(vocab.RARE)}等前沿知识。")
        sentences.append(rng.choice(vocab.ENDINGS))
        published = start + timedelta(minutes=int(i * (4 * 365 * 24 * 60) / n))
        year = published.year
        seqs[year] = seqs.get(year, 0) + 1
        doc_number = f"示教发〔{year}〕{rng.randint(1, 60)}号" if key in ("policy_documents", "notices") else None
        yield {"column_id": column_ids[key], "org_id": org_id, "created_by_id": creator_id, "state": "published",
               "title": title, "summary": sentences[0][:120], "body": "".join(f"<p>{s}</p>" for s in sentences),
               "doc_number": doc_number, "index_no": f"3399000000/{year}-{seqs[year]:05d}", "index_year": year,
               "index_seq": seqs[year], "published_at": published, "created_at": published, "updated_at": published,
               "validity": "valid" if key in ("policies", "policy_documents") else None,
               "deadline_at": published + timedelta(days=rng.randint(5, 40))
               if key in ("purchase_notices", "tender_notices") else None}


def make_app(data_dir: Path):
    from eduplatform import create_app

    return create_app({"ENV_NAME": "testing", "TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "bench"})


def build_database(app, n: int) -> None:
    import flask_migrate
    import sqlalchemy as sa

    from eduplatform.accounts.models import Role, User, UserRole
    from eduplatform.core.extensions import db
    from eduplatform.orgs.models import OrgType
    from eduplatform.orgs.services import create_org_unit
    from eduplatform.portal.models import Article, PortalColumn
    from eduplatform.portal.services import columns

    with app.app_context():
        flask_migrate.upgrade()
        city = create_org_unit(None, code="3399000000", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        db.session.flush()
        staff = User(username="portal-staff", display_name="信息员", password_hash="!", org_id=city.id,
                     must_change_password=False)
        db.session.add(staff)
        db.session.flush()
        db.session.add(UserRole(user_id=staff.id, role=Role.BUREAU_STAFF))
        columns.sync_columns()
        db.session.commit()
        ids = dict(db.session.execute(sa.select(PortalColumn.key, PortalColumn.id)).all())
        rows = []
        for row in generate(n, ids, city.id, staff.id):
            rows.append(row)
            if len(rows) >= 5000:
                db.session.execute(sa.insert(Article), rows)
                db.session.commit()
                rows = []
        if rows:
            db.session.execute(sa.insert(Article), rows)
        db.session.commit()


def build_fts(app, path: Path) -> None:
    """The peer: FTS5 over the same title + summary + body text, cut by the platform's analyzer."""
    import sqlalchemy as sa

    from eduplatform.core.extensions import db
    from eduplatform.core.search.analysis import analyze
    from eduplatform.core.text.richtext import plain_text
    from eduplatform.portal.models import Article

    con = sqlite3.connect(path)
    con.execute("create virtual table docs using fts5(tokens)")
    with app.app_context():
        batch = []
        for aid, title, summary, body in db.session.execute(sa.select(Article.id, Article.title, Article.summary,
                                                                      Article.body)):
            text = " ".join(analyze(f"{title} {summary or ''} {plain_text(body)}"))
            batch.append((aid, text))
            if len(batch) >= 2000:
                con.executemany("insert into docs(rowid, tokens) values (?, ?)", batch)
                batch = []
        con.executemany("insert into docs(rowid, tokens) values (?, ?)", batch)
    con.commit()
    con.execute("insert into docs(docs) values ('optimize')")
    con.commit()
    con.close()


def build_or_reuse(n: int, rebuild: bool) -> tuple[object, Path]:
    base = OUT_DIR / f"portal-{n}"
    meta_file = base / "meta.json"
    meta = {"articles": n, "generator": GENERATOR_VERSION}
    if not rebuild and meta_file.exists() and json.loads(meta_file.read_text()) == meta:
        print(f"reusing the database and indexes in {base} ({n:,} articles); --rebuild to rebuild them")
        return make_app(base), base
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    app = make_app(base)
    t0 = time.perf_counter()
    build_database(app, n)
    t1 = time.perf_counter()
    print(f"database: {n:,} published articles inserted in {t1 - t0:.0f} s")
    from eduplatform.core.search import registry

    with app.app_context():
        indexed = registry.reindex(batch_size=2000)
        t2 = time.perf_counter()
        print(f"index: {indexed:,} entries through portal_article in {t2 - t1:.0f} s ({indexed / (t2 - t1):,.0f} docs/s)")
        registry.get_search().optimize()
        t3 = time.perf_counter()
        print(f"index optimised in {t3 - t2:.0f} s")
    build_fts(app, base / "fts.db")
    print(f"FTS5 peer table built in {time.perf_counter() - t3:.0f} s")
    meta_file.write_text(json.dumps(meta))
    return app, base


# -- search -----------------------------------------------------------------------------------------

def measure_search(app, base: Path, runs: int) -> None:
    from whoosh import index as whoosh_index

    from eduplatform.core.extensions import db
    from eduplatform.core.search.analysis import analyze
    from eduplatform.core.search.base import PUBLIC, SearchQuery
    from eduplatform.core.search.registry import get_search
    from eduplatform.portal.services.content_search import KIND, search_site

    con = sqlite3.connect(base / "fts.db", check_same_thread=False)
    with app.test_request_context("/portal/search"):
        backend = get_search()
        backend.result_cache_size = 0
        backend._gc = None
        index_dir = Path(app.config["SEARCH_INDEX_DIR"])
        print(f"index {backend.doc_count():,} entries, {bench_search.dir_size(index_dir) / 1e6:.0f} MB; "
              f"FTS5 {(base / 'fts.db').stat().st_size / 1e6:.0f} MB; {bench_search.load()}")
        bare_searcher = whoosh_index.open_dir(str(index_dir), indexname="MAIN").searcher()

        def service(text):
            found = search_site(text)
            db.session.rollback()
            return found.total

        def backend_only(text):
            return backend.search(SearchQuery(text=text, kinds=[KIND], acl=[PUBLIC], page=1, per_page=PER_PAGE)).total

        def bare(text):
            return bare_searcher.search_page(backend.build_query(text), 1, pagelen=PER_PAGE).total

        def fts5(text):
            # as the platform's parser: the tokens of one word all required, words joined by OR
            match = " OR ".join("(" + " AND ".join('"' + t.replace('"', '""') + '"'
                                                   for t in dict.fromkeys(analyze(word)) if t.strip()) + ")"
                                for word in text.split())
            con.execute("select rowid from docs where docs match ? order by bm25(docs) limit ?",
                        (match, PER_PAGE)).fetchall()
            return con.execute("select count(*) from docs where docs match ?", (match,)).fetchone()[0]

        rows = [("service", service), ("backend", backend_only), ("bare", bare), ("fts5", fts5)]
        for _, fn in rows:  # warm every term once, like a running server
            for _, text in QUERIES:
                fn(text)
        times: dict[str, list[float]] = {name: [] for name, _ in rows}
        by_kind: dict[tuple[str, str], list[float]] = {}
        for _ in range(runs):
            for kind, text in QUERIES:
                for name, fn in rows:
                    t0 = time.perf_counter()
                    fn(text)
                    elapsed = time.perf_counter() - t0
                    times[name].append(elapsed)
                    by_kind.setdefault((name, kind), []).append(elapsed)
        print(f"\n{len(QUERIES)} queries × {runs} runs, interleaved, result cache off ({bench_search.load()})")
        print("  totals (service / bare / fts5): " + "; ".join(
            f"{text} {service(text)}/{bare(text)}/{fts5(text)}" for _, text in QUERIES[:6]))
        print(f"  {'':10}{'p50 ms':>9}{'p95 ms':>9}{'p95 ÷ bare':>12}{'p95 ÷ fts5':>12}")
        ref_bare, ref_fts = percentile(times["bare"], 0.95), percentile(times["fts5"], 0.95)
        for name, _ in rows:
            p50, p95 = percentile(times[name], 0.5), percentile(times[name], 0.95)
            print(f"  {name:10}{p50 * 1000:9.1f}{p95 * 1000:9.1f}{p95 / ref_bare:12.1f}{p95 / ref_fts:12.1f}")
        print("  p95 ms by kind of query:")
        for kind in dict.fromkeys(k for k, _ in QUERIES):
            print(f"    {kind:10}" + "  ".join(f"{name} {percentile(by_kind[(name, kind)], 0.95) * 1000:.1f}"
                                               for name, _ in rows))
    con.close()


# -- load -------------------------------------------------------------------------------------------

MINIMAL_APP = '''
from flask import Flask

app = Flask(__name__)
PAGE = open(__file__.replace("minimal_app.py", "home.html"), "rb").read()


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/portal/")
def home():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app_spec: str, base: Path, workers: int, threads: int, cwd: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, EDU_DATA_DIR=str(base), EDU_ENV="development", SECRET_KEY="bench",
               PYTHONPATH=f"{ROOT}{os.pathsep}{cwd}")
    command = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "--threads", str(threads),
               "-k", "gthread", "-b", f"127.0.0.1:{port}", "--keep-alive", "75", "--log-level", "warning", app_spec]
    log = open(base / f"server-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start: {(base / f'server-{port}.log').read_text()[-2000:]}")


def fetch(port: int) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/portal/")
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, response.status
    return body


def load(port: int, clients: int, seconds: float) -> tuple[float, list[float], int]:
    latencies, errors, lock = [], [0], threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                connection.request("GET", "/portal/")
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    workers = [threading.Thread(target=client) for _ in range(clients)]
    for w in workers:
        w.start()
    stop_at[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    barrier.wait()
    for w in workers:
        w.join()
    return len(latencies) / (time.perf_counter() - t0), latencies, errors[0]


def measure_load(base: Path, workers: int, threads: int, clients: int, seconds: float) -> None:
    platform, port = start("eduplatform:create_app()", base, workers, threads, ROOT)
    try:
        page = fetch(port)
        for _ in range(20):
            fetch(port)
        ref_dir = base / "minimal"
        ref_dir.mkdir(exist_ok=True)
        (ref_dir / "home.html").write_bytes(page)
        (ref_dir / "minimal_app.py").write_text(MINIMAL_APP)
        reference, ref_port = start("minimal_app:app", base, workers, threads, ref_dir)
        try:
            assert fetch(ref_port) == page
            print(f"\nhome page /portal/ ({len(page):,} bytes), gunicorn gthread {workers}×{threads}, {clients} "
                  f"keep-alive clients, {seconds:.0f} s per run ({bench_search.load()})")
            print(f"  {'run':28}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
            figures: dict[str, list[tuple[float, float]]] = {"reference": [], "portal": []}
            for round_ in (1, 2):
                for name, p in (("reference", ref_port), ("portal", port)):
                    load(p, clients, 2)  # warm-up
                    rate, lat, errors = load(p, clients, seconds)
                    p50, p95 = percentile(lat, 0.5), percentile(lat, 0.95)
                    figures[name].append((rate, p95))
                    label = "minimal Flask page" if name == "reference" else "portal home"
                    print(f"  {label + f' (round {round_})':28}{rate:8.0f}{p50 * 1000:9.1f}{p95 * 1000:9.1f}{errors:8}")
            ref_rate = statistics.mean(r for r, _ in figures["reference"])
            ref_p95 = statistics.mean(p for _, p in figures["reference"])
            rate = statistics.mean(r for r, _ in figures["portal"])
            p95 = statistics.mean(p for _, p in figures["portal"])
            print(f"  portal ÷ reference: throughput {rate / ref_rate:.2f}×, p95 {p95 / ref_p95:.1f}×")
        finally:
            reference.terminate()
            reference.wait(timeout=60)
    finally:
        platform.terminate()
        platform.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=int(os.environ.get("EDU_BENCH_ARTICLES", "50000")))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    app, base = build_or_reuse(args.articles, args.rebuild)
    if not args.skip_search:
        measure_search(app, base, args.runs)
    if not args.skip_load:
        measure_load(base, args.workers, args.threads, args.clients, args.seconds)


if __name__ == "__main__":
    main()

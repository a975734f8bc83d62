"""Resource library figures: search at 100,000 resources, and a 1 GB upload.

    python bench/bench_resources.py [--docs 100000] [--runs 30] [--upload-mb 1024] [--skip-minio]
                                    [--skip-search] [--skip-upload] [--rebuild] [--baseline OLD.py]

1. **Search.** Builds (or reuses, under ``bench/out/resources-<N>/``) a platform database with N
   resources — titles, descriptions and extracted text from ``bench_search.generate_docs`` (the
   foundation's generator of realistic Chinese education resources), spread over 300 schools in
   10 districts, 70 % visible platform-wide, 20 % district, 10 % school, 5 % still drafts — and
   indexes them with the platform's own ``resource_document`` (``flask reindex`` path), then
   optimises the index. Each query runs ``search_resources`` as a teacher (ACL tokens from
   ``user_acl``, 6 facet counts with labels, page 1 of 20, rows loaded from the database and
   re-checked; the search result cache off) and, in the same loop, a bare Whoosh
   ``searcher.search_page(q, 1, pagelen=20)`` for the same parsed query on the same index.
   p50/p95 for common and rare terms, the load average, and the repeated queries with the result
   cache on. ``--baseline`` (an older ``whoosh_backend.py``) runs its backend on the same index in
   the same loop, for before/after figures. The database and index are kept under
   ``bench/out/resources-<N>/`` (or $EDU_BENCH_OUT) and reused until ``--rebuild``.
2. **Upload.** Serves the app in a subprocess (werkzeug, one thread), streams an N MB multipart
   upload to ``POST /api/v1/resources`` over loopback, and reads the server's peak RSS growth
   (VmHWM after a reset) and its throughput; compares with the backend's raw ``put`` of the same
   size (``bench_storage``'s ``file-put-platform`` / ``minio-put-platform`` cases, own subprocess).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource as rlimit
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_search
import bench_storage

#: Where the built database + index are cached between runs ($EDU_BENCH_OUT overrides).
OUT_DIR = bench_search.OUT_DIR
MiB = 1024 * 1024
GENERATOR_VERSION = 1
DISTRICTS = 10
SCHOOLS = 300
BENCH_PASSWORD = "Upload#Speed2026"


# -- the search database -------------------------------------------------------------------------

def make_app(data_dir: Path, **extra):
    from eduplatform import create_app

    return create_app({"ENV_NAME": "testing", "TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "bench",
                       "RESOURCES_PROCESSING": "worker", **extra})


def build_database(app, n: int) -> None:
    """Orgs, one teacher per school, and N resources with versions, inserted in bulk."""
    import flask_migrate
    import sqlalchemy as sa

    from eduplatform.accounts.models import Role, User, UserRole
    from eduplatform.core.extensions import db
    from eduplatform.core.storage.models import StoredFile
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit
    from eduplatform.resources.models import Resource, ResourceVersion

    with app.app_context():
        flask_migrate.upgrade()
        city = create_org_unit(None, code="B000000", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        districts = [create_org_unit(None, code=f"B{d:06d}", name=f"第{d}区教育局", type=OrgType.DISTRICT_BUREAU,
                                     parent=city) for d in range(1, DISTRICTS + 1)]
        schools = [create_org_unit(None, code=f"S{s:06d}", name=f"实验学校{s}号", type=OrgType.SCHOOL,
                                   parent=districts[s % DISTRICTS], stages=[Stage.JUNIOR])
                   for s in range(SCHOOLS)]
        db.session.flush()
        from werkzeug.security import generate_password_hash

        pw = generate_password_hash(BENCH_PASSWORD, method="scrypt")
        users = [User(username=f"t{i}", display_name=f"教师{i}", password_hash=pw, org_id=school.id,
                      must_change_password=False) for i, school in enumerate(schools)]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all([UserRole(user_id=u.id, role=Role.TEACHER) for u in users])
        db.session.commit()
        school_ids = [s.id for s in schools]
        district_of = {s.id: s.parent_id for s in schools}
        owner_of = {s.id: u.id for s, u in zip(schools, users, strict=True)}

        rng = random.Random(7)
        batch_r, batch_f, batch_v = [], [], []
        now = bench_search.datetime(2026, 1, 1)

        def flush():
            db.session.execute(sa.insert(StoredFile), batch_f)
            db.session.execute(sa.insert(Resource), batch_r)
            db.session.execute(sa.insert(ResourceVersion), batch_v)
            db.session.commit()
            batch_r.clear(), batch_f.clear(), batch_v.clear()

        for doc in bench_search.generate_docs(n):
            i = int(doc.object_id)
            school = school_ids[min(len(school_ids) - 1, int(rng.paretovariate(1.2)) - 1) % len(school_ids)]
            roll = rng.random()
            visibility = "platform" if roll < 0.7 else ("district" if roll < 0.9 else "school")
            state = "draft" if rng.random() < 0.05 else "published"
            facets = doc.facets
            sha = f"{i:064x}"
            batch_f.append({"id": i, "backend": "file", "key": f"bench/{i}.{facets['format']}", "filename":
                            f"{i}.{facets['format']}", "content_type": "application/octet-stream", "size": 1000,
                            "sha256": sha, "created_at": now})
            grade = {"g1": "g1", "g2": "g2", "g3": "g3", "g4": "g4", "g5": "g5", "g6": "g6", "g7": "g7",
                     "g8": "g8", "g9": "g9", "g10": "g10", "g11": "g11", "g12": "g12"}.get(facets["grade"])
            batch_r.append({
                "id": i, "uid": f"bench{i:027d}", "type": "courseware" if facets["type"] == "courseware" else "case",
                "title": doc.title, "description": doc.summary, "stage": facets["stage"],
                "subject": facets["subject"], "grade": grade, "textbook_edition": None, "knowledge_points": [],
                "keywords": doc.keywords, "extra": {}, "format": facets["format"], "state": state,
                "visibility": visibility, "owner_id": owner_of[school], "org_id": school,
                "district_id": district_of[school], "current_version": 1, "download_count": doc.popularity,
                "favourite_count": 0, "rating_count": 1, "rating_sum": int(doc.rating), "comment_count": 0,
                "index_stale": False, "created_at": doc.created, "updated_at": doc.created,
                "published_at": doc.created if state == "published" else None,
            })
            batch_v.append({"id": i, "resource_id": i, "number": 1, "file_id": i, "format": facets["format"],
                            "sha256": sha, "size": 1000, "media_info": {}, "conformance": [],
                            "conformance_status": "pass", "processing_state": "done",
                            "extracted_text": doc.content, "created_at": now})
            if len(batch_r) >= 5000:
                flush()
        if batch_r:
            flush()


def build_or_reuse(n: int, rebuild: bool):
    base = OUT_DIR / f"resources-{n}"
    meta_file = base / "meta.json"
    meta = {"docs": n, "generator": GENERATOR_VERSION, "search_generator": bench_search.GENERATOR_VERSION}
    if not rebuild and meta_file.exists() and json.loads(meta_file.read_text()) == meta:
        print(f"reusing the database and index in {base} ({n:,} resources); --rebuild to rebuild them")
        return make_app(base)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    app = make_app(base)
    t0 = time.perf_counter()
    build_database(app, n)
    t1 = time.perf_counter()
    print(f"database: {n:,} resources inserted in {t1 - t0:.0f} s")
    from eduplatform.core.search import registry

    with app.app_context():
        indexed = registry.reindex(batch_size=2000)
        t2 = time.perf_counter()
        print(f"index: {indexed:,} documents through resource_document in {t2 - t1:.0f} s "
              f"({indexed / (t2 - t1):,.0f} docs/s)")
        registry.get_search().optimize()
        print(f"index optimised (one segment) in {time.perf_counter() - t2:.0f} s")
    meta_file.write_text(json.dumps(meta))
    return app


def measure_search(app, runs: int, baseline: str | None = None) -> None:
    from whoosh import index as whoosh_index

    from eduplatform.accounts.models import User
    from eduplatform.core.extensions import db
    from eduplatform.core.search.registry import get_search
    from eduplatform.resources.search import search_resources

    common, rare = bench_search.COMMON, bench_search.RARE
    with app.app_context():
        backend = get_search()
        # Every search computed: the result cache would answer a repeated query in well under 1 ms.
        backend.result_cache_size = 0
        backend._gc = None
        old = None
        if baseline:
            old = bench_search.backend_module(baseline).WhooshSearch(backend.index_dir)
        user = db.session.scalars(db.select(User).where(User.username == "t3")).one()
        index_dir = Path(app.config["SEARCH_INDEX_DIR"])
        size = bench_search.dir_size(index_dir)
        print(f"index size {size / 1e6:.0f} MB; searcher: {user.display_name} ({user.org.name}); {bench_search.load()}")
        ix = whoosh_index.open_dir(str(index_dir), indexname="MAIN")
        bare_searcher = ix.searcher()

        def platform(text, using=None, **kw):
            if using is None:
                return search_resources(user, q=text, page=1, per_page=20, **kw)
            app.extensions["edu_search"] = using
            try:
                return search_resources(user, q=text, page=1, per_page=20, **kw)
            finally:
                app.extensions["edu_search"] = backend

        def bare(q):
            return bare_searcher.search_page(q, 1, pagelen=20).total

        def timed(fn, *args, **kw):
            t0 = time.perf_counter()
            fn(*args, **kw)
            return time.perf_counter() - t0

        t0 = time.perf_counter()
        platform("")
        print(f"first query (opens the searcher, builds ACL + facet bitmaps): {(time.perf_counter() - t0) * 1000:.0f} ms")
        if old is not None:
            platform("", using=old)
        print("platform = search_resources(): ACL of a teacher + 6 facet counts with labels + page 1 of 20 "
              "+ highlights + 20 rows from the database, re-checked; result cache off")
        print("bare     = searcher.search_page(same query, 1, pagelen=20) on the same index")
        if old is not None:
            print(f"before   = search_resources() with the search backend of {baseline} on the same index")
        header = (f"  {'query':<16} {'hits':>7} | {'plat p50':>8} {'p95':>7} | {'bare p50':>8} {'p95':>7} "
                  f"| {'ratio p50':>9} {'p95':>5}")
        if old is not None:
            header += f" | {'before p50':>10} {'p95':>7} | {'bare(before) p95':>16}"
        all_p, all_b, all_o, all_ob = [], [], [], []
        for label, terms in (("common", common), ("rare", rare)):
            print(f"\n  -- {label} terms (ms; {bench_search.load()}) --")
            print(header)
            for text in terms:
                q = backend.build_query(text)
                found = platform(text)  # warm this term's postings and bitmaps
                bare(q)
                if old is not None:
                    old_q = old.build_query(text)
                    platform(text, using=old)
                    bare(old_q)
                p_times, b_times, o_times, ob_times = [], [], [], []
                for _ in range(runs):
                    p_times.append(timed(platform, text))
                    b_times.append(timed(bare, q))
                    if old is not None:
                        o_times.append(timed(platform, text, using=old))
                        ob_times.append(timed(bare, old_q))
                all_p += p_times
                all_b += b_times
                all_o += o_times
                all_ob += ob_times
                pp50, pp95 = statistics.median(p_times), bench_search.pct(p_times, 0.95)
                bp50, bp95 = statistics.median(b_times), bench_search.pct(b_times, 0.95)
                line = (f"  {text:<16} {found.results.total:>7,} | {bench_search.ms(pp50)}  {bench_search.ms(pp95)} | "
                        f"{bench_search.ms(bp50)}  {bench_search.ms(bp95)} | {pp50 / bp50:9.2f} {pp95 / bp95:5.2f}")
                if old is not None:
                    line += (f" | {bench_search.ms(statistics.median(o_times))}    "
                             f"{bench_search.ms(bench_search.pct(o_times, 0.95))} | "
                             f"{bench_search.ms(bench_search.pct(ob_times, 0.95)):>16}")
                print(line)
        p95p, p95b = bench_search.pct(all_p, 0.95), bench_search.pct(all_b, 0.95)
        print(f"\n  all queries: platform p50 {statistics.median(all_p) * 1000:.1f} ms, p95 {p95p * 1000:.1f} ms; "
              f"bare p50 {statistics.median(all_b) * 1000:.1f} ms, p95 {p95b * 1000:.1f} ms; "
              f"ratio of p50s {statistics.median(all_p) / statistics.median(all_b):.2f}, ratio of p95s {p95p / p95b:.2f}")
        if old is not None:
            p95o, p95ob = bench_search.pct(all_o, 0.95), bench_search.pct(all_ob, 0.95)
            print(f"  before:      platform p50 {statistics.median(all_o) * 1000:.1f} ms, p95 {p95o * 1000:.1f} ms; "
                  f"bare p95 {p95ob * 1000:.1f} ms; ratio of p95s {p95o / p95ob:.2f}")
        print(f"  targets: ratio ≤ 1.5 → {'met' if p95p / p95b <= 1.5 else 'MISSED'}; "
              f"p95 ≤ 50 ms → {'met' if p95p <= 0.05 else 'MISSED'} ({bench_search.load()})")
        backend.result_cache_size = 256
        backend._gc = None
        cached = []
        for text in common:
            platform(text)
            cached += [timed(platform, text) for _ in range(runs)]
        print(f"  common queries repeated with the result cache on: p50 {statistics.median(cached) * 1000:.1f} ms, "
              f"p95 {bench_search.pct(cached, 0.95) * 1000:.1f} ms")
        backend.result_cache_size = 0
        backend._gc = None
        for label, kwargs in (("browse, newest", {"q": "", "sort": "newest"}),
                              ("'函数' + subject=math", {"q": "函数", "filters": {"subject": "math"}}),
                              ("'课件', downloads", {"q": "课件", "sort": "downloads"}),
                              ("'数学', page 20", {"q": "数学", "page": 20})):
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                res = search_resources(user, **kwargs)
                times.append(time.perf_counter() - t0)
            print(f"  {label:<24} hits {res.results.total:>7,}  p50 {bench_search.ms(statistics.median(times))}"
                  f"  p95 {bench_search.ms(bench_search.pct(times, 0.95))}")
        bare_searcher.close()


# -- the upload --------------------------------------------------------------------------------

def serve(data_dir: str, port: int, backend: str, endpoint: str | None) -> None:
    """(subprocess) The app on 127.0.0.1:port with one teacher, until killed."""
    import flask_migrate
    from werkzeug.serving import make_server

    extra = {}
    if backend == "minio":
        extra = {"STORAGE_BACKEND": "minio", "MINIO_ENDPOINT": endpoint, "MINIO_ACCESS_KEY": "bench",
                 "MINIO_SECRET_KEY": "bench", "MINIO_BUCKET": "bench-upload"}
    app = make_app(Path(data_dir), **extra)
    with app.app_context():
        flask_migrate.upgrade()
        from eduplatform.accounts.models import Role
        from eduplatform.accounts.services import create_user
        from eduplatform.core.extensions import db
        from eduplatform.orgs.models import OrgType, Stage
        from eduplatform.orgs.services import create_org_unit

        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="D1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
        school = create_org_unit(None, code="S1", name="第一中学", type=OrgType.SCHOOL, parent=district,
                                 stages=[Stage.JUNIOR])
        create_user(None, username="bench", display_name="测试教师", roles={Role.TEACHER}, org=school,
                    password=BENCH_PASSWORD, must_change_password=False)
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=False)
    print("ready", flush=True)
    server.serve_forever()


class MultipartBody:
    """An iterable multipart body: fields, then ``size`` bytes of UTF-8 Chinese text as a .txt file."""

    BOUNDARY = "----eduBenchBoundary7MA4YWxk"

    def __init__(self, size: int, tag: str):
        fields = {"type": "media_text", "title": f"大文件上传测试 {tag}", "description": "基准测试：1 GB 文本",
                  "stage": "初中", "subject": "语文"}
        self.head = b"".join(
            f"--{self.BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
            for k, v in fields.items())
        self.head += (f"--{self.BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
                      f"filename=\"big-{tag}.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        line = ("春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。" * 8 + "\n").encode()
        self.block = (line * (MiB // len(line) + 1))[:MiB - 32]
        self.size = size
        self.tag = tag.encode()

    def __len__(self):
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self):
        yield self.head
        sent, index = 0, 0
        while sent < self.size:
            chunk = (self.tag + f" {index:020d}\n".encode() + self.block)[: min(MiB, self.size - sent)]
            yield chunk
            sent += len(chunk)
            index += 1
        yield self.tail


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _post(port: int, path: str, body, headers: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data or b"{}")


def measure_upload(size_mb: int, backend: str, endpoint: str | None, workdir: Path) -> dict:
    port = bench_storage._free_port()
    data_dir = workdir / f"server-{backend}"
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(data_dir), "--port", str(port),
                             "--backend", backend] + (["--endpoint", endpoint] if endpoint else []),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if proc.stdout.readline().strip() != "ready":
            raise SystemExit("bench server did not start")
        _, body = _post(port, "/api/v1/auth/token", json.dumps({"username": "bench", "password": BENCH_PASSWORD}),
                             {"Content-Type": "application/json"})
        headers = {"Authorization": f"Bearer {body['token']}"}

        def upload(size: int, tag: str) -> tuple[int, float]:
            payload = MultipartBody(size, tag)
            h = {**headers, "Content-Type": f"multipart/form-data; boundary={payload.BOUNDARY}",
                 "Content-Length": str(len(payload))}
            t0 = time.perf_counter()
            status, result = _post(port, "/api/v1/resources", iter(payload), h)
            if status != 201:
                raise SystemExit(f"upload failed: {status} {result}")
            return status, time.perf_counter() - t0

        upload(4 * MiB, "warm-up")  # imports, jieba, the first index write: not the upload's cost
        base = _status_kib(proc.pid, "VmRSS")
        try:
            with open(f"/proc/{proc.pid}/clear_refs", "w") as fh:
                fh.write("5")
        except OSError:
            pass
        _, seconds = upload(size_mb * MiB, f"run-{time.time_ns()}")
        peak = _status_kib(proc.pid, "VmHWM")
        return {"seconds": seconds, "mb_s": size_mb * MiB / 1e6 / seconds, "rss_growth_mib": max(0, peak - base) / 1024,
                "base_rss_mib": base / 1024}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_upload(args) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-resources-", dir=str(OUT_DIR)))
    moto = None
    try:
        # The same part size as the app's MinIO backend (config MINIO_PART_SIZE).
        storage_args = argparse.Namespace(size_mb=args.upload_mb, part_mb=8)
        rows = [("file", None)]
        if not args.skip_minio:
            moto, endpoint = bench_storage.start_moto()
            from minio import Minio

            client = Minio(endpoint, "bench", "bench", secure=False)
            client.make_bucket(bench_storage.BUCKET)
            client.make_bucket("bench-upload")
            rows.append(("minio", endpoint))
        print(f"\n== {args.upload_mb} MB upload through POST /api/v1/resources (loopback, werkzeug server) ==")
        for backend, endpoint in rows:
            raw = bench_storage.measure(f"{backend}-put-platform", storage_args, workdir, endpoint)
            up = measure_upload(args.upload_mb, backend, endpoint, workdir)
            ratio = up["mb_s"] / raw["mb_s"]
            print(f"  {backend:<6} upload {up['mb_s']:6.0f} MB/s ({up['seconds']:.1f} s) | raw backend put "
                  f"{raw['mb_s']:6.0f} MB/s | ratio {ratio:.2f} ({'met' if ratio >= 0.7 else 'MISSED'} ≥ 0.70) | "
                  f"server peak RSS growth {up['rss_growth_mib']:.1f} MiB "
                  f"({'met' if up['rss_growth_mib'] <= 64 else 'MISSED'} ≤ 64) on a base of {up['base_rss_mib']:.0f} MiB")
            shutil.rmtree(workdir / f"server-{backend}", ignore_errors=True)
    finally:
        if moto is not None:
            moto.terminate()
            moto.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--upload-mb", type=int, default=1024)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-minio", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--baseline", help="an older whoosh_backend.py to measure in the same run (search only)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="file", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.backend, args.endpoint)
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"resource library benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    if not args.skip_search:
        app = build_or_reuse(args.docs, args.rebuild)
        print(f"\n== search at {args.docs:,} resources ==")
        measure_search(app, args.runs, args.baseline)
    if not args.skip_upload:
        run_upload(args)
    rss = rlimit.getrusage(rlimit.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nbench process peak RSS {rss:.0f} MB; total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    sys.exit(main())

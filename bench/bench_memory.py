"""Memory per gunicorn worker: private and PSS of each warm worker with 1, 2 and 4 workers.

    python bench/bench_memory.py [--workers 1,2,4] [--requests 300] [--plain]
    bash .ci/with-postgres.sh .venv/bin/python bench/bench_memory.py --postgres

The demo platform of ``bench_pages.py`` (``bench/out/pages-<db>/``) under gunicorn (gthread, 4
threads), twice: ``plain`` — the command line without a config (the app imported in each worker,
jieba loaded lazily by each) — and ``deploy`` — with ``deploy/gunicorn.conf.py`` (the app, jieba's
dictionary and the read-only tables loaded in the master before fork, ``gc.freeze()``, the database
pools dropped in each child). Each server is warmed by requests spread over every worker (the
portal home and search, the 工作台 and the unified search of the demo teacher: jieba, templates,
the index), then ``/proc/<pid>/smaps_rollup`` is read for the master and each worker:

- ``private`` = Private_Clean + Private_Dirty (what one more worker adds),
- ``PSS`` (shared pages divided among the processes that map them; the sum is the real total).

The reference is a hello-world Flask app on the same settings (its workers' private memory is the
floor of a Python worker). Target: each additional platform worker ≤ 80 MB private.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_pages  # the demo platform, the servers, the login

DEPLOY_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def rollup(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name.strip()] = int(parts[0]) * 1024
    return values


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(x) for x in text)
    return sorted(found)


def hammer(port: int, paths: list[tuple[str, str]], total: int, connections: int = 8) -> None:
    """``total`` requests over fresh connections (so that gunicorn hands them to every worker)."""
    counter = [0]
    lock = threading.Lock()

    def run():
        while True:
            with lock:
                if counter[0] >= total:
                    return
                n = counter[0]
                counter[0] += 1
            path, cookie = paths[n % len(paths)]
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path, headers={"Cookie": cookie, "Connection": "close"})
            response = connection.getresponse()
            response.read()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def measure(label: str, app_spec: str, cwd: Path, env: dict, workers: int, config: Path | None,
            paths_for, base: Path, requests: int) -> dict:
    args = argparse.Namespace(workers=workers, threads=4, config=str(config) if config else None)
    process, port = bench_pages.start(app_spec, cwd, env, args, base / f"memory-{label}-{workers}.log")
    try:
        paths = paths_for(port)
        hammer(port, paths, requests)
        time.sleep(0.5)
        pids = children(process.pid)
        master = rollup(process.pid)
        per_worker = [rollup(pid) for pid in pids]
    finally:
        process.terminate()
        process.wait(timeout=60)
    private = [w["Private_Clean"] + w["Private_Dirty"] for w in per_worker]
    return {"label": label, "workers": len(pids), "master_rss": master["Rss"], "master_pss": master["Pss"],
            "private": private, "pss": [w["Pss"] for w in per_worker], "rss": [w["Rss"] for w in per_worker],
            "total_pss": master["Pss"] + sum(w["Pss"] for w in per_worker)}


def mb(value: float) -> str:
    return f"{value / 1e6:7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--requests", type=int, default=300, help="warm-up requests per server")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    database_url = None
    if args.postgres:
        database_url = os.environ.get("EDU_TEST_DATABASE_URL") or sys.exit("EDU_TEST_DATABASE_URL is not set")
    base = bench_pages.OUT_DIR / ("pages-postgresql" if database_url else "pages-sqlite")
    bench_pages.build(base, database_url, args.rebuild)
    env = bench_pages.flask_env(base, database_url)
    ref_dir = base / "hello"
    ref_dir.mkdir(exist_ok=True)
    (ref_dir / "hello_app.py").write_text(bench_pages.HELLO_APP)
    ref_env = dict(env, PYTHONPATH=str(ref_dir))

    def platform_paths(port):
        teacher = bench_pages.Browser(port)
        teacher.login("teacher")
        cookie = teacher.cookie_header()
        return [("/portal/", ""), ("/portal/search?q=%E5%AE%89%E5%85%A8", ""), ("/", cookie),
                ("/search?q=%E5%87%BD%E6%95%B0", cookie), ("/search?q=%E6%95%99%E5%AD%A6", cookie)]

    print(f"{'PostgreSQL' if database_url else 'SQLite'} demo platform; gunicorn gthread × 4 threads; "
          f"{args.requests} warm-up requests per server; reference: hello-world Flask on the same settings "
          f"({bench_pages.load()})")
    print(f"  {'server':34}{'workers':>8}{'master RSS':>11}{'worker RSS':>11}{'private':>9}{'PSS':>9}"
          f"{'total PSS':>10}   (MB; per worker: mean)")
    rows = []
    for workers in (int(x) for x in args.workers.split(",")):
        for label, spec, cwd, e, config in (
                ("hello-world", "hello_app:app", ref_dir, ref_env, None),
                ("hello-world + deploy config", "hello_app:app", ref_dir, ref_env, DEPLOY_CONFIG),
                ("platform, plain", "eduplatform:create_app()", ROOT, env, None),
                ("platform, deploy config", "eduplatform:create_app()", ROOT, env, DEPLOY_CONFIG)):
            paths = (lambda port: [("/", "")]) if spec.startswith("hello") else platform_paths
            r = measure(label.replace(" ", "-").replace(",", ""), spec, cwd, e, workers, config, paths, base,
                        args.requests)
            r["label"] = label
            rows.append(r)
            n = max(1, len(r["private"]))
            print(f"  {label:34}{r['workers']:8}{mb(r['master_rss'])}    {mb(sum(r['rss']) / n)}"
                  f"{mb(sum(r['private']) / n)}  {mb(sum(r['pss']) / n)}  {mb(r['total_pss'])}")
    print(f"\nper additional worker (private, max over workers), target ≤ 80 MB ({bench_pages.load()}):")
    for r in rows:
        if r["label"].startswith("platform") and r["private"]:
            print(f"  {r['label']:34}{r['workers']} workers: {max(r['private']) / 1e6:6.1f} MB "
                  f"{'met' if max(r['private']) <= 80e6 else 'MISSED'}")


if __name__ == "__main__":
    main()

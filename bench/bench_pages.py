"""Page throughput under gunicorn against a hello-world Flask page on the same server settings.

    python bench/bench_pages.py [--workers 2] [--threads 4] [--connections 16] [--seconds 10]
                                [--rounds 2] [--rebuild] [--config deploy/gunicorn.conf.py]
    bash .ci/with-postgres.sh .venv/bin/python bench/bench_pages.py --postgres   # on PostgreSQL

1. Builds (or reuses, under ``bench/out/pages-<db>/``) the demo platform: ``flask db upgrade`` and
   ``flask seed-demo`` (SQLite under the data dir, or the PostgreSQL database named by
   EDU_TEST_DATABASE_URL with ``--postgres``; that one is rebuilt on every run).
2. Starts the platform under gunicorn (gthread, ``--workers`` × ``--threads``) and, as the reference,
   a hello-world Flask app on the same settings (the same worker class, workers, threads, keep-alive).
3. Logs in through the real login form (CSRF token and all) as the demo teacher and the demo school
   administrator and loads, with ``wrk`` (``--connections`` keep-alive connections, 2 client threads,
   on the same 2-core machine), each page:
   - 工作台 ``/`` of the teacher;  the public portal home ``/portal/`` (anonymous);
   - the unified search ``/search?q=函数`` of the teacher;  a course page ``/courses/<id>`` of the teacher;
   - the report fill page ``/reporting/submissions/<id>`` of the school administrator.
   Runs alternate reference and page, ``--rounds`` times; printed: req/s, p50/p99 (wrk's latency
   distribution), and each page's throughput as a fraction of the reference's mean in the same run
   (the target is ≥ 1/8 = 0.125). The load average is printed before and after.

Needs ``wrk`` (Debian package ``wrk``). The figures are relative: client and servers share the cores.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(os.environ.get("EDU_BENCH_OUT") or ROOT / "bench" / "out")
PASSWORD = "Demo#2026edu"

HELLO_APP = '''
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/")
def hello():
    return "Hello, World!"
'''


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask_env(base: Path, database_url: str | None) -> dict:
    env = dict(os.environ, EDU_DATA_DIR=str(base), EDU_ENV="development", SECRET_KEY="bench-pages",
               PYTHONPATH=str(ROOT))
    if database_url:
        env["EDU_DATABASE_URL"] = database_url
    return env


def build(base: Path, database_url: str | None, rebuild: bool) -> None:
    marker = base / "seeded"
    if marker.exists() and not rebuild and not database_url:
        print(f"reusing the demo platform in {base} (--rebuild to rebuild it)")
        return
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    if database_url:
        import sqlalchemy as sa

        engine = sa.create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    flask = [str(Path(sys.executable).with_name("flask")), "--app", "eduplatform"]
    env = flask_env(base, database_url)
    t0 = time.perf_counter()
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    marker.write_text("ok")
    print(f"demo platform built in {time.perf_counter() - t0:.0f} s")


def start(app_spec: str, cwd: Path, env: dict, args, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(args.workers), "--threads",
               str(args.threads), "-k", "gthread", "-b", f"127.0.0.1:{port}", "--keep-alive", "75",
               "--log-level", "warning"]
    if args.config:
        command += ["-c", str(Path(args.config).resolve())]
    process = subprocess.Popen([*command, app_spec], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=open(log, "wb"))  # noqa: SIM115 - the process owns it
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start: {log.read_text()[-3000:]}")


class Browser:
    """A cookie-keeping client enough for the login form."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie_header()}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def login(self, username: str) -> None:
        _, _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        form = {"username": username, "password": PASSWORD}
        if token:
            form["csrf_token"] = token.group(1)
        status, _, _ = self.request("POST", "/login", form)
        if status not in (302, 303):
            raise SystemExit(f"login as {username} failed: {status}")


def ids(env: dict) -> tuple[int, int]:
    """A course of the demo teacher's and a submission of the demo school administrator's school."""
    script = (
        "import sqlalchemy as sa\n"
        "from eduplatform import create_app\n"
        "from eduplatform.core.extensions import db\n"
        "from eduplatform.accounts.models import User\n"
        "from eduplatform.courses.models import Course\n"
        "from eduplatform.reporting.models import Submission\n"
        "with create_app().app_context():\n"
        "    org = db.session.scalar(sa.select(User.org_id).where(User.username == 'school_admin'))\n"
        "    print(db.session.scalar(sa.select(Course.id).where(Course.status == 'published').order_by(Course.id)),\n"
        "          db.session.scalar(sa.select(Submission.id).where(Submission.school_id == org)))\n")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.split()
    return int(out[0]), int(out[1])


WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)


def wrk(port: int, path: str, cookie: str, args, seconds: float) -> tuple[float, float, float, int]:
    command = ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {q: float(v) * scale[u] for q, v, u in WRK_LATENCY.findall(out)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return rate, latency.get("50", float("nan")), latency.get("99", float("nan")), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--postgres", action="store_true", help="use EDU_TEST_DATABASE_URL (with-postgres.sh)")
    parser.add_argument("--config", help="a gunicorn config file for both servers (e.g. deploy/gunicorn.conf.py)")
    parser.add_argument("--only", help="comma-separated page names to run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    database_url = None
    if args.postgres:
        database_url = os.environ.get("EDU_TEST_DATABASE_URL") or sys.exit("EDU_TEST_DATABASE_URL is not set")
    base = OUT_DIR / ("pages-postgresql" if database_url else "pages-sqlite")
    build(base, database_url, args.rebuild)
    env = flask_env(base, database_url)
    course_id, submission_id = ids(env)
    ref_dir = base / "hello"
    ref_dir.mkdir(exist_ok=True)
    (ref_dir / "hello_app.py").write_text(HELLO_APP)
    platform, port = start("eduplatform:create_app()", ROOT, env, args, base / "platform.log")
    reference, ref_port = start("hello_app:app", ref_dir, dict(env, PYTHONPATH=str(ref_dir)), args,
                                base / "hello.log")
    try:
        teacher, admin = Browser(port), Browser(port)
        teacher.login("teacher")
        admin.login("school_admin")
        pages = [("工作台 /", "/", teacher), ("portal home", "/portal/", None),
                 ("search", "/search?q=%E5%87%BD%E6%95%B0", teacher),
                 ("course page", f"/courses/{course_id}", teacher),
                 ("report fill", f"/reporting/submissions/{submission_id}", admin)]
        if args.only:
            wanted = args.only.split(",")
            pages = [p for p in pages if any(w in p[0] for w in wanted)]
        for name, path, who in pages:
            status, _, _ = (who or Browser(port)).request("GET", path)
            if status != 200:
                raise SystemExit(f"{name} {path}: {status}")
        print(f"\n{'PostgreSQL' if database_url else 'SQLite'}; gunicorn gthread {args.workers} workers × "
              f"{args.threads} threads, wrk 2 threads × {args.connections} keep-alive connections, "
              f"{args.seconds:.0f} s per run; reference: hello-world Flask on the same settings ({load()})")
        print(f"  {'run':34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'÷ ref':>8}")
        summary = []
        for name, path, who in pages:
            cookie = who.cookie_header() if who else ""
            refs, mine = [], []
            for round_ in range(1, args.rounds + 1):
                wrk(ref_port, "/", "", args, 1)
                rate, p50, p99, errors = wrk(ref_port, "/", "", args, args.seconds)
                refs.append(rate)
                print(f"  {f'hello-world (round {round_})':34}{rate:9.0f}{p50:9.1f}{p99:9.1f}{errors:8}")
                wrk(port, path, cookie, args, 1)
                rate, p50, p99, errors = wrk(port, path, cookie, args, args.seconds)
                mine.append(rate)
                print(f"  {f'{name} (round {round_})':34}{rate:9.0f}{p50:9.1f}{p99:9.1f}{errors:8}"
                      f"{rate / refs[-1]:8.3f}")
            ratio = statistics.mean(mine) / statistics.mean(refs)
            summary.append((name, path, statistics.mean(mine), statistics.mean(refs), ratio))
        print(f"\nsummary ({load()}); target ≥ 0.125 of the reference")
        for name, path, rate, ref, ratio in summary:
            verdict = "met" if ratio >= 0.125 else "MISSED"
            print(f"  {name:14}{path:34}{rate:8.0f} req/s  reference {ref:6.0f}  ratio {ratio:.3f} "
                  f"(1/{ref / rate:.1f}) {verdict}")
    finally:
        for process in (platform, reference):
            process.terminate()
            process.wait(timeout=60)


if __name__ == "__main__":
    main()

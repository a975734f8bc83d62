"""Two app nodes the way production runs them: real gunicorn servers (2 workers each, started with
``deploy/gunicorn.conf.py``) on free loopback ports, sharing one database (a SQLite file, or a new
schema on the PostgreSQL test server), one real ``redis-server``, one file store and search index,
and the same ``SECRET_KEY``; a real nginx in front of both with the shipped site file
(``deploy/nginx/eduplatform.conf``, its paths and ports replaced). Each node has a data dir and a
metrics directory of its own, like a second machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import flask_migrate
import pytest
import requests
import sqlalchemy as sa

from eduplatform import ROOT_DIR, create_app
from eduplatform.core.extensions import db
from tests.fixtures.databases import module_database
from tests.fixtures.storage import free_port

PASSWORD = "Node#Pass2026"
TEACHERS = [f"tch{n}" for n in range(1, 7)]
SECRET = "cluster-secret-" + uuid.uuid4().hex


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/cluster/" in str(item.fspath):
            item.add_marker(pytest.mark.concurrency)


@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    with module_database(tmp_path_factory, "cluster") as url:
        yield url


@dataclass
class Shared:
    database: str
    storage: Path
    search: Path
    redis_url: str
    engine: sa.Engine = field(repr=False)

    def rows(self, statement: str, **params) -> list:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(statement), params).all()


@pytest.fixture(scope="module")
def shared(own_database, redis_server, tmp_path_factory):
    """The engines both nodes use, with a minimal city migrated and seeded."""
    import redis

    root = tmp_path_factory.mktemp("shared")
    storage, search = root / "objects", root / "search"
    redis_db = 15  # the session server's last database: the function-scoped ones cycle below it
    redis.Redis(host=redis_server["host"], port=redis_server["port"], db=redis_db).flushdb()
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": SECRET,
                      "DATA_DIR": str(root / "seed"), "SQLALCHEMY_DATABASE_URI": own_database,
                      "STORAGE_DIR": str(storage), "SEARCH_INDEX_DIR": str(search)})
    with app.app_context():
        from eduplatform.accounts import services as accounts
        from eduplatform.accounts.models import Role
        from eduplatform.orgs.models import OrgType, Stage
        from eduplatform.orgs.services import create_org_unit

        flask_migrate.upgrade()
        city = create_org_unit(None, code="3398000000", name="双节点市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="3398010000", name="北岸区教育局", type=OrgType.DISTRICT_BUREAU,
                                   parent=city)
        school = create_org_unit(None, code="3398010001", name="北岸区第一中学", type=OrgType.SCHOOL,
                                 parent=district, stages=[Stage.JUNIOR])
        for name in TEACHERS:
            accounts.create_user(None, username=name, display_name=f"教师{name}", org=school,
                                 roles={Role.TEACHER}, password=PASSWORD, must_change_password=False)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    engine = sa.create_engine(own_database)
    yield Shared(own_database, storage, search,
                 f"redis://{redis_server['host']}:{redis_server['port']}/{redis_db}", engine)
    engine.dispose()


class Node:
    """One app node: a gunicorn master and its workers, in a process group of their own."""

    def __init__(self, name: str, shared: Shared, root: Path, extra_env: dict | None = None):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = root
        self.metrics_dir = root / "metrics"
        self.log = root / "gunicorn.log"
        env = {**os.environ, "EDU_ENV": "development", "SECRET_KEY": SECRET, "EDU_DATA_DIR": str(root / "data"),
               "EDU_DATABASE_URL": shared.database, "EDU_STORAGE_DIR": str(shared.storage),
               "EDU_SEARCH_DIR": str(shared.search), "EDU_REDIS_URL": shared.redis_url,
               "EDU_PASSWORD_MAX_AGE_DAYS": "0", "EDU_TRUSTED_PROXIES": "1",
               "EDU_LOGIN_MAX_FAILURES": "5", "EDU_LOGIN_ADDRESS_MAX_FAILURES": "8",
               "EDU_DOWNLOAD_OFFLOAD": "x-accel", "EDU_DOWNLOAD_OFFLOAD_MIN_BYTES": "0",
               "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir), "PYTHONPATH": str(ROOT_DIR),
               **(extra_env or {})}
        env.pop("EDU_TEST_DATABASE_URL", None)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{self.port}",
                 "--timeout", "60", "-c", str(ROOT_DIR / "deploy" / "gunicorn.conf.py"),
                 "eduplatform:create_app()"],
                cwd=ROOT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"node {self.name} did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        for _ in range(8):  # both workers up before the test begins
            requests.get(f"{self.url}/healthz", timeout=10)

    def kill(self) -> None:
        """The machine goes away: SIGKILL to the master and its workers at once."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def errors_logged(self) -> list[str]:
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if re.match(r"^[\w.]+(Error|Exception)\b", line)]


@pytest.fixture(scope="module")
def nodes(shared, tmp_path_factory):
    started = [Node(name, shared, tmp_path_factory.mktemp(f"node-{name}")) for name in ("a", "b")]
    try:
        for node in started:
            node.wait_ready()
        yield started
    finally:
        for node in started:
            node.stop()


class Nginx:
    def __init__(self, url: str, conf: Path, log_dir: Path, proc: subprocess.Popen):
        self.url, self.conf, self.log_dir, self.proc = url, conf, log_dir, proc


def render_site(*, port: int, upstreams: list[str], storage: Path, static: Path, log_dir: Path) -> str:
    """The shipped nginx site with this test's ports and paths (and logs, pid in the test's dir)."""
    site = (ROOT_DIR / "deploy" / "nginx" / "eduplatform.conf").read_text(encoding="utf-8")
    site = re.sub(r"(?m)^\s*server 127\.0\.0\.1:8000[^\n]*\n",
                  "".join(f"    server {u} max_fails=1 fail_timeout=30s;\n" for u in upstreams), site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("listen [::]:80;", "")
    site = site.replace("/var/lib/eduplatform/objects/", f"{storage}/")
    site = site.replace("/opt/eduplatform/static/", f"{static}/")
    site = site.replace("/var/log/nginx/", f"{log_dir}/")
    return site


@pytest.fixture(scope="module")
def nginx(nodes, shared, tmp_path_factory):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.skip("nginx 未安装（make test 会安装 Debian 的 nginx-light）")
    root = tmp_path_factory.mktemp("nginx")
    port = free_port()
    site = render_site(port=port, upstreams=[n.url.removeprefix("http://") for n in nodes],
                       storage=shared.storage, static=ROOT_DIR / "static", log_dir=root)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / sub).mkdir()
    conf = root / "nginx.conf"
    # As root, nginx's workers would run as nobody, who cannot read pytest's private temp dirs.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    {site}
}}
""", encoding="utf-8")
    check = subprocess.run([binary, "-t", "-c", str(conf), "-p", str(root)], check=False, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(root)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{url}/healthz", timeout=5)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    try:
        yield Nginx(url, conf, root, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

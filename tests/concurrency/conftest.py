"""A real multi-process server (gunicorn, 2 workers × 8 threads) on a fresh database of its own.

The database is the module's own (a new SQLite file, or a new schema on the PostgreSQL test
server), migrated and given a minimal city: one district with ``SCHOOLS`` schools, a school
admin and a teacher in each, and a report task issued to all of them. The server is started the way
production runs it (``gunicorn 'eduplatform:create_app()'`` with ``EDU_`` variables) on a free port
and its own data dir, like the browser journeys' live server but in separate processes, so that
the database sees several connections from several processes at once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import flask_migrate
import pytest
import requests
import sqlalchemy as sa

from eduplatform import ROOT_DIR, create_app
from eduplatform.core.extensions import db
from tests.fixtures.databases import module_database
from tests.fixtures.storage import free_port

PASSWORD = "Rush#Pass2026"
#: 50 schools in the deadline rush, 8 more for the mixed-writes threads
RUSH_SCHOOLS = 50
SCHOOLS = RUSH_SCHOOLS + 8

DEFINITION = {"sections": [{"title": "基本情况", "fields": [
    {"code": "classes", "label": "教学班数", "type": "integer", "unit": "个", "required": True, "min": 0},
    {"code": "principal", "label": "校长姓名", "type": "text", "required": True, "max_length": 20},
]}]}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/concurrency/" in str(item.fspath):
            item.add_marker(pytest.mark.concurrency)


@dataclass
class School:
    code: str
    admin: str
    teacher: str
    submission_id: int
    version: int


@dataclass
class City:
    task_id: int
    schools: list[School] = field(default_factory=list)


def seed_city(app) -> City:
    """The minimal data of the rush, written through the services (audited like real data)."""
    from werkzeug.security import generate_password_hash

    from eduplatform.accounts import services as accounts
    from eduplatform.accounts.models import Role
    from eduplatform.core.db import utcnow
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit
    from eduplatform.reporting.services import submissions, tasks, templates

    one_hash = generate_password_hash(PASSWORD, method="scrypt")  # real scrypt at login, paid once here
    real_hash, accounts.hash_password = accounts.hash_password, lambda password: one_hash
    try:
        with app.app_context():
            flask_migrate.upgrade()
            city = create_org_unit(None, code="3399000000", name="示范市教育局", type=OrgType.CITY_BUREAU,
                                   parent=None)
            district = create_org_unit(None, code="3399010000", name="东湖区教育局",
                                       type=OrgType.DISTRICT_BUREAU, parent=city)
            staff, _ = accounts.create_user(None, username="city_staff", display_name="市局", org=city,
                                            roles={Role.BUREAU_STAFF}, password=PASSWORD,
                                            must_change_password=False)
            orgs = []
            for n in range(SCHOOLS):
                school = create_org_unit(None, code=f"33990101{n:02d}", name=f"东湖区第{n + 1}中学",
                                         type=OrgType.SCHOOL, parent=district, stages=[Stage.JUNIOR])
                for kind, role in (("admin", Role.SCHOOL_ADMIN), ("teacher", Role.TEACHER)):
                    accounts.create_user(None, username=f"s{n:02d}{kind}", display_name=f"{kind}{n}",
                                         org=school, roles={role}, password=PASSWORD,
                                         must_change_password=False)
                orgs.append(school)
            template = templates.create_template(staff, owner_org=city, code="rush", name="冲刺填报表",
                                                 definition=DEFINITION)
            version = templates.publish_draft(staff, template)
            task = tasks.issue_task(staff, issuer=city, version=version, title="截止前冲刺", period="2026",
                                    due_at=utcnow() + timedelta(days=7), lock_at=utcnow() + timedelta(days=9),
                                    instructions="", targets={"subtrees": [district.code]})
            db.session.commit()
            result = City(task_id=task.id)
            for n, school in enumerate(orgs):
                sub = submissions.submission_for(task, school)
                result.schools.append(School(school.code, f"s{n:02d}admin", f"s{n:02d}teacher", sub.id,
                                             sub.version))
            db.session.remove()
            db.engine.dispose()  # the server's processes open their own connections
    finally:
        accounts.hash_password = real_hash
    return result


class Server:
    def __init__(self, url: str, log: Path):
        self.url = url
        self.log = log

    def errors_logged(self) -> list[str]:
        """The exception line ending each traceback the server logged."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Deadlock\w*)\b", line)]


@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    """A database of the module's own (the server's): a new SQLite file, or a new PostgreSQL schema."""
    with module_database(tmp_path_factory, "rush") as url:
        yield url


@pytest.fixture(scope="module")
def city(own_database, tmp_path_factory) -> City:
    started = time.monotonic()
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "x",
                      "DATA_DIR": str(tmp_path_factory.mktemp("seed")), "SQLALCHEMY_DATABASE_URI": own_database})
    result = seed_city(app)
    print(f"\nseeded in {time.monotonic() - started:.1f} s")
    return result


class Database:
    """Reads what the server wrote, on a connection of the test's own."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url)

    def rows(self, statement: str, **params) -> list:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(statement), params).all()


@pytest.fixture(scope="module")
def database(own_database):
    db_ = Database(own_database)
    yield db_
    db_.engine.dispose()


@pytest.fixture(scope="module")
def server(own_database, city, tmp_path_factory):
    started = time.monotonic()
    port = free_port()
    data_dir = tmp_path_factory.mktemp("server")
    log = data_dir / "gunicorn.log"
    env = {**os.environ, "EDU_ENV": "development", "EDU_DATA_DIR": str(data_dir),
           "EDU_DATABASE_URL": own_database, "SECRET_KEY": "rush",
           "EDU_PASSWORD_MAX_AGE_DAYS": "0", "EDU_TRUSTED_PROXIES": "1"}  # as behind nginx
    env.pop("EDU_TEST_DATABASE_URL", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "8", "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "-c", str(ROOT_DIR / "deploy" / "gunicorn.conf.py"), "eduplatform:create_app()"],
            cwd=ROOT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        # both workers must be up before the rush, or the first requests wait for an import
        for _ in range(8):
            requests.get(f"{url}/healthz", timeout=10)
        print(f"\ngunicorn ready in {time.monotonic() - started:.1f} s")
        yield Server(url, log)
    finally:
        proc.send_signal(signal.SIGINT)  # quick shutdown: keep-alive clients need not be waited for
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

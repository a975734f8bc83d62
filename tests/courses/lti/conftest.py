"""The platform as a real server (gunicorn, its own database) and a real pylti1p3 tool beside it.

The database is the module's own (a new SQLite file, or a new schema on the PostgreSQL test server),
seeded through the services: a school with a teacher (the course's owner), two students (one enrolled)
and the system administrator. The platform runs as production does (``gunicorn
'eduplatform:create_app()'``); the tool is a Flask app on pylti1p3 in a thread of the test process.
"""

from __future__ import annotations

import html.parser
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import requests
import sqlalchemy as sa

from eduplatform import ROOT_DIR, create_app
from eduplatform.core.extensions import db
from tests.courses.lti.tool import Tool
from tests.fixtures.databases import module_database
from tests.fixtures.storage import free_port

PASSWORD = "Lti#Pass2026"


@pytest.fixture(autouse=True)
def _isolated():
    """These tests talk to servers over HTTP; the suite's per-test transaction is not theirs."""
    yield


@dataclass
class Seed:
    course_id: int
    chapter_id: int
    other_course_id: int
    other_chapter_id: int


@pytest.fixture(scope="module")
def own_database(tmp_path_factory):
    with module_database(tmp_path_factory, "lti") as url:
        yield url


@pytest.fixture(scope="module")
def seed(own_database, tmp_path_factory) -> Seed:
    from werkzeug.security import generate_password_hash

    from eduplatform.accounts import services as accounts
    from eduplatform.accounts.models import Role
    from eduplatform.courses import catalogue, enrolment, structure
    from eduplatform.courses.models import LessonKind
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit

    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "x",
                      "DATA_DIR": str(tmp_path_factory.mktemp("seed")), "SQLALCHEMY_DATABASE_URI": own_database})
    one_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    real_hash, accounts.hash_password = accounts.hash_password, lambda password: one_hash
    try:
        with app.app_context():
            flask_migrate.upgrade()
            city = create_org_unit(None, code="3399000000", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
            school = create_org_unit(None, code="3399010101", name="示范中学", type=OrgType.SCHOOL, parent=city,
                                     stages=[Stage.JUNIOR])
            users = {}
            for username, role, org in (("teacher", Role.TEACHER, school), ("student", Role.STUDENT, school),
                                        ("outsider", Role.STUDENT, school), ("admin", Role.SYSADMIN, city),
                                        ("schooladmin", Role.SCHOOL_ADMIN, school)):
                users[username], _ = accounts.create_user(None, username=username, display_name=f"{username}名",
                                                          org=org, roles={role}, password=PASSWORD,
                                                          email=f"{username}@example.cn", must_change_password=False)
            teacher = users["teacher"]
            ids = []
            for title in ("七年级数学：分数", "七年级数学：另一门课"):
                course = catalogue.create_course(teacher, {"title": title, "summary": "", "description": "",
                                                           "stage": "junior", "subject": "math", "grade": "g7"})
                chapter = structure.add_chapter(teacher, course, "第一章")
                structure.add_lesson(teacher, chapter, {"title": "导读", "kind": LessonKind.TEXT,
                                                        "body": "<p>导读</p>"})
                catalogue.publish_course(teacher, course)
                ids += [course.id, chapter.id]
            enrolment.enrol(users["student"], db.session.get(type(course), ids[0]))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        accounts.hash_password = real_hash
    return Seed(*ids)


class Database:
    def __init__(self, url: str):
        self.engine = sa.create_engine(url)

    def rows(self, statement: str, **params) -> list:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(statement), params).all()

    def execute(self, statement: str, **params) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(statement), params)


@pytest.fixture(scope="module")
def database(own_database, seed):
    found = Database(own_database)
    yield found
    found.engine.dispose()


@pytest.fixture(scope="module")
def platform(own_database, seed, tmp_path_factory):
    port = free_port()
    data_dir = tmp_path_factory.mktemp("platform")
    log = data_dir / "gunicorn.log"
    env = {**os.environ, "EDU_ENV": "development", "EDU_DATA_DIR": str(data_dir),
           "EDU_DATABASE_URL": own_database, "SECRET_KEY": "lti-platform", "EDU_PASSWORD_MAX_AGE_DAYS": "0",
           "EDU_TRUSTED_PROXIES": "1", "PYTHONPATH": str(ROOT_DIR)}
    env.pop("EDU_TEST_DATABASE_URL", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "8", "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "eduplatform:create_app()"], cwd=ROOT_DIR, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield Platform(url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


class Platform:
    def __init__(self, url: str, log: Path):
        self.url = url
        self.log = log
        self.sessions = 0

    def login(self, username: str) -> requests.Session:
        """A browser-like session logged in through the login page (CSRF token and all)."""
        self.sessions += 1
        http = requests.Session()
        http.headers["X-Forwarded-For"] = f"198.51.100.{self.sessions}"
        page = http.get(f"{self.url}/login", timeout=30)
        token = FormParser.parse(page.text).fields["csrf_token"]
        answer = http.post(f"{self.url}/login", data={"csrf_token": token, "username": username,
                                                      "password": PASSWORD}, timeout=30)
        assert answer.status_code == 200 and "/login" not in answer.url, answer.text[:500]
        return http

    def bearer(self, username: str) -> dict:
        answer = requests.post(f"{self.url}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                               headers={"X-Forwarded-For": "198.51.100.200"}, timeout=30)
        assert answer.status_code == 201, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture(scope="module")
def tool(platform):
    found = Tool(platform.url, free_port()).start()
    yield found
    found.stop()


class FormParser(html.parser.HTMLParser):
    """The first form of a page: its action and hidden fields (what a browser would submit)."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self._in_form = attrs.get("action"), True
        elif tag == "input" and self._in_form and attrs.get("name"):
            self.fields.setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False

    @classmethod
    def parse(cls, text: str) -> FormParser:
        parser = cls()
        parser.feed(text)
        return parser


def submit(http: requests.Session, page: requests.Response) -> requests.Response:
    """Do what the auto-submitting page's script does: POST its form to its action."""
    form = FormParser.parse(page.text)
    assert form.action, page.text[:500]
    return http.post(form.action, data=form.fields, timeout=60)

"""Two real nodes on loopback — the bureau's platform inside (政务内网) and the public site outside
(政务外网) — each a Flask app with its own database, storage and HTTP server, and nothing between
them but a directory the "ferry" is: ``ferry/out`` (内网→外网) and ``ferry/in`` (外网→内网).

SQLite: a database file per node. PostgreSQL (EDU_TEST_DATABASE_URL): a schema per node on the
test server, each app's connections confined to its own by ``search_path`` — two databases as far
as either app can tell."""

from __future__ import annotations

import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import flask_migrate
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from eduplatform import create_app
from eduplatform.core.extensions import db

KEY_OUT = "ferry-key-out-0123456789abcdef"
KEY_IN = "ferry-key-in-fedcba9876543210"


@dataclass
class Node:
    name: str
    app: object
    base: str = ""
    server: object = None
    thread: object = None
    schema: str | None = None
    sessions: dict = field(default_factory=dict)

    def start(self) -> None:
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def http(self, who: str = "public") -> requests.Session:
        if who not in self.sessions:
            self.sessions[who] = requests.Session()
        return self.sessions[who]

    def get(self, path, who="public", **kw):
        return self.http(who).get(self.base + path, allow_redirects=False, timeout=30, **kw)

    def post(self, path, who="public", **kw):
        return self.http(who).post(self.base + path, allow_redirects=False, timeout=60, **kw)

    def login(self, username: str, password: str) -> None:
        response = self.post("/login", who=username, data={"username": username, "password": password})
        assert response.status_code == 302, response.text[:500]

    def cli(self, *args) -> str:
        with self.app.app_context():  # the test's own app context is pushed already: the command would use it
            try:
                result = self.app.test_cli_runner().invoke(args=list(args))
            finally:
                db.session.remove()
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output

    def scalar(self, statement):
        with self.app.app_context():
            try:
                return db.session.scalar(statement)
            finally:
                db.session.remove()


def _database(tmp: Path, name: str) -> tuple[str, str | None]:
    url = os.environ.get("EDU_TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        schema = f"ferry_{name}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", schema
    return f"sqlite:///{tmp / f'{name}.db'}", None


def make_node(tmp: Path, name: str, role: str, *, outbox: Path, inbox: Path, **settings) -> Node:
    data = tmp / name
    data.mkdir()
    url, schema = _database(tmp, name)
    app = create_app({"ENV_NAME": "testing", "TESTING": False, "SECRET_KEY": f"secret-{name}",
                      "DATA_DIR": str(data), "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "PORTAL_NODE": role, "PORTAL_FERRY_OUTBOX": str(outbox), "PORTAL_FERRY_INBOX": str(inbox),
                      "PORTAL_FERRY_KEY_OUT": KEY_OUT, "PORTAL_FERRY_KEY_IN": KEY_IN, **settings})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    return Node(name, app, schema=schema)


def drop(node: Node) -> None:
    node.stop()
    with node.app.app_context():
        db.session.remove()
        db.engine.dispose()
    if node.schema:
        admin = sa.create_engine(os.environ["EDU_TEST_DATABASE_URL"])
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {node.schema} CASCADE"))
        admin.dispose()


def captcha_form(node: Node, path: str) -> dict:
    """The form's captcha token and its answer (read from the node's own table, as a person reads the picture)."""
    from eduplatform.core.captcha import CaptchaChallenge

    page = node.get(path)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="captcha_token" value="([^"]+)"', page.text).group(1)
    return {"captcha_token": token,
            "captcha": node.scalar(sa.select(CaptchaChallenge.answer).where(CaptchaChallenge.token == token))}

"""One demo platform for the security suites: a fresh SQLite database, migrated and seeded with
the project's own ``seed-demo``, shared by the authorization matrix and the crawl.

These suites do not use the per-test rolled-back session of ``tests/fixtures/app.py``: every request
commits for real (as in production), so that a write the platform should have refused shows up in
the database afterwards.
"""

from __future__ import annotations

import flask_migrate
import pytest

from eduplatform import create_app
from eduplatform.accounts.seed import DEMO_PASSWORD
from eduplatform.core.extensions import db
from tests.fixtures.app import IsolatedClient


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("security")
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "security-tests",
                      "DATA_DIR": str(data_dir), "WTF_CSRF_ENABLED": False,
                      "PROPAGATE_EXCEPTIONS": False,  # a server error is a 500 response here, as in production
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'demo.db'}"})
    app.test_client_class = IsolatedClient
    saved = db.session
    db.session = db._make_scoped_session({})  # a session per app context, on this app's engine
    try:
        with app.app_context():
            flask_migrate.upgrade()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    finally:
        db.session = saved
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo(demo_app):
    """Use ``demo_app``'s database in this test (the autouse fixture bound the session elsewhere)."""
    saved = db.session
    db.session = db._make_scoped_session({})
    try:
        yield demo_app
    finally:
        db.session = saved


def login(app, username: str):
    """A test client of ``app`` logged in as ``username`` (None: anonymous)."""
    client = app.test_client()
    if username is not None:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{username} could not log in: {response.status_code}"
    return client

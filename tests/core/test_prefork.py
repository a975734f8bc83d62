"""What the master of a pre-forking server loads and closes before the fork (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import gc
import os

import flask_migrate
import pytest
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.core import prefork
from eduplatform.core.extensions import db
from eduplatform.core.search import analysis


@pytest.fixture(scope="module")
def own_app(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("prefork")
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "prefork", "DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prefork.db'}"})
    saved = db.session
    db.session = db._make_scoped_session({})
    try:
        with app.app_context():
            flask_migrate.upgrade()
            db.session.execute(sa.text("select 1"))
            app.extensions["edu_search"].doc_count()  # opens the index
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        db.session = saved
        gc.unfreeze()


@pytest.mark.nodb
def test_the_master_loads_jieba_closes_connections_and_index_and_freezes(own_app):
    search = own_app.extensions["edu_search"]
    assert search._ix is not None
    with own_app.app_context():
        assert db.engine.pool.checkedin() >= 1
    prefork.prepare_for_fork(own_app)
    assert analysis._jieba_ready
    assert gc.get_freeze_count() > 0
    assert search._ix is None and search._searcher is None
    with own_app.app_context():
        assert db.engine.pool.checkedin() == 0  # no connection for a worker to inherit
    assert own_app.jinja_env.cache and len(own_app.jinja_env.cache) > 50  # templates compiled once


@pytest.mark.nodb
def test_a_forked_worker_opens_its_own_connection(own_app):
    prefork.prepare_for_fork(own_app)
    with own_app.app_context():
        db.session.execute(sa.text("select 1"))  # the master uses the pool again (e.g. a CLI hook)
        db.session.remove()
        parent_connection = db.engine.pool.checkedin()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read)
        try:
            prefork.after_fork(own_app)
            with own_app.app_context():
                fresh = db.engine.pool.checkedin() == 0
                value = db.session.scalar(sa.text("select count(*) from users"))
                db.session.remove()
            os.write(write, f"{fresh} {value}".encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    answer = os.read(read, 100).decode()
    os.close(read)
    assert os.WEXITSTATUS(status) == 0
    assert answer == "True 0"
    with own_app.app_context():
        assert db.engine.pool.checkedin() == parent_connection  # dispose(close=False) left the master's alone
        assert db.session.scalar(sa.text("select 1")) == 1

"""SQLite's one-writer rule: a transaction that read and then writes must not fail when another
connection committed in between (SQLITE_BUSY_SNAPSHOT) — ``core/db.py`` decides how it begins."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import eduplatform.core.db  # noqa: F401  (installs the engine listeners)

pytestmark = pytest.mark.nodb  # its own SQLite files; not about the suite's database


@pytest.fixture
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'two.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE tally (id INTEGER PRIMARY KEY, who TEXT)"))
        conn.execute(sa.text("INSERT INTO tally (who) VALUES ('seed')"))
    yield engine
    engine.dispose()


def _whos(engine) -> list[str]:
    with engine.connect() as conn:
        return [w for (w,) in conn.execute(sa.text("SELECT who FROM tally ORDER BY id"))]


def test_write_after_a_stale_read_waits_instead_of_failing(engine):
    """A reads in its transaction, B commits a write, A writes: both writes are kept."""
    with Session(engine) as a, Session(engine) as b:
        assert a.execute(sa.text("SELECT count(*) FROM tally")).scalar() == 1  # A's snapshot
        b.execute(sa.text("INSERT INTO tally (who) VALUES ('b')"))
        b.commit()
        a.execute(sa.text("INSERT INTO tally (who) VALUES ('a')"))  # was: database is locked (BUSY_SNAPSHOT)
        a.commit()
    assert _whos(engine) == ["seed", "b", "a"]


def test_write_waits_for_the_writer_holding_the_lock(engine):
    """A read, then B takes the writer lock and holds it a while: A's first write waits its turn."""
    with Session(engine) as a:
        a.execute(sa.text("SELECT count(*) FROM tally")).scalar()
        b_has_lock = threading.Event()

        def b():
            with Session(engine) as b:
                b.execute(sa.text("INSERT INTO tally (who) VALUES ('b')"))
                b_has_lock.set()
                time.sleep(0.3)
                b.commit()

        thread = threading.Thread(target=b)
        thread.start()
        b_has_lock.wait(5)
        a.execute(sa.text("INSERT INTO tally (who) VALUES ('a')"))  # was: database is locked, at once
        a.commit()
        thread.join(5)
    assert _whos(engine) == ["seed", "b", "a"]


def test_reads_alone_take_no_writer_lock(engine):
    """A transaction that only reads does not block a writer (WAL: readers never wait)."""
    with Session(engine) as a, Session(engine) as b:
        a.execute(sa.text("SELECT count(*) FROM tally")).scalar()
        started = time.monotonic()
        b.execute(sa.text("INSERT INTO tally (who) VALUES ('b')"))
        b.commit()
        assert time.monotonic() - started < 1
        assert a.execute(sa.text("SELECT count(*) FROM tally")).scalar() == 1  # A keeps its snapshot
    assert _whos(engine) == ["seed", "b"]


def test_select_for_update_after_a_stale_read_sees_the_latest_row(engine):
    """SQLite has no FOR UPDATE: the select starts the write there, so it reads what B committed."""
    tally = sa.table("tally", sa.column("id"), sa.column("who"))
    with Session(engine) as a, Session(engine) as b:
        assert a.execute(sa.select(tally.c.who).where(tally.c.id == 1)).scalar() == "seed"
        b.execute(sa.text("UPDATE tally SET who = 'b' WHERE id = 1"))
        b.commit()
        locked = a.execute(sa.select(tally.c.who).where(tally.c.id == 1).with_for_update()).scalar()
        assert locked == "b"  # a deferred snapshot would still say "seed"
        a.execute(sa.text("UPDATE tally SET who = who || '+a' WHERE id = 1"))
        a.commit()
    assert _whos(engine) == ["b+a"]


def test_savepoint_after_a_stale_read(engine):
    """A nested transaction (SAVEPOINT) after reading: the writes inside it wait, they do not fail."""
    with Session(engine) as a, Session(engine) as b:
        a.execute(sa.text("SELECT count(*) FROM tally")).scalar()
        b.execute(sa.text("INSERT INTO tally (who) VALUES ('b')"))
        b.commit()
        with a.begin_nested():
            a.execute(sa.text("INSERT INTO tally (who) VALUES ('a')"))
        a.commit()
    assert _whos(engine) == ["seed", "b", "a"]


@pytest.mark.parametrize(("statement", "writes"), [
    ("SELECT 1", False), ("  select * from t", False), ("PRAGMA foreign_key_check", False),
    ("WITH x AS (SELECT 1) SELECT * FROM x", False), ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", True),
    ("INSERT INTO t VALUES (1)", True), ("UPDATE t SET a = 1", True), ("DELETE FROM t", True),
    ("SAVEPOINT sa_savepoint_1", True), ("CREATE TABLE t (a)", True), ("/* c */ DELETE FROM t", True),
])
def test_statement_kinds(statement, writes):
    from eduplatform.core.db import statement_writes

    assert statement_writes(statement) is writes

"""The tamper-evident chain: sealed after commit, verified, and tampering with the database shows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from eduplatform.audit import chain
from eduplatform.audit.models import AuditChainLink, AuditEntry
from eduplatform.audit.services import record
from eduplatform.core.extensions import db

DROP = {
    "sqlite": {"audit_entries": ["DROP TRIGGER audit_entries_no_update", "DROP TRIGGER audit_entries_no_delete"],
               "audit_chain": ["DROP TRIGGER audit_chain_no_update", "DROP TRIGGER audit_chain_no_delete"]},
    "postgresql": {"audit_entries": ["ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"],
                   "audit_chain": ["ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_no_change"]},
}


def as_attacker(table: str, statement: str, **params) -> None:
    """Change the table as someone with database access would: triggers off, raw SQL (all inside
    the test's transaction, rolled back afterwards)."""
    for ddl in DROP[db.engine.dialect.name][table]:
        db.session.execute(sa.text(ddl))
    db.session.execute(sa.text(statement), params)


def verify():
    return chain.verify(db.session.connection())


@pytest.fixture
def entries(people):
    made = [record("test", "thing.done", f"第{i}件事", actor=people.teacher_a1, data={"n": i, "x": [1.5, "二"]})
            for i in range(5)]
    db.session.commit()
    return made


def test_entries_are_sealed_after_commit_and_verify(entries):
    links = db.session.execute(sa.select(AuditChainLink).order_by(AuditChainLink.seq)).scalars().all()
    sealed = {link.entry_id for link in links}
    assert {e.id for e in entries} <= sealed
    assert [link.seq for link in links] == list(range(1, len(links) + 1))
    report = verify()
    assert report.ok, report.problems
    assert report.unsealed == 0 and report.links == len(links) and report.head_hash == links[-1].hash


def test_a_rolled_back_entry_is_never_sealed(people):
    record("test", "thing.done", "回滚", actor=people.teacher_a1)
    db.session.flush()
    db.session.rollback()
    assert verify().ok


def test_an_edited_entry_is_reported(entries):
    target = entries[2]
    as_attacker("audit_entries", "UPDATE audit_entries SET summary = '改过' WHERE id = :id", id=target.id)
    report = verify()
    assert not report.ok
    assert f"审计记录 #{target.id}" in report.problems[0] and "内容被修改" in report.problems[0]


def test_an_edited_detail_is_reported(entries):
    target = entries[0]
    as_attacker("audit_entries", "UPDATE audit_entries SET actor_name = 'someone' WHERE id = :id", id=target.id)
    assert f"#{target.id}" in verify().problems[0]


def test_a_deleted_entry_is_reported(entries):
    target = entries[3]
    as_attacker("audit_entries", "DELETE FROM audit_entries WHERE id = :id", id=target.id)
    report = verify()
    assert f"审计记录 #{target.id} 已被删除" in report.problems[0]


def test_a_deleted_or_rewritten_link_is_reported(entries):
    link = db.session.execute(sa.select(AuditChainLink).where(AuditChainLink.entry_id == entries[1].id)).scalar_one()
    seq = link.seq
    nested = db.session.begin_nested()
    as_attacker("audit_chain", "DELETE FROM audit_chain WHERE seq = :seq", seq=seq)
    assert f"第 {seq} 条链接缺失" in verify().problems[0]
    nested.rollback()
    # Rewriting the entry and its link's entry hash does not help without the key.
    nested = db.session.begin_nested()
    as_attacker("audit_entries", "UPDATE audit_entries SET summary = '改过' WHERE id = :id", id=entries[1].id)
    changed = db.session.execute(sa.select(*AuditEntry.__table__.columns).where(AuditEntry.id == entries[1].id)).mappings().one()
    as_attacker("audit_chain", "UPDATE audit_chain SET entry_hash = :h WHERE seq = :seq",
                h=chain.entry_hash(changed), seq=seq)
    assert f"第 {seq} 条链接被修改" in verify().problems[0]
    nested.rollback()


def test_the_chain_tables_refuse_changes(entries):
    from sqlalchemy.exc import DatabaseError

    for statement in ("UPDATE audit_chain SET hash = 'x'", "DELETE FROM audit_chain",
                      "DELETE FROM audit_entries"):
        nested = db.session.begin_nested()
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        nested.rollback()


def test_entries_committed_out_of_order_are_all_sealed(people):
    """A bulk write (or a transaction that commits late) leaves entries behind the chain's end:
    the periodic sealer takes them, in id order, and the chain verifies."""
    rows = [{"created_at": datetime(2026, 1, 1) + timedelta(seconds=i), "realm": "test", "kind": "thing.done",
             "summary": f"批量{i}", "data": {}} for i in range(1200)]
    db.session.execute(sa.insert(AuditEntry), rows)  # Core: no after-commit sealing is asked for
    db.session.commit()
    assert verify().unsealed >= 1200
    chain.seal(db.session.connection())
    report = verify()
    assert report.ok and report.unsealed == 0


def test_cli_verify_reports_the_first_broken_link(app, entries):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit-verify"])
    assert ok.exit_code == 0, ok.output
    assert "审计链完整" in ok.output and "未封存记录 0 条" in ok.output
    as_attacker("audit_entries", "UPDATE audit_entries SET kind = 'x' WHERE id = :id", id=entries[4].id)
    broken = runner.invoke(args=["audit-verify"])
    assert broken.exit_code == 1
    assert f"审计记录 #{entries[4].id}" in broken.output

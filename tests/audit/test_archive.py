"""Retention: old entries leave only into a signed archive, which verifies; the chain goes on."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlalchemy as sa

from eduplatform.audit import chain
from eduplatform.audit.models import AuditArchive, AuditEntry
from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.templating import LOCAL_TZ


def _local_date(days_ago: int) -> str:
    """`--before` is a date on the bureau's calendar (Asia/Shanghai), not UTC's: from 16:00 UTC on
    the two differ by a day, which is what a date computed in UTC got wrong."""
    return (datetime.now(LOCAL_TZ).date() - timedelta(days=days_ago)).strftime("%Y-%m-%d")


def _old_and_new_entries(old: int = 300, new: int = 5):
    start = utcnow() - timedelta(days=400)
    db.session.execute(sa.insert(AuditEntry), [
        {"created_at": start + timedelta(minutes=i), "realm": "test", "kind": "thing.done", "summary": f"旧{i}",
         "data": {"i": i}} for i in range(old)])
    db.session.commit()
    chain.seal(db.session.connection())
    for i in range(new):
        record("test", "thing.done", f"新{i}")
    db.session.commit()


def test_archive_verify_and_the_rest_still_verifies(app, tmp_path):
    _old_and_new_entries()
    runner = app.test_cli_runner()
    before = _local_date(200)
    result = runner.invoke(args=["audit-archive", "--before", before, "--out", str(tmp_path / "arch")])
    assert result.exit_code == 0, result.output
    assert "已归档 300 条" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.summary.like("旧%"))) == 0
    archive = db.session.execute(sa.select(AuditArchive)).scalar_one()
    assert (archive.first_seq, archive.last_seq, archive.entry_count) == (1, 300, 300)
    # The export verifies on its own …
    files = sorted((tmp_path / "arch").iterdir())
    jsonl = next(f for f in files if f.suffix == ".jsonl")
    ok = runner.invoke(args=["audit-verify", "--archive", str(jsonl)])
    assert ok.exit_code == 0 and "归档文件完整：300 条" in ok.output, ok.output
    # … and so does what is left, continuing from the archive's head (the archiving is audited too).
    rest = runner.invoke(args=["audit-verify"])
    assert rest.exit_code == 0 and "审计链完整" in rest.output, rest.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "archive.created")) == 1
    # An edited archive line is caught.
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    item = json.loads(lines[10])
    item["entry"]["summary"] = "改过"
    lines[10] = json.dumps(item, ensure_ascii=False, sort_keys=True)
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = runner.invoke(args=["audit-verify", "--archive", str(jsonl)])
    assert bad.exit_code == 1 and "第 11 行" in bad.output, bad.output


def test_young_entries_are_never_archived(app, tmp_path):
    _old_and_new_entries(old=3)
    runner = app.test_cli_runner()
    for days in (0, 179):
        before = _local_date(days)
        refused = runner.invoke(args=["audit-archive", "--before", before, "--out", str(tmp_path)])
        assert refused.exit_code != 0 and "至少保存 180 天" in refused.output, refused.output
    app.config["AUDIT_RETENTION_DAYS"] = 30  # configured lower: the legal 180 days still hold
    try:
        before = _local_date(100)
        refused = runner.invoke(args=["audit-archive", "--before", before, "--out", str(tmp_path)])
        assert refused.exit_code != 0 and "至少保存 180 天" in refused.output
    finally:
        app.config["AUDIT_RETENTION_DAYS"] = 180
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 8
    assert not list(tmp_path.glob("*.jsonl"))


def test_the_limit_is_counted_on_the_bureaus_calendar_in_the_utc_evening(app, tmp_path, monkeypatch):
    """At 16:30 UTC it is already tomorrow in Shanghai: the day 180 local days back may go, 179 may not."""
    from eduplatform.audit import archive

    evening = datetime(2026, 12, 2, 16, 30)  # naive UTC, = 2026-12-03 00:30 in Shanghai
    monkeypatch.setattr(archive, "utcnow", lambda: evening)
    _old_and_new_entries(old=3)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["audit-archive", "--before", "2026-06-07", "--out", str(tmp_path)])
    assert refused.exit_code != 0 and "至少保存 180 天" in refused.output, refused.output
    allowed = runner.invoke(args=["audit-archive", "--before", "2026-06-06", "--out", str(tmp_path)])
    assert allowed.exit_code == 0 and "已归档 3 条" in allowed.output, allowed.output


def test_a_forged_archive_record_does_not_excuse_a_deletion(app, tmp_path):
    """Someone with database access inserts an archive record to let the trigger delete entries."""
    _old_and_new_entries(old=3, new=1)
    db.session.execute(sa.insert(AuditArchive.__table__).values(
        created_at=utcnow(), before=datetime(2030, 1, 1), first_seq=1, last_seq=2, entry_count=2,
        head_hash="f" * 64, file_name="x.jsonl", file_sha256="0" * 64, signature="0" * 64))
    db.session.execute(sa.text("DELETE FROM audit_entries WHERE id IN (SELECT entry_id FROM audit_chain WHERE seq <= 2)"))
    report = chain.verify(db.session.connection())
    assert not report.ok and "签名不符" in report.problems[0]

"""The platform commands: seed-demo, create-user, reindex, check."""

from __future__ import annotations

import io

from eduplatform.accounts.models import Role, User
from eduplatform.core.extensions import db
from eduplatform.core.search.base import SearchQuery
from eduplatform.core.storage.services import store_file
from eduplatform.orgs.models import OrgUnit


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_seed_demo_is_idempotent_and_prints_accounts(app):
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "演示账户" in first.output and "teacher" in first.output
    users, orgs = count(User), count(OrgUnit)
    assert orgs >= 9 and users >= 10
    schools = db.session.scalars(db.select(OrgUnit).where(OrgUnit.type == "school")).all()
    assert len(schools) == 6
    assert len({tuple(s.stages) for s in schools}) >= 4  # different 学段
    second = run(app, "seed-demo")
    assert second.exit_code == 0, second.output
    assert (count(User), count(OrgUnit)) == (users, orgs)
    assert "新建 0 个" in second.output


def test_create_user_command(app, tree):
    result = run(app, "create-user", "auditor2", "--password", "Audit#Pass2026", "--role", "auditor",
                 "--org", tree.city.code)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.username == "auditor2"))
    assert user.roles == {Role.AUDITOR} and user.must_change_password is True
    weak = run(app, "create-user", "weakling", "--password", "123456", "--role", "teacher", "--org",
               tree.school_a1.code)
    assert weak.exit_code != 0 and "密码" in weak.output
    bad_role = run(app, "create-user", "xy9", "--password", "Good#Pass2026", "--role", "wizard")
    assert bad_role.exit_code != 0 and "wizard" in bad_role.output
    bad_org = run(app, "create-user", "xy9", "--password", "Good#Pass2026", "--role", "teacher", "--org", "NOPE")
    assert bad_org.exit_code != 0 and "NOPE" in bad_org.output
    mixed = run(app, "create-user", "xy9", "--password", "Good#Pass2026", "--role", "secadmin", "--role",
                "teacher", "--org", tree.school_a1.code)
    assert mixed.exit_code != 0 and "三员分立" in mixed.output


def test_reindex_rebuilds_from_the_database(app, search, tree):
    search.clear()
    assert search.search(SearchQuery(text="实验小学")).total == 0
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert f"已索引 {count(OrgUnit)} 条文档" in result.output
    hits = search.search(SearchQuery(text="实验小学", kinds=["org"])).hits
    assert [hit.title for hit in hits] == [tree.school_a1.name]


def test_check_reports_orphans_both_ways(app, storage, search, tree, people):
    clean = run(app, "check")
    assert clean.exit_code == 0, clean.output
    assert "一致" in clean.output
    stored = store_file(io.BytesIO(b"hello"), prefix="test", filename="a.txt", content_type="text/plain")
    db.session.commit()
    storage.put("test/2026/01/orphan.bin", io.BytesIO(b"orphan"))
    storage.delete(stored.key)
    search.delete([f"org:{tree.school_a1.id}"])
    from eduplatform.core.search.base import SearchDocument

    search.index([SearchDocument(kind="org", object_id=999999, title="幽灵学校")])
    result = run(app, "check")
    assert result.exit_code == 1
    assert "（孤立对象）：1" in result.output and "test/2026/01/orphan.bin" in result.output
    assert "文件丢失）：1" in result.output and stored.key in result.output
    assert "org:999999" in result.output
    assert f"org:{tree.school_a1.id}" in result.output


def test_check_reports_stale_temporaries_and_repair_removes_them(app, storage, search, tree):
    """A killed upload's ``.tmp/*.part`` made `check` say 一致 before; now it is listed and repaired."""
    import os
    import time

    storage.tmp_dir.mkdir(exist_ok=True)
    part = storage.tmp_dir / "put-killed.part"
    part.write_bytes(b"x" * 4096)
    fresh = run(app, "check")
    assert fresh.exit_code == 0, fresh.output  # younger than 24 h: maybe still under way
    assert "进行中的上传" in fresh.output and "put-killed.part" in fresh.output

    from eduplatform.audit.models import AuditEntry

    def repairs() -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.kind == "storage.repaired"))

    repairs_before = repairs()
    two_days_ago = time.time() - 48 * 3600
    os.utime(part, (two_days_ago, two_days_ago))
    orphan = "test/2026/01/left-by-a-crash.bin"
    storage.put(orphan, io.BytesIO(b"orphan"))
    os.utime(storage.root / orphan, (two_days_ago, two_days_ago))
    young_orphan = "test/2026/01/just-written.bin"
    storage.put(young_orphan, io.BytesIO(b"young"))
    stale = run(app, "check")
    assert stale.exit_code == 1
    assert "过期的临时文件或未完成的分片上传（超过 24 小时" in stale.output
    assert ".tmp/put-killed.part" in stale.output and "4096 字节" in stale.output

    repaired = run(app, "check", "--repair")
    assert "已清理：2" in repaired.output, repaired.output
    assert not part.exists() and not storage.exists(orphan)
    assert storage.exists(young_orphan)  # too young to be sure it is an orphan
    assert repaired.exit_code == 1 and young_orphan in repaired.output

    zero = run(app, "check", "--repair", "--older-than-hours", "0")
    assert "已清理：1" in zero.output and not storage.exists(young_orphan)
    assert zero.exit_code == 0 and zero.output.rstrip().endswith("一致")
    assert repairs() - repairs_before == 2

"""The restore drill: back up the demo platform, wipe it (database, objects, index), restore, and
`flask check` reports 一致 with every row, object and indexed document back. Runs on SQLite and on the
PostgreSQL test server (pg_dump / pg_restore of the test's own schema)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.search.registry import get_search
from eduplatform.core.storage.registry import get_storage

TABLES = ("users", "org_units", "resources", "stored_files", "courses", "audit_entries", "report_submissions", "process_instances")


def cli(app, *args: str, input: str | None = None):
    """Inside the app's own context: the test's autouse context belongs to the shared test app."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=input)


def _state() -> dict:
    counts = {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    storage = get_storage()
    objects = {key: hashlib.sha256(b"".join(storage.open(key))).hexdigest() for key in storage.iter_keys()}
    return {"counts": counts, "objects": objects, "indexed": get_search().uids()}


def test_back_up_wipe_restore_and_check_says_consistent(separate_app, tmp_path):
    assert cli(separate_app, "seed-demo").exit_code == 0
    with separate_app.app_context():
        before = _state()
    assert before["counts"]["resources"] > 0 and before["objects"] and before["indexed"]

    path = tmp_path / "platform.backup"
    made = cli(separate_app, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert f"存储对象：{len(before['objects'])} 个" in made.output
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert {"manifest.json"} | {f"objects/{k}" for k in before["objects"]} <= names
    again = cli(separate_app, "backup", str(path))
    assert again.exit_code != 0 and "已存在" in again.output

    with separate_app.app_context():  # the disaster: every table, every object, the index
        storage = get_storage()
        for key in list(storage.iter_keys()):
            storage.delete(key)
        get_search().clear()
        if db.engine.dialect.name == "postgresql":
            schema = db.session.execute(sa.text("SELECT current_schema()")).scalar()
            db.session.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            db.session.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        else:
            db.metadata.drop_all(db.engine)
            db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()
        assert not list(get_storage().iter_keys()) and not get_search().uids()

    refused = cli(separate_app, "restore", str(path), input="n\n")
    assert refused.exit_code != 0
    restored = cli(separate_app, "restore", str(path), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"已重建索引：{len(before['indexed'])} 条文档" in restored.output

    checked = cli(separate_app, "check", "--deep")
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip().splitlines()[-1] == "一致"
    with separate_app.app_context():
        assert _state() == before


def test_a_tampered_backup_is_refused_before_anything_changes(separate_app, tmp_path):
    with separate_app.app_context():
        from eduplatform.core.storage.services import store_file

        store_file(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), prefix="test", filename="a.png",
                   content_type="image/png", actor=None)
        db.session.commit()
        before = _state()
    path = tmp_path / "platform.backup"
    assert cli(separate_app, "backup", str(path)).exit_code == 0
    tampered = tmp_path / "tampered.backup"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("objects/"):
                data = data[:-1] + b"1"
            out.writestr(info, data)
    result = cli(separate_app, "restore", str(tampered), "--yes")
    assert result.exit_code != 0 and "校验和不符" in result.output
    with separate_app.app_context():
        assert _state() == before

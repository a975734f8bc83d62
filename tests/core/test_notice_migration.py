"""The migration to one notice inbox: rows of both old inboxes (workflow_notices, report_notices),
read and unread, move into ``notices`` and back — on SQLite and on PostgreSQL (EDU_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit
from eduplatform.reporting.models import ReportTask, ReportTemplate
from eduplatform.reporting.models.templates import TemplateVersion
from eduplatform.workflow.models import ProcessDefinition, ProcessInstance, WorkflowTask

PREVIOUS = "e909778ae7a8"
T0 = datetime(2026, 11, 30, 2, 0)
READ = T0 + timedelta(hours=3)


def _seed() -> dict:
    city = create_org_unit(None, code="N0", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
    school = create_org_unit(None, code="N1", name="示范小学", type=OrgType.SCHOOL, parent=city)
    teacher, _ = create_user(None, username="n_teacher", display_name="迁移教师", roles={Role.TEACHER}, org=school,
                             password="Migr#Pass2026", must_change_password=False)
    admin, _ = create_user(None, username="n_admin", display_name="迁移管理员", roles={Role.SCHOOL_ADMIN},
                           org=school, password="Migr#Pass2026", must_change_password=False)
    definition = ProcessDefinition(key="p", version=1, name="流程", checksum="x", source="key: p")
    instance = ProcessInstance(definition=definition, process_key="p", org_id=school.id, title="一件事", state="a")
    task = WorkflowTask(instance=instance, state="a")
    template = ReportTemplate(code="N-T", name="统计表", owner_org_id=city.id)
    version = TemplateVersion(template=template, number=1)
    report = ReportTask(title="2026年统计", period="2026", template_version=version, issuer_org_id=city.id,
                        due_at=T0 + timedelta(days=9), lock_at=T0 + timedelta(days=10))
    db.session.add_all([definition, instance, task, template, version, report])
    db.session.flush()
    wf = sa.table("workflow_notices", *(sa.column(c) for c in (
        "user_id", "kind", "title", "body", "instance_id", "task_id", "created_at", "read_at")))
    rep = sa.table("report_notices", *(sa.column(c) for c in (
        "org_id", "user_id", "kind", "title", "body", "link", "task_id", "created_at", "read_at", "read_by_id")))
    db.session.execute(wf.insert(), [
        {"user_id": teacher.id, "kind": "task", "title": "新待办：一件事", "body": "", "instance_id": instance.id,
         "task_id": task.id, "created_at": T0, "read_at": None},
        {"user_id": teacher.id, "kind": "completed", "title": "课程已完成：物理", "body": "得分 90",
         "instance_id": None, "task_id": None, "created_at": T0 + timedelta(hours=1), "read_at": READ},
    ])
    db.session.execute(rep.insert(), [
        {"org_id": school.id, "user_id": None, "kind": "task", "title": "新的填报任务：2026年统计", "body": "请填报",
         "link": f"/reporting/tasks/{report.id}", "task_id": report.id, "created_at": T0, "read_at": READ,
         "read_by_id": admin.id},
        {"org_id": school.id, "user_id": admin.id, "kind": "notice", "title": "只给管理员", "body": "",
         "link": "", "task_id": None, "created_at": T0 + timedelta(hours=2), "read_at": None, "read_by_id": None},
    ])
    db.session.commit()
    return {"teacher": teacher.id, "admin": admin.id, "school": school.id, "instance": instance.id,
            "task": task.id, "report": report.id}


def _old_rows():
    wf = db.session.execute(sa.text(
        "SELECT user_id, kind, title, body, instance_id, task_id, created_at, read_at FROM workflow_notices"
        " ORDER BY created_at, title")).all()
    rep = db.session.execute(sa.text(
        "SELECT org_id, user_id, kind, title, body, link, task_id, created_at, read_at, read_by_id"
        " FROM report_notices ORDER BY created_at, title")).all()
    return [tuple(r) for r in wf], [tuple(r) for r in rep]


def test_both_old_inboxes_move_into_one_and_back(blank_app):
    with blank_app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS)
        ids = _seed()
        before = _old_rows()
        assert len(before[0]) == 2 and len(before[1]) == 2
        db.session.remove()

        flask_migrate.upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert "notices" in tables and not {"workflow_notices", "report_notices"} & tables
        rows = db.session.execute(sa.text(
            "SELECT realm, kind, org_id, user_id, title, body, link, object_type, object_id, task_id, created_at,"
            " read_at, read_by_id FROM notices ORDER BY created_at, title")).all()
        as_dt = lambda v: v if v is None or isinstance(v, datetime) else datetime.fromisoformat(str(v))
        got = {(r.realm, r.title): (r.kind, r.org_id, r.user_id, r.body, r.link, r.object_type, r.object_id,
                                    r.task_id, as_dt(r.created_at), as_dt(r.read_at), r.read_by_id) for r in rows}
        assert got == {
            ("workflow", "新待办：一件事"): ("task", None, ids["teacher"], "", "", "process_instance", ids["instance"],
                                       ids["task"], T0, None, None),
            ("courses", "课程已完成：物理"): ("completed", None, ids["teacher"], "得分 90", "", None, None, None,
                                        T0 + timedelta(hours=1), READ, ids["teacher"]),
            ("reporting", "新的填报任务：2026年统计"): ("task", ids["school"], None, "请填报",
                                              f"/reporting/tasks/{ids['report']}", "report_task", ids["report"],
                                              None, T0, READ, ids["admin"]),
            ("reporting", "只给管理员"): ("notice", ids["school"], ids["admin"], "", "", None, None, None,
                                     T0 + timedelta(hours=2), None, None),
        }
        db.session.remove()

        flask_migrate.downgrade(revision=PREVIOUS)
        tables = set(sa.inspect(db.engine).get_table_names())
        assert "notices" not in tables and {"workflow_notices", "report_notices"} <= tables
        after = _old_rows()
        normalise = lambda rows: [tuple(as_dt(v) if isinstance(v, (str, datetime)) and i >= 6 else v
                                        for i, v in enumerate(r)) for r in rows]
        assert normalise(after[0]) == normalise(before[0])
        assert normalise(after[1]) == normalise(before[1])
        db.session.remove()

        flask_migrate.upgrade()
        assert db.session.scalar(sa.text("SELECT COUNT(*) FROM notices")) == 4
        db.session.remove()

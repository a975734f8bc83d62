"""The migration that moves resource review onto the process engine: from the previous head, with
review steps of every shape, on SQLite and PostgreSQL (EDU_TEST_DATABASE_URL); and back."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from eduplatform import ROOT_DIR, workflow
from eduplatform.accounts.models import Role, User
from eduplatform.accounts.services import create_user
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit
from eduplatform.resources import review
from eduplatform.resources.models import Resource, ReviewState
from eduplatform.workflow.definitions import load_definition
from eduplatform.workflow.models import ProcessInstance, WorkflowEvent, WorkflowTask
from eduplatform.workflow.tasks import done_query, todo_query

PREVIOUS = "ca761ccd303b"  # the head before the engine additions (b320cf25c16a) and this migration
MIGRATION = next((ROOT_DIR / "migrations" / "versions").glob("*_5be0c4a2d9e1_*.py"))
DEFINITION = Path(review.PROCESSES_DIR) / "resource_review.yaml"


def _migration_module():
    spec = importlib.util.spec_from_file_location("resource_review_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.nodb
def test_the_migration_stores_the_definition_file_of_its_version():
    source = DEFINITION.read_text(encoding="utf-8")
    if load_definition(source).version != 2:
        pytest.skip("resource_review has moved past version 2; the migration keeps version 2's text")
    assert _migration_module().SOURCE == source  # else running instances would refuse the file


T0 = datetime(2026, 11, 2, 1, 0)  # a Monday morning in China, in UTC
#: title → (owner, state now, [(action, from, to, actor, reason, hours after T0)])
HISTORIES = {
    "已发布": ("teacher", "published", [("submit", "draft", "submitted", "teacher", None, 0),
                                      ("approve_school", "submitted", "district_review", "admin", None, 1),
                                      ("approve_district", "district_review", "published", "district", None, 2)]),
    "退回后重交": ("teacher", "submitted", [("submit", "draft", "submitted", "teacher", None, 0),
                                        ("return", "submitted", "returned", "admin", "缺少例题答案", 1),
                                        ("submit", "returned", "submitted", "teacher", None, 2)]),
    "区县上传": ("district", "district_review", [("submit", "draft", "district_review", "district", None, 0)]),
    "退回后换文件": ("teacher", "draft", [("submit", "draft", "submitted", "teacher", None, 0),
                                       ("return", "submitted", "returned", "admin", "格式不规范", 1)]),
    "发布后换文件": ("teacher", "draft", [("submit", "draft", "submitted", "teacher", None, 0),
                                       ("approve_school", "submitted", "district_review", "admin", None, 1),
                                       ("approve_district", "district_review", "published", "city", None, 2)]),
    "从未提交": ("teacher", "draft", []),
    "离线包导入": ("teacher", "published", []),
}


def _build_old_data() -> dict[str, User]:
    city = create_org_unit(None, code="M0", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
    district = create_org_unit(None, code="M1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
    school = create_org_unit(None, code="M2", name="东湖区实验小学", type=OrgType.SCHOOL, parent=district)
    people = {}
    for name, role, org in (("teacher", Role.TEACHER, school), ("admin", Role.SCHOOL_ADMIN, school),
                            ("district", Role.BUREAU_STAFF, district), ("colleague", Role.BUREAU_STAFF, district),
                            ("city", Role.BUREAU_STAFF, city)):
        people[name], _ = create_user(None, username=f"m_{name}", display_name=f"迁移{name}", roles={role},
                                      org=org, password="Migr#Pass2026", must_change_password=False)
    db.session.flush()
    meta = sa.MetaData()
    resources = sa.Table("resources", meta, autoload_with=db.session.connection())
    steps = sa.Table("resource_review_steps", meta, autoload_with=db.session.connection())
    for n, (title, (owner, state, history)) in enumerate(HISTORIES.items()):
        org = people[owner].org
        rid = db.session.execute(resources.insert().values(
            uid=f"uid{n}", type="courseware", title=title, description="", stage="junior", subject="math",
            knowledge_points=[], keywords=[], extra={}, format="pptx", state=state, visibility="platform",
            owner_id=people[owner].id, org_id=org.id, district_id=district.id, current_version=1,
            download_count=0, favourite_count=0, rating_count=0, rating_sum=0, comment_count=0, index_stale=False,
            created_at=T0 - timedelta(days=1), updated_at=T0 + timedelta(hours=5))
            .returning(resources.c.id)).scalar_one()
        for action, from_state, to_state, actor, reason, hours in history:
            db.session.execute(steps.insert().values(
                resource_id=rid, action=action, from_state=from_state, to_state=to_state,
                actor_id=people[actor].id, reason=reason, created_at=T0 + timedelta(hours=hours)))
    db.session.commit()
    return people


def _old_steps() -> list[tuple]:
    rows = db.session.execute(sa.text(
        "SELECT r.title, s.action, s.from_state, s.to_state, u.username, s.reason FROM resource_review_steps s "
        "JOIN resources r ON r.id = s.resource_id JOIN users u ON u.id = s.actor_id ORDER BY s.id")).all()
    return [tuple(row) for row in rows]


def test_review_steps_move_onto_the_engine_and_back(blank_app):
    with blank_app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS)
        people = {k: u.id for k, u in _build_old_data().items()}
        before = _old_steps()
        db.session.remove()

        flask_migrate.upgrade()
        assert "resource_review_steps" not in sa.inspect(db.engine).get_table_names()
        user = {k: db.session.get(User, v) for k, v in people.items()}
        by_title = {r.title: r for r in db.session.scalars(sa.select(Resource))}

        def rounds(title):
            return db.session.scalars(sa.select(ProcessInstance).where(
                ProcessInstance.subject_type == "resource", ProcessInstance.subject_id == str(by_title[title].id))
                .order_by(ProcessInstance.id)).all()

        # history, from the event flow, as the steps were
        for title, (_, _, history) in HISTORIES.items():
            actions = [s.action for s in review.history(by_title[title])]
            expected = [h[0] for h in history] + (["revise"] if title == "退回后换文件" else [])
            assert actions == expected, title
        assert [r.status.value for r in rounds("已发布")] == ["completed"]
        assert [(r.state, r.status.value) for r in rounds("发布后换文件")] == [("published", "completed"),
                                                                              ("draft", "active")]
        assert rounds("从未提交") == [] and rounds("离线包导入") == []
        assert rounds("已发布")[0].definition.version == 2
        # the running reviews are the reviewers' to-dos, with the definition's due dates
        queue = lambda name: [r.title for r in db.session.scalars(review.queue(user[name]))]
        assert queue("admin") == ["退回后重交"]
        assert queue("district") == []  # its own upload
        assert queue("colleague") == ["区县上传"] and queue("city") == ["区县上传"]
        mine = [t.instance.title for t in db.session.scalars(todo_query(user["teacher"], review.PROCESS))]
        assert sorted(mine) == ["发布后换文件", "退回后换文件"]
        (task,) = db.session.scalars(sa.select(WorkflowTask).where(
            WorkflowTask.instance_id == rounds("退回后重交")[0].id, WorkflowTask.status == "open")).all()
        calendar = workflow.WorkCalendar.load()
        arrived = T0 + timedelta(hours=2)
        assert (task.created_at, task.due_at) == (arrived, calendar.due_at(arrived, 3))
        assert task.remind_at == calendar.remind_at(task.due_at, 1) and task.excluded_user_id == people["teacher"]
        # every transition points at the done task it completed (rows written in bulk, linked in order)
        linked = db.session.execute(sa.select(WorkflowEvent, WorkflowTask).join(
            WorkflowTask, WorkflowTask.id == WorkflowEvent.task_id).where(WorkflowEvent.kind == "transition")).all()
        assert len(linked) == sum(len(h[2]) for h in HISTORIES.values()) + 1  # + the revise of 退回后换文件
        for event, task in linked:
            assert (task.instance_id, task.state, task.outcome, task.completed_by_id, task.completed_at) == \
                (event.instance_id, event.from_state, event.transition, event.actor_id, event.created_at)
        done = [(t.instance.title, t.outcome) for t in db.session.scalars(done_query(user["admin"], review.PROCESS))]
        assert ("已发布", "approve_school") in done and ("退回后重交", "return") in done
        db.session.remove()

        flask_migrate.downgrade(revision=PREVIOUS)
        assert _old_steps() == before
        assert db.session.scalar(sa.text("SELECT COUNT(*) FROM process_instances")) == 0
        db.session.remove()

        flask_migrate.upgrade()
        # the engine runs the migrated reviews
        resource = db.session.scalar(sa.select(Resource).where(Resource.title == "退回后重交"))
        review.approve(resource, db.session.get(User, people["admin"]))
        db.session.commit()
        assert resource.state == ReviewState.DISTRICT_REVIEW
        assert [s.action for s in review.history(resource)][-1] == "approve_school"
        db.session.remove()

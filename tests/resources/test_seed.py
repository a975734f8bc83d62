"""The demo data: `flask seed-demo` makes resources whose review runs on the process engine, some
published and some waiting in the demo reviewers' 待办; running it again adds nothing."""

from __future__ import annotations

import importlib
from unittest.mock import MagicMock

from eduplatform import workflow
from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.resources import review
from eduplatform.resources.models import Resource
from eduplatform.resources.seed import seed_demo
from eduplatform.workflow.models import ProcessInstance
from eduplatform.workflow.tasks import todo_query


def _seed() -> None:
    """What `flask seed-demo` runs, limited to the domains these resources need (the whole command
    is run by tests/core/test_cli.py)."""
    for name in ("orgs", "accounts", "workflow", "resources"):
        importlib.import_module(f"eduplatform.{name}.seed").seed_demo(lambda line: None)
        db.session.commit()


def test_the_demo_resources_are_reviewed_on_the_engine(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "edu_search", MagicMock())  # indexing is not the point here
    _seed()
    resources = db.session.scalars(db.select(Resource).order_by(Resource.id)).all()
    states = {r.title: r.state.value for r in resources}
    assert {"published", "draft", "submitted", "district_review", "returned"} <= set(states.values())
    for resource in resources:
        instance = workflow.instance_for(resource, review.PROCESS)
        if resource.state.value == "draft":
            assert instance is None, resource.title  # never submitted
            continue
        assert instance.state == resource.state.value and instance.definition.version == 2, resource.title
        assert review.history(resource)[0].action == "submit"

    def queue(name):
        return [r.title for r in db.session.scalars(review.queue(find_user(name)))]

    assert queue("school_admin") == ["有理数的乘方"]
    assert queue("dh_staff") == ["勾股定理的逆定理 微课讲义"]
    returned = [t.instance.title for t in db.session.scalars(todo_query(find_user("teacher2"), review.PROCESS))]
    assert returned == ["《春》朗读指导教学案例"]
    instances = db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance))

    lines = []
    seed_demo(lines.append)  # the resource library's part again
    assert lines == ["教学资源：新建 0 个，已有 8 个"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == instances

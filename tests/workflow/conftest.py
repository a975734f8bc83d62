"""Fixtures for the engine: a bureau with departments and people, and a small business object
(in a table of its own, created inside the test's transaction) that processes can attach to."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from eduplatform import workflow
from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.workflow import engine, registry

#: The engine's tests run on processes of their own (the first resource review, the first 收文), so the
#: resource library and the documents domain can change their real definitions without touching them.
registry.register_file(Path(__file__).with_name("processes") / "sample_review.yaml")
registry.register_file(Path(__file__).with_name("processes") / "engine_incoming.yaml")



class _TestBase(DeclarativeBase):
    pass


class Doc(_TestBase):
    """A business object with its own status column, kept in step by a hook."""

    __tablename__ = "wf_test_docs"
    __audit_type__ = "wf_test_doc"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(32), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(default=None)

    def __str__(self):
        return self.title


def _sync_status(event):
    doc = event.subject
    if doc is not None:
        doc.status = event.instance.state
        if event.to_state == "published":
            doc.published_at = datetime(2026, 11, 25)


@pytest.fixture
def docs(app):
    """``docs("标题")`` → a Doc row; its status follows the sample_review instance."""
    _TestBase.metadata.create_all(db.session.connection())
    workflow.register_subject("wf_test_doc", lambda id: db.session.get(Doc, int(id)))
    engine.on_transition("sample_review")(_sync_status)

    def make(title="二次函数的图像与性质（课件）"):
        doc = Doc(title=title)
        db.session.add(doc)
        db.session.flush()
        return doc

    yield make
    engine.remove_hook("sample_review", _sync_status)


@pytest.fixture
def bureau(tree, create_org, create_user, people):
    """The city bureau's office and a second department, with their people."""

    class Bureau:
        office = create_org("市教育局办公室", type=OrgType.DEPARTMENT, parent=tree.city)
        dept2 = create_org("市教育局教师工作处", type=OrgType.DEPARTMENT, parent=tree.city)
        clerk = create_user("clerk", roles=[Role.BUREAU_STAFF], org=office, display_name="办公室收发员")
        dept2_staff = create_user("dept2staff", roles=[Role.BUREAU_STAFF], org=dept2, display_name="教师处科员")
        leader2 = create_user("leader2", roles=[Role.BUREAU_LEADER], org=tree.city, display_name="副局长")
        basic = tree.city_dept  # 基础教育处, where people.city_staff works

    return Bureau


@pytest.fixture
def throwaway_process():
    """Register a definition from text for one test, forgetting it afterwards."""
    keys = []

    def register(source: str):
        process = registry.register_text(source, origin="test")
        keys.append(process.key)
        return process

    yield register
    for key in keys:
        registry.unregister(key)


@pytest.fixture
def submitted(people, tree):
    """A resource review the teacher of school A1 has submitted: waiting for the school's review."""
    instance = workflow.start("sample_review", org=tree.school_a1, actor=people.teacher_a1, title="分数的意义",
                              data={"title": "分数的意义"})
    workflow.perform(instance, "submit", actor=people.teacher_a1)
    db.session.commit()
    return instance

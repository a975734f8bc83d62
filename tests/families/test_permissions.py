"""A parent sees only their linked children (every other child's homework, notices and threads answers
404, on the pages and the API); a teacher reaches only the classes they head; a parent gets no
school-wide view anywhere (no org unit, no business scope, only the 家校 menu)."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.permissions import org_scope
from eduplatform.families import services
from eduplatform.learning import services as learning
from eduplatform.schools.models import StudentProfile
from tests.assertions import api_error


def _setup(families, set_homework):
    a, b = families.a, families.b
    hw_a = set_homework(a.teachers["数学"], a.school_class, "数学", (20,), title="甲班方程作业")
    hw_b = set_homework(b.teachers["数学"], b.school_class, "数学", (20,), title="乙班几何作业")
    learning.publish(a.teachers["数学"], hw_a)
    learning.publish(b.teachers["数学"], hw_b)
    notice_a = services.post_notice(a.head, a.school_class, title="甲班春游通知", body="甲班正文", needs_receipt=True)
    notice_b = services.post_notice(b.head, b.school_class, title="乙班家长会通知", body="乙班正文", needs_receipt=True)
    thread_b = services.write_to_head_teacher(families.parent_b, families.kids_a[1], "乙家长的私信").thread
    db.session.commit()
    return notice_a, notice_b, thread_b


def test_a_parent_reaches_only_their_own_child(client, auth, api, families, set_homework):
    notice_a, notice_b, thread_b = _setup(families, set_homework)
    own, sibling_class, other_class = families.kids_a[0], families.kids_a[1], families.kid_b
    auth.login(families.parent_a)
    page = client.get(f"/families/children/{own.id}").get_data(as_text=True)
    assert "甲班方程作业" in page and "甲班春游通知" in page
    assert "乙班" not in page and sibling_class.name not in page
    for student in (sibling_class, other_class, families.kid_other):
        assert client.get(f"/families/children/{student.id}").status_code == 404
        assert client.post(f"/families/children/{student.id}/messages", data={"body": "越权"}).status_code == 404
        assert client.post(f"/families/children/{student.id}/notices/{notice_a.id}/ack").status_code == 404
    # another class's notice, with one's own child: 404, and nothing acknowledged
    assert client.post(f"/families/children/{own.id}/notices/{notice_b.id}/ack").status_code == 404
    assert client.get(f"/families/threads/{thread_b.id}").status_code == 404
    assert client.post(f"/families/threads/{thread_b.id}", data={"body": "越权"}).status_code == 404
    assert client.get(f"/families/classes/{families.a.school_class.id}").status_code == 404
    assert client.get("/families/school").status_code == 403
    assert client.get(f"/families/school/threads/{thread_b.id}").status_code == 404
    assert services.receipt_status(notice_b)["done"] == []
    headers = api(families.parent_a)
    mine = client.get("/api/v1/my/children", headers=headers).get_json()["items"]
    assert [c["id"] for c in mine] == [own.id]
    for path in (f"/api/v1/my/children/{sibling_class.id}/homework", f"/api/v1/my/children/{other_class.id}/notices",
                 f"/api/v1/my/children/{sibling_class.id}/messages"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 404 and api_error(refused)["message"] == "学生不存在或未与您的账户关联"
    refused = client.post(f"/api/v1/family-notices/{notice_b.id}/receipt", json={"student_id": own.id}, headers=headers)
    assert refused.status_code == 404
    homework = client.get(f"/api/v1/my/children/{own.id}/homework", headers=headers).get_json()["items"]
    assert [h["title"] for h in homework] == ["甲班方程作业"]


def test_a_teacher_reaches_only_the_classes_they_head(client, auth, families, set_homework):
    notice_a, notice_b, thread_b = _setup(families, set_homework)
    a = families.a
    auth.login(a.head)
    assert "甲班春游通知" in client.get(f"/families/classes/{a.school_class.id}").get_data(as_text=True)
    assert client.get(f"/families/notices/{notice_a.id}").status_code == 200
    assert client.get(f"/families/threads/{thread_b.id}").status_code == 200  # a thread of the class
    for path in (f"/families/classes/{families.b.school_class.id}", f"/families/notices/{notice_b.id}",
                 f"/families/classes/{families.other.school_class.id}"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/families/classes/{families.b.school_class.id}/notices", data={"title": "越权"}).status_code == 404
    assert client.get(f"/families/children/{families.kids_a[0].id}").status_code == 404  # a teacher is no parent
    auth.logout()
    # the class's 数学 teacher is no 班主任: no notices, no threads
    auth.login(a.teachers["数学"])
    assert client.get(f"/families/classes/{a.school_class.id}").status_code == 404
    assert client.get(f"/families/threads/{thread_b.id}").status_code == 404
    assert client.post(f"/families/classes/{a.school_class.id}/notices", data={"title": "越权"}).status_code == 404
    assert client.get("/families/classes").status_code == 403
    auth.logout()
    # another school's admin: nothing of this school
    auth.login(families.other_admin)
    assert client.get(f"/families/school/threads/{thread_b.id}").status_code == 404
    assert client.get(f"/families/notices/{notice_a.id}").status_code == 404
    assert thread_b.id not in [t.id for t in db.session.scalars(services.school_threads_query(families.other.school_class.school_id))]


def test_a_parent_has_no_school_wide_view(client, auth, families, people):
    parent = families.parent_a
    assert parent.org_id is None and parent.business_scope() is None and org_scope(parent) is None
    auth.login(parent)
    home = client.get("/").get_data(as_text=True)
    assert 'id="workbench-children"' in home and families.kids_a[0].name in home
    for label in ("学校门户", "班级作业", "今日作业", "学校管理", "用户管理", "作业负担"):
        assert label not in home, label
    assert "我的孩子" in home
    kid = families.kids_a[0]
    for path in (f"/schools/{kid.school.code}/", f"/schools/{kid.school.code}/students",
                 f"/learning/classes/{kid.class_id}/day", "/learning/today", "/learning/"):
        assert client.get(path).status_code in (403, 404), path
    others = db.session.scalars(sa.select(StudentProfile).where(StudentProfile.id != kid.id)).all()
    assert others and not any(services.children_of(parent) == [o] for o in others)


def test_the_parent_role_is_held_alone_and_outside_any_org(tree):
    import pytest

    from eduplatform.accounts.models import Role
    from eduplatform.accounts.services import validate_roles_for_org
    from eduplatform.core.errors import ValidationFailed

    validate_roles_for_org({Role.PARENT}, None)
    with pytest.raises(ValidationFailed, match="家长账户不属于任何单位"):
        validate_roles_for_org({Role.PARENT}, tree.school_a2)
    with pytest.raises(ValidationFailed, match="也不能兼任其他角色"):
        validate_roles_for_org({Role.PARENT, Role.TEACHER}, tree.school_a2)

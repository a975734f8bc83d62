"""The one 通知 page: every domain's notices in one list, filtered, opened and marked read."""

from __future__ import annotations

import re

import sqlalchemy as sa

from eduplatform.core import notices
from eduplatform.core.extensions import db


def _items(page: str) -> list[str]:
    return re.findall(r'data-notice="(\d+)"', page)


def _seed(people, tree):
    teacher = people.teacher_a1
    notices.notify("workflow", "task", "请审核：三角函数课件", users=[teacher], object_type="process_instance",
                   object_id=4242)
    notices.notify("courses", "completed", "课程已完成：信息技术 2.0", users=[teacher])
    notices.notify("courses", "returned", "作业被退回：第一课", users=[people.student_a1])  # not the teacher's
    db.session.commit()
    return teacher


def test_every_domains_notices_are_in_one_list_with_their_names(client, auth, people, tree):
    teacher = _seed(people, tree)
    auth.login(teacher)
    page = client.get("/notices").get_data(as_text=True)
    assert "请审核：三角函数课件" in page and "课程已完成：信息技术 2.0" in page
    assert "作业被退回" not in page  # the student's
    assert len(_items(page)) == 2
    assert ">业务流程</span>" in page and ">网络课程</span>" in page and ">新待办</span>" in page
    assert re.search(r'id="nav-notices"[^>]*>通知 <span class="badge[^"]*">2</span>', page)


def test_filter_by_domain_and_unread(client, auth, people, tree):
    teacher = _seed(people, tree)
    auth.login(teacher)
    only_courses = client.get("/notices?realm=courses").get_data(as_text=True)
    assert "课程已完成" in only_courses and "三角函数" not in only_courses
    refused = client.get("/notices?realm=nowhere", follow_redirects=True)  # back, with the reason
    assert "筛选条件有误" in refused.get_data(as_text=True)
    client.post("/notices/read", data={"realm": "courses"})
    unread = client.get("/notices?unread=1").get_data(as_text=True)
    assert "三角函数" in unread and "课程已完成" not in unread
    assert notices.unread_count(teacher) == 1


def test_opening_a_notice_reads_it_and_goes_where_it_leads(client, auth, people, tree):
    teacher = _seed(people, tree)
    auth.login(teacher)
    workflow_notice = db.session.scalar(sa.select(notices.Notice).where(notices.Notice.realm == "workflow"))
    answer = client.post(f"/notices/{workflow_notice.id}/open")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/workflow/instances/4242")
    db.session.refresh(workflow_notice)
    assert workflow_notice.read_at is not None and workflow_notice.read_by_id == teacher.id
    # a notice without a page of its own leads back to the list
    course_notice = db.session.scalar(sa.select(notices.Notice).where(
        notices.Notice.realm == "courses", notices.Notice.user_id == teacher.id))
    assert client.post(f"/notices/{course_notice.id}/open").headers["Location"].endswith("/notices")


def test_someone_elses_notice_is_not_found(client, auth, people, tree):
    _seed(people, tree)
    students = db.session.scalar(sa.select(notices.Notice).where(notices.Notice.user_id == people.student_a1.id))
    auth.login(people.teacher_a1)
    assert client.post(f"/notices/{students.id}/open").status_code == 404
    db.session.refresh(students)
    assert students.read_at is None


def test_a_student_has_the_notice_button_and_their_course_notices(client, auth, people, tree):
    _seed(people, tree)
    auth.login(people.student_a1)
    page = client.get("/notices").get_data(as_text=True)
    assert "作业被退回：第一课" in page and 'id="nav-notices"' in page
    assert len(_items(page)) == 1

"""A lesson names the 教材目录 node it teaches; the 同步资源 page of that lesson lists it for those who
may see the course, and only for them."""

from __future__ import annotations

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import structure


def test_a_lesson_is_listed_under_its_textbook_lesson_for_its_audience(client, auth, make_course, people, tree,
                                                                          create_user):
    course = make_course(visible_org=tree.district_a)
    lesson = course.lessons[0]
    structure.update_lesson(people.teacher_a1, lesson, {"textbook_node": "pep-math-7a:3.2"})
    db.session.commit()
    assert db.session.get(type(lesson), lesson.id).textbook_node == "pep-math-7a:3.2"
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.kind == "lesson.updated")
                              .order_by(AuditEntry.id.desc()))
    assert entry.data["textbook_node"] == [None, "pep-math-7a:3.2"]

    auth.login(people.student_a1)  # in 东湖区: the course's audience
    for url in ("/resources/textbooks/pep-math-7a?node=pep-math-7a:3.2", "/resources/textbooks/pep-math-7a?node=pep-math-7a:3"):
        page = client.get(url).get_data(as_text=True)
        assert "课程课时（1）" in page and f"/courses/{course.id}#lesson-{lesson.id}" in page, url
    assert "课程课时" not in client.get("/resources/textbooks/pep-math-7a?node=pep-math-7a:1").get_data(as_text=True)
    auth.logout()
    from eduplatform.accounts.models import Role

    auth.login(create_user("b1student", roles=[Role.STUDENT], org=tree.school_b1))  # 西山区: not its audience
    assert "课程课时" not in client.get("/resources/textbooks/pep-math-7a?node=pep-math-7a:3.2").get_data(as_text=True)


def test_an_unknown_node_is_refused_and_an_empty_one_clears(make_course, people):
    course = make_course()
    lesson = course.lessons[0]
    with pytest.raises(ValidationFailed, match="教材章节不存在"):
        structure.update_lesson(people.teacher_a1, lesson, {"textbook_node": "pep-math-7a:99"})
    assert lesson.textbook_node is None
    structure.update_lesson(people.teacher_a1, lesson, {"textbook_node": "pep-math-7a:1.1"})
    structure.update_lesson(people.teacher_a1, lesson, {"textbook_node": ""})
    assert lesson.textbook_node is None


def test_the_lesson_form_offers_the_courses_volumes(client, auth, make_course, people):
    course = make_course()
    auth.login(people.teacher_a1)
    form = client.get(f"/courses/lessons/{course.lessons[0].id}/edit").get_data(as_text=True)
    assert '<optgroup label="人教版 数学 七年级上册">' in form and "pep-math-6a" not in form  # junior maths only
    response = client.post(f"/courses/lessons/{course.lessons[0].id}/edit",
                           data={"title": "第1课时", "required": "1", "textbook_node": "pep-math-7a:3.3"})
    assert response.status_code == 302
    assert db.session.get(type(course.lessons[0]), course.lessons[0].id).textbook_node == "pep-math-7a:3.3"

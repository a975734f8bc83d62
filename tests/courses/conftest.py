"""Courses fixtures: a school with a class of students, a teacher's published course, uploads."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.courses import catalogue, enrolment, structure
from eduplatform.courses.models import CourseAudience, EnrolmentMode, LessonKind
from eduplatform.courses.samples import make_webm, scorm_zip


def upload(data: bytes, filename: str, content_type: str = "application/octet-stream") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture(scope="session")
def webm_bytes():
    return make_webm(4.0)


@pytest.fixture
def make_course(people):
    def make(owner=None, *, title="七年级数学：一元一次方程", audience=CourseAudience.STUDENTS,
             mode=EnrolmentMode.OPEN, hours=0.0, visible_org=None, publish=True, lessons=("text",)):
        owner = owner or people.teacher_a1
        data = {"title": title, "summary": "方程的概念、解法与应用", "description": "<p>本课程共两章。</p>",
                "stage": "junior", "subject": "math", "grade": "g7", "audience": audience,
                "enrolment_mode": mode, "training_hours": hours,
                "visible_org_id": visible_org.id if visible_org is not None else None}
        course = catalogue.create_course(owner, data)
        chapter = structure.add_chapter(owner, course, "第一章 方程的概念")
        for n, kind in enumerate(lessons, start=1):
            add_lesson(owner, chapter, kind, title=f"第{n}课时")
        if publish:
            catalogue.publish_course(owner, course)
        db.session.commit()
        return course

    return make


def add_lesson(owner, chapter, kind: str, *, title: str = "课时", **extra):
    from tests.courses.conftest import upload as _upload

    data = {"title": title, "kind": LessonKind(kind), "required": extra.pop("required", True), "body": ""}
    file = None
    if kind == "text":
        data["body"] = "<p>方程是含有未知数的等式。</p>"
    elif kind == "assignment":
        data["body"] = "<p>写出三个一元一次方程并求解。</p>"
        data["max_score"] = extra.pop("max_score", 100)
    elif kind == "video":
        file = _upload(extra.pop("data", None) or make_webm(4.0), "第一课.webm", "video/webm")
    elif kind == "document":
        file = _upload(extra.pop("data", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "讲义.pdf",
                       "application/pdf")
    elif kind == "scorm":
        file = _upload(extra.pop("data", None) or scorm_zip(extra.pop("version", "1.2")), "课件.zip", "application/zip")
    data.update(extra)
    lesson = structure.add_lesson(owner, chapter, data, upload=file)
    db.session.commit()
    return lesson


@pytest.fixture
def roster(tree, people, create_user):
    """School A1 (a primary school): a current class 五年级(1)班 with two students who have accounts and one who has none."""
    from eduplatform.schools import services as school_services
    from eduplatform.schools.models import Gender

    school = tree.school_a1
    teacher_profile = school_services.create_teacher(people.school_a1_admin, school, {
        "teacher_no": "T001", "name": "王老师", "subjects": ["数学"]})
    teacher_profile.user_id = people.teacher_a1.id
    school_class = school_services.create_class(people.school_a1_admin, school, grade=5, number=1,
                                                head_teacher_id=teacher_profile.id)
    students = []
    for n in range(1, 4):
        user = create_user(f"stu{n}", roles=[Role.STUDENT], org=school) if n < 3 else None
        profile = school_services.create_student(people.school_a1_admin, school, {
            "student_no": f"2026{n:03d}", "name": f"学生{n}", "gender": Gender.MALE, "class_id": school_class.id})
        if user is not None:
            profile.user_id = user.id
        students.append((profile, user))
    db.session.commit()
    return {"class": school_class, "students": [u for _, u in students if u], "profiles": [p for p, _ in students]}


@pytest.fixture
def enrolled(make_course, people):
    """A published course with a text lesson, and student A1 enrolled."""
    course = make_course(lessons=("text", "text"))
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    return course, row

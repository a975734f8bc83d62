"""Class-homework fixtures: a 七年级 class with a 数学 and a 语文 teacher (the 班主任) and three students."""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import FileStorage

from eduplatform.accounts.models import Role
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.learning import services
from eduplatform.learning.models import ItemKind
from eduplatform.schools import services as school_services
from eduplatform.schools.models import Gender

#: a real (tiny) PNG: signature, IHDR, IDAT, IEND
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def photo(name: str = "作业.png", data: bytes = PNG) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/png")


@pytest.fixture
def make_class(tree, people, create_user):
    counter = iter(range(1, 1000))

    def make(school=None, grade: int = 7, *, subjects=("数学", "语文"), students: int = 3, head: str = "语文"):
        school = school or tree.school_a2
        n = next(counter)
        school_class = school_services.create_class(None, school, grade=grade, number=n)
        teachers = {}
        for subject in subjects:
            user = create_user(f"t{n}{len(teachers)}", roles=[Role.TEACHER], org=school,
                               display_name=f"{subject}老师{n}")
            profile = school_services.create_teacher(None, school, {"teacher_no": f"T{n}{len(teachers)}",
                                                                    "name": user.display_name, "subjects": [subject]})
            profile.user_id = user.id
            school_services.set_assignments(profile, [{"class_id": school_class.id, "subject": subject}])
            teachers[subject] = user
            if subject == head:
                school_class.head_teacher_id = profile.id
        pupils = []
        for k in range(students):
            user = create_user(f"s{n}_{k}", roles=[Role.STUDENT], org=school, display_name=f"学生{n}-{k}")
            profile = school_services.create_student(None, school, {
                "student_no": f"{n:02d}{k:03d}", "name": user.display_name, "gender": Gender.FEMALE,
                "class_id": school_class.id})
            profile.user_id = user.id
            pupils.append(user)
        db.session.commit()
        return SimpleNamespace(school_class=school_class, teachers=teachers, students=pupils,
                               head=teachers.get(head))

    return make


@pytest.fixture
def junior(make_class):
    return make_class()


def tomorrow():
    return utcnow() + timedelta(days=1)


@pytest.fixture
def set_homework():
    def make(teacher, school_class, subject: str, minutes=(30,), *, level=None, kinds=None, written=None,
             title=None, due=None, commit=True):
        homework = services.create_homework(teacher, school_class, {
            "subject": subject, "title": title or f"{subject}作业", "note": "", "level": level,
            "load_date": services.local_today(), "due_at": due or tomorrow()})
        for n, m in enumerate(minutes):
            kind = (kinds or [ItemKind.HANDIN] * len(minutes))[n]
            services.add_item(teacher, homework, {"kind": kind, "minutes": m, "title": f"第{n + 1}项",
                                                  "written": written, "grading": None, "max_score": 10})
        if commit:
            db.session.commit()
        return homework

    return make

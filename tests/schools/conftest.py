"""Fixtures for the schools domain: a school with a year, classes, a teacher and students; sheets."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.schools import services
from eduplatform.schools.models import Gender
from eduplatform.schools.personal import check_digit


def make_id(birth: date = date(2013, 3, 5), seq: int = 1, male: bool = True, region: str = "110105") -> str:
    """A valid 18-digit ID number (GB 11643 check digit computed)."""
    seq_digits = f"{seq:03d}"
    if (int(seq_digits[-1]) % 2 == 1) != male:
        seq_digits = seq_digits[:-1] + str((int(seq_digits[-1]) + 1) % 10)
    first17 = f"{region}{birth:%Y%m%d}{seq_digits}"
    return first17 + check_digit(first17)


def xlsx_bytes(rows: list[list], title: str = "名册") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


STUDENT_HEADER = ["学号", "姓名", "性别", "年级", "班级", "身份证号", "出生日期", "监护人", "监护人电话", "学籍号"]
TEACHER_HEADER = ["工号", "姓名", "性别", "身份证号", "手机号", "任教学科", "职称", "任教班级", "班主任班级"]


class SchoolWorld:
    """school_a1 (小学, 1–6) with the current year, 一年级(1)班, 一年级(2)班, 六年级(1)班, a teacher
    profile for people.teacher_a1 heading 一年级(1)班, and two students in 一年级(1)班 and one in 六年级(1)班."""

    def __init__(self, tree, people):
        self.tree, self.people = tree, people
        self.school = tree.school_a1
        admin = people.school_a1_admin
        self.year = services.ensure_current_year(admin, self.school, today=date(2025, 9, 1))
        self.teacher = services.create_teacher(admin, self.school, {
            "teacher_no": "T001", "name": "王老师", "gender": Gender.FEMALE, "subjects": ["数学"],
            "phone": "13912345678"})
        self.teacher.user = people.teacher_a1
        self.class_1_1 = services.create_class(admin, self.school, grade=1, number=1, head_teacher_id=self.teacher.id)
        self.class_1_2 = services.create_class(admin, self.school, grade=1, number=2)
        self.class_6_1 = services.create_class(admin, self.school, grade=6, number=1)
        self.student_1 = services.create_student(admin, self.school, {
            "student_no": "S0001", "name": "李一", "gender": Gender.MALE, "class_id": self.class_1_1.id,
            "id_number": make_id(date(2018, 5, 1), 11), "guardian_phone": "13800001111"})
        self.student_2 = services.create_student(admin, self.school, {
            "student_no": "S0002", "name": "李二", "gender": Gender.FEMALE, "class_id": self.class_1_1.id})
        self.student_6 = services.create_student(admin, self.school, {
            "student_no": "S0601", "name": "赵六", "gender": Gender.MALE, "class_id": self.class_6_1.id})
        self.student_6.user = people.student_a1
        db.session.commit()


@pytest.fixture
def world(tree, people) -> SchoolWorld:
    return SchoolWorld(tree, people)


@pytest.fixture
def other_teacher(create_user, tree):
    """A second teacher of school_a1 with an account, teaching no class."""
    user = create_user("a1teacher2", roles=[Role.TEACHER], org=tree.school_a1)
    teacher = services.create_teacher(None, tree.school_a1, {"teacher_no": "T002", "name": "钱老师",
                                                             "subjects": ["语文"]})
    teacher.user = user
    db.session.commit()
    return user

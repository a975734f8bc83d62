"""Loading 学情 objects with the access check, and the query arguments (pages and API share them)."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields

from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.learning.mastery import permissions, services
from eduplatform.schools.models import SchoolClass, StudentProfile
from eduplatform.schools.permissions import own_school


class HeatmapArgsSchema(Schema):
    grade = fields.Integer(load_default=None, metadata={"description": "年级 (1–12); default: the first visible"})
    subject = fields.String(load_default=None, metadata={"description": "学科; default: the first with data"})


class SubjectArgsSchema(Schema):
    subject = fields.String(load_default=None)


class TermArgsSchema(Schema):
    term = fields.String(load_default=None, metadata={"description": "学期, e.g. 2026-1; default: the current"})


def class_for(class_id: int) -> SchoolClass:
    return get_visible_or_404(SchoolClass, class_id, current_user, can=permissions.can_view_class_mastery,
                              action="learning.class_mastery", missing="班级不存在",
                              message="只能查看自己任教或担任班主任的班级的学情")


def student_for(student_id: int) -> StudentProfile:
    return get_visible_or_404(StudentProfile, student_id, current_user, can=permissions.can_view_student_mastery,
                              action="learning.student_mastery", missing="学生不存在",
                              message="只能查看本人或自己任教班级学生的学情")


def heatmap_context(user, grade, subject) -> dict:
    require(permissions.can_view_heatmap(user), action="learning.mastery_heatmap",
            message="只有任课教师和学校管理员可以查看班级学情")
    grades, grade, classes = services.visible_grade_classes(user, own_school(user), grade)
    data = services.heatmap(classes, subject)
    return {"grades": grades, "grade": grade, "data": data}

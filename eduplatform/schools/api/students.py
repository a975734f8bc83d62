"""/api/v1/schools/<code>/students: the school's students, their records and their status."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json, paginated
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.schools import permissions, services
from eduplatform.schools.api import bp
from eduplatform.schools.api.common import personal_view, school_for
from eduplatform.schools.models import StudentProfile
from eduplatform.schools.schemas import (
    StudentInputSchema,
    StudentListArgsSchema,
    StudentSchema,
    StudentUpdateSchema,
)


@bp.get("/schools/<code>/students")
@login_required
def list_students(code: str):
    """The school's students; filters `class_id`, `status` (default enrolled, or `all`).
    ---
    get:
      parameters:
        - {in: query, schema: StudentListArgsSchema}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: 分页的学生列表（身份证号、电话脱敏）
    """
    school = school_for(code, permissions.can_view_roster, "school.students")
    query = sa.select(StudentProfile).where(StudentProfile.school_id == school.id)
    args = load_args(StudentListArgsSchema())
    if args["status"] != "all":
        query = query.where(StudentProfile.status == args["status"])
    if args["class_id"]:
        query = query.where(StudentProfile.class_id == args["class_id"])
    return paginated(query.order_by(StudentProfile.student_no), StudentSchema())


@bp.post("/schools/<code>/students")
@login_required
def create_student(code: str):
    """Add a student to a class of the current year.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: StudentInputSchema
      responses:
        201:
          content:
            application/json:
              schema: StudentSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.student.create")
    student = services.create_student(current_user, school, load_json(StudentInputSchema()))
    db.session.commit()
    return StudentSchema(view="full").dump(student), 201


@bp.get("/schools/<code>/students/<int:student_id>")
@login_required
def get_student(code: str, student_id: int):
    """One student (a student may read only their own record).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: StudentSchema
    """
    school = services.get_school(code)
    student = services.find_student(school, student_id)
    require(permissions.can_view_student(current_user, student), action="school.student.view", obj=student)
    return StudentSchema(view=personal_view(school)).dump(student)


@bp.patch("/schools/<code>/students/<int:student_id>")
@login_required
def update_student(code: str, student_id: int):
    """Edit a student; `status` (with `left_on`) changes 在读 / 转出 / 毕业.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: StudentInputSchema
      responses:
        200:
          content:
            application/json:
              schema: StudentSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.student.update")
    student = services.find_student(school, student_id)
    data = load_json(StudentUpdateSchema(), partial=True)
    status = {key: data.pop(key) for key in ("status", "left_on") if key in data}
    if data:
        services.update_student(current_user, student, data)
    if status:
        services.set_student_status(current_user, student, status["status"], status.get("left_on"))
    db.session.commit()
    return StudentSchema(view="full").dump(student)

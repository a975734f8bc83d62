"""/api/v1/schools/<code>/teachers: the school's teachers and their teaching assignments."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user, login_required

from eduplatform.core.api import load_json, paginated
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.schools import permissions, services
from eduplatform.schools.api import bp
from eduplatform.schools.api.common import personal_view, school_for
from eduplatform.schools.models import TeacherProfile
from eduplatform.schools.schemas import TeacherInputSchema, TeacherSchema


@bp.get("/schools/<code>/teachers")
@login_required
def list_teachers(code: str):
    """The school's teachers (phone and ID numbers masked except for the school admin).
    ---
    get:
      responses:
        200:
          description: 分页的教师列表
    """
    school = school_for(code, permissions.can_view_roster, "school.teachers")
    query = sa.select(TeacherProfile).where(TeacherProfile.school_id == school.id).order_by(TeacherProfile.teacher_no)
    return paginated(query, TeacherSchema())


@bp.post("/schools/<code>/teachers")
@login_required
def create_teacher(code: str):
    """Add a teacher; `assignments` lists [{class_id, subject}].
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: TeacherInputSchema
      responses:
        201:
          content:
            application/json:
              schema: TeacherSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.teacher.create")
    teacher = services.create_teacher(current_user, school, load_json(TeacherInputSchema()))
    db.session.commit()
    return TeacherSchema(view="full").dump(teacher), 201


@bp.get("/schools/<code>/teachers/<int:teacher_id>")
@login_required
def get_teacher(code: str, teacher_id: int):
    """One teacher.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: TeacherSchema
    """
    school = services.get_school(code)
    teacher = services.find_teacher(school, teacher_id)
    require(permissions.can_view_teacher(current_user, teacher), action="school.teacher.view", obj=teacher)
    return TeacherSchema(view=personal_view(school)).dump(teacher)


@bp.patch("/schools/<code>/teachers/<int:teacher_id>")
@login_required
def update_teacher(code: str, teacher_id: int):
    """Edit a teacher (fields given replace the stored ones).
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: TeacherInputSchema
      responses:
        200:
          content:
            application/json:
              schema: TeacherSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.teacher.update")
    teacher = services.find_teacher(school, teacher_id)
    data = load_json(TeacherInputSchema(), partial=True)
    services.update_teacher(current_user, teacher, data)
    db.session.commit()
    return TeacherSchema(view="full").dump(teacher)

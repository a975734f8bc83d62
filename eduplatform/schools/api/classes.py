"""/api/v1/schools/<code>/classes: the current year's classes, their students and their accounts."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.core.api import load_json
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.schools import permissions, provisioning, services
from eduplatform.schools.api import bp
from eduplatform.schools.api.common import school_for
from eduplatform.schools.schemas import ClassInputSchema, ClassSchema, ClassUpdateSchema, StudentSchema


@bp.get("/schools/<code>/classes")
@login_required
def list_classes(code: str):
    """The current school year's classes.
    ---
    get:
      responses:
        200:
          description: "{items: [Class], school_year}"
    """
    school = school_for(code, permissions.can_view_roster, "school.classes")
    year = services.current_year(school)
    return {"school_year": year.name if year else None,
            "items": ClassSchema(many=True).dump(services.current_classes(school))}


@bp.post("/schools/<code>/classes")
@login_required
def create_class(code: str):
    """Create a class in the current school year.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ClassInputSchema
      responses:
        201:
          content:
            application/json:
              schema: ClassSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.class.create")
    school_class = services.create_class(current_user, school, **load_json(ClassInputSchema()))
    db.session.commit()
    return ClassSchema().dump(school_class), 201


def _class(code: str, class_id: int):
    school = services.get_school(code)
    school_class = services.find_class(school, class_id)
    require(permissions.can_view_class(current_user, school_class), action="school.class.view", obj=school_class)
    return school, school_class


@bp.get("/schools/<code>/classes/<int:class_id>")
@login_required
def get_class(code: str, class_id: int):
    """One class with its current students (head and subject teachers may read it too).
    ---
    get:
      responses:
        200:
          description: "Class + students: [Student]"
    """
    _, school_class = _class(code, class_id)
    body = ClassSchema().dump(school_class)
    body["students"] = StudentSchema(many=True).dump(db.session.scalars(services.class_students(school_class)))
    return body


@bp.patch("/schools/<code>/classes/<int:class_id>")
@login_required
def update_class(code: str, class_id: int):
    """Change the head teacher.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ClassUpdateSchema
      responses:
        200:
          content:
            application/json:
              schema: ClassSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.class.update")
    school_class = services.find_class(school, class_id)
    services.update_class(current_user, school_class, **load_json(ClassUpdateSchema()))
    db.session.commit()
    return ClassSchema().dump(school_class)


@bp.post("/schools/<code>/classes/<int:class_id>/accounts")
@login_required
def provision_class(code: str, class_id: int):
    """Open accounts for the class's students who have none; initial passwords are returned once.
    ---
    post:
      responses:
        200:
          description: "{items: [{name, number, username, password|null}]}"
    """
    school = school_for(code, permissions.can_manage_school, "school.accounts.provision")
    slips = provisioning.provision_class_accounts(current_user, services.find_class(school, class_id))
    db.session.commit()
    return {"items": [slip.__dict__ for slip in slips]}

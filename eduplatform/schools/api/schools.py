"""/api/v1/schools: the schools a bureau oversees, a school's profile, its history and its campuses."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user, login_required

from eduplatform.core.api import load_json, page_args
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require, visible_to
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.schools import permissions, services
from eduplatform.schools.api import bp
from eduplatform.schools.api.common import school_for
from eduplatform.schools.schemas import CampusInputSchema, CampusSchema, ProfileInputSchema, SchoolSchema


@bp.get("/schools")
@login_required
def list_schools():
    """Schools the caller oversees, with their profiles (bureaus and the system admin).
    ---
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: "分页的学校列表 {items: [School], page, per_page, total, pages}"
    """
    require(permissions.can_list_schools(current_user), action="school.list")
    query = visible_to(current_user, sa.select(OrgUnit).where(OrgUnit.type == OrgType.SCHOOL).order_by(OrgUnit.code),
                       org_column=OrgUnit.id)
    page, per_page = page_args()
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {"items": SchoolSchema(many=True).dump([services.profile_for(s) for s in result.items]),
            "page": page, "per_page": per_page, "total": result.total, "pages": result.pages}


@bp.get("/schools/<code>")
@login_required
def get_school(code: str):
    """One school's profile, campuses included.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: SchoolSchema
    """
    school = school_for(code, permissions.can_view_school, "school.view")
    return SchoolSchema().dump(services.profile_for(school))


@bp.patch("/schools/<code>")
@login_required
def update_school(code: str):
    """Edit the profile (school admin); the change is kept in the profile history.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ProfileInputSchema
      responses:
        200:
          content:
            application/json:
              schema: SchoolSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.profile.update")
    profile = services.update_profile(current_user, school, load_json(ProfileInputSchema(), partial=True))
    db.session.commit()
    return SchoolSchema().dump(profile)


@bp.get("/schools/<code>/history")
@login_required
def school_history(code: str):
    """The profile's change history, newest first.
    ---
    get:
      responses:
        200:
          description: "{items: [{changed_at, actor, changes}]}"
    """
    school = school_for(code, permissions.can_view_school, "school.view")
    return {"items": [{"changed_at": r.changed_at.isoformat(), "actor": r.actor.username if r.actor else None,
                       "changes": r.changes} for r in services.profile_revisions(school)]}


@bp.post("/schools/<code>/campuses")
@login_required
def create_campus(code: str):
    """Add a campus (校区); `is_main` moves the main-campus mark to it.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: CampusInputSchema
      responses:
        201:
          content:
            application/json:
              schema: CampusSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.campus.create")
    campus = services.add_campus(current_user, school, load_json(CampusInputSchema()))
    db.session.commit()
    return CampusSchema().dump(campus), 201


@bp.put("/schools/<code>/campuses/<int:campus_id>")
@login_required
def update_campus(code: str, campus_id: int):
    """Replace a campus's name, address and main-campus mark.
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: CampusInputSchema
      responses:
        200:
          content:
            application/json:
              schema: CampusSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.campus.update")
    campus = services.update_campus(current_user, services.find_campus(school, campus_id), load_json(CampusInputSchema()))
    db.session.commit()
    return CampusSchema().dump(campus)


@bp.delete("/schools/<code>/campuses/<int:campus_id>")
@login_required
def delete_campus(code: str, campus_id: int):
    """Remove a campus.
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    school = school_for(code, permissions.can_manage_school, "school.campus.delete")
    services.delete_campus(current_user, services.find_campus(school, campus_id))
    db.session.commit()
    return "", 204

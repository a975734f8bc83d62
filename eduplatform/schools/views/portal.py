"""The school home page, the school list for bureaus, and the profile with campuses and history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require, visible_to
from eduplatform.core.text.excel import xlsx_download
from eduplatform.orgs.models import STAGE_LABELS, OrgType, OrgUnit
from eduplatform.schools import bp, connectivity, indicators, permissions, services
from eduplatform.schools.models import SchoolProfile, StudentProfile, TeacherProfile
from eduplatform.schools.models.connectivity import ACCESS_TYPES
from eduplatform.schools.models.profile import LOCALITY_LABELS, OWNERSHIP_LABELS, SchoolType
from eduplatform.schools.schemas import FIELD_LABELS, CampusInputSchema, ProfileInputSchema
from eduplatform.schools.views._helpers import page_context, save_form, school_for


@bp.get("/school")
@login_required
def my_school():
    school = permissions.own_school(current_user)
    if school is None:
        abort(404)
    return redirect(url_for("schools.school_home", code=school.code))


@bp.get("/schools")
@login_required
def school_list():
    require(permissions.can_list_schools(current_user), action="school.list")
    rows = _school_rows()
    return render_template("schools/list.html", rows=rows, access_types=ACCESS_TYPES)


@bp.get("/schools/export.xlsx")
@login_required
def school_list_export():
    require(permissions.can_list_schools(current_user), action="school.list")
    rows = _school_rows()
    data = ([r["school"].code, r["school"].name, r["district"], r["type"], "、".join(r["school"].stage_labels),
             r["figures"].get("students", 0), r["figures"].get("teachers", 0),
             ACCESS_TYPES.get(r["access_type"], "未填报"), r["figures"].get("bandwidth_mbps", 0)] for r in rows)
    return xlsx_download("学校列表.xlsx", [("学校列表", ["学校标识码", "学校名称", "所属区县", "办学类型", "学段",
                                                     "在校学生", "在职教师", "接入方式", "带宽(Mbps)"], data)])


def _school_rows() -> list[dict]:
    query = visible_to(current_user, sa.select(OrgUnit).where(OrgUnit.type == OrgType.SCHOOL).order_by(OrgUnit.code),
                       org_column=OrgUnit.id)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(OrgUnit.name.contains(q) | OrgUnit.code.contains(q))
    schools = list(db.session.scalars(query))
    ids = [s.id for s in schools]
    profiles = {p.org_id: p for p in db.session.scalars(sa.select(SchoolProfile).where(SchoolProfile.org_id.in_(ids)))}
    figures = indicators.collect_connectivity(sa.select(OrgUnit.id).where(OrgUnit.id.in_(ids))) if ids else {}
    networks = {n.school_id: n for n in db.session.scalars(
        sa.select(connectivity.NetworkAccess).where(connectivity.NetworkAccess.school_id.in_(ids)))}
    rows = []
    for school in schools:
        profile = profiles.get(school.id)
        district = school.district
        rows.append({"school": school, "district": district.name if district else "市直属",
                     "type": profile.school_type.label if profile and profile.school_type else "",
                     "figures": figures.get(school.id, {}),
                     "access_type": networks[school.id].access_type if school.id in networks else None})
    return rows


@bp.get("/schools/<code>/")
@login_required
def school_home(code: str):
    school = school_for(code, permissions.can_view_school, "school.view")
    context = page_context(school)
    profile = services.profile_for(school)
    stats = services.roster_stats(school) if context["can_view_roster"] else None
    school_indicators = indicators.school_indicators(school)[1] if context["can_view_indicators"] else None
    my_classes, me_student = [], None
    teacher = TeacherProfile.for_user(current_user)
    if teacher is not None and teacher.school_id == school.id:
        class_ids = {a.class_id for a in teacher.assignments}
        my_classes = [c for c in services.current_classes(school)
                      if c.id in class_ids or c.head_teacher_id == teacher.id]
    student = StudentProfile.for_user(current_user)
    if student is not None and student.school_id == school.id:
        me_student = student
    todos, notices = _own_work(school)
    return render_template("schools/home.html", profile=profile, stats=stats, indicators=school_indicators,
                           my_classes=my_classes, me_student=me_student, teacher=teacher, todos=todos,
                           notices=notices, **context)


def _own_work(school, limit: int = 5):
    """The viewer's open tasks and latest notices — on their own school's page only (a bureau user
    visiting a school sees the school, not their own inbox)."""
    if current_user.org_id != school.id:
        return None, None
    from eduplatform.workflow import todo_query
    from eduplatform.workflow.notices import recent_notices

    todos = db.session.scalars(todo_query(current_user).limit(limit)).all()
    notices = recent_notices(current_user, limit)
    return todos, notices


@bp.route("/schools/<code>/profile", methods=["GET", "POST"])
@login_required
def profile(code: str):
    school = school_for(code, permissions.can_view_school, "school.view")
    errors = {}
    if request.method == "POST":
        require(permissions.can_manage_school(current_user, school), action="school.profile.update", obj=school)
        saved, errors = save_form(lambda: services.update_profile(
            current_user, school, load_form(ProfileInputSchema(), empty_is_none=True)))
        if saved is not None:
            flash("学校概况已保存", "success")
            return redirect(url_for("schools.profile", code=code))
    return render_template("schools/profile.html", profile=services.profile_for(school), errors=errors,
                           form=request.form if request.method == "POST" else None,
                           revisions=services.profile_revisions(school),
                           type_options=[(t.value, t.label) for t in SchoolType], field_labels=FIELD_LABELS,
                           stage_labels=STAGE_LABELS, locality_labels=LOCALITY_LABELS,
                           ownership_labels=OWNERSHIP_LABELS, campuses=services.profile_for(school).campuses,
                           value_labels={"school_type": {t.value: t.label for t in SchoolType},
                                         "locality": LOCALITY_LABELS, "ownership": OWNERSHIP_LABELS},
                           **page_context(school))



@bp.post("/schools/<code>/campuses")
@login_required
def campus_create(code: str):
    school = school_for(code, permissions.can_manage_school, "school.campus.create")
    services.add_campus(current_user, school, load_form(CampusInputSchema(), empty_is_none=True))
    db.session.commit()
    flash("校区已添加", "success")
    return redirect(url_for("schools.profile", code=code))


@bp.post("/schools/<code>/campuses/<int:campus_id>")
@login_required
def campus_update(code: str, campus_id: int):
    school = school_for(code, permissions.can_manage_school, "school.campus.update")
    campus = services.find_campus(school, campus_id)
    services.update_campus(current_user, campus, load_form(CampusInputSchema(), empty_is_none=True))
    db.session.commit()
    flash("校区已修改", "success")
    return redirect(url_for("schools.profile", code=code))


@bp.post("/schools/<code>/campuses/<int:campus_id>/delete")
@login_required
def campus_delete(code: str, campus_id: int):
    school = school_for(code, permissions.can_manage_school, "school.campus.delete")
    services.delete_campus(current_user, services.find_campus(school, campus_id))
    db.session.commit()
    flash("校区已删除", "success")
    return redirect(url_for("schools.profile", code=code))


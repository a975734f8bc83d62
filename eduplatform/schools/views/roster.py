"""Classes, teachers, students, roster import, account slips and the school-year roll-over."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.audit.services import record
from eduplatform.core.api import load_args, load_form, load_input
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.text.excel import XLSX_MIMETYPE, csv_download, download, xlsx_download
from eduplatform.schools import bp, permissions, provisioning, rollover, roster_import, services
from eduplatform.schools.models import (
    StudentProfile,
    StudentStatus,
    TeacherProfile,
    TeacherStatus,
)
from eduplatform.schools.models.roster import grade_label, school_grades
from eduplatform.schools.personal import mask_id_number, mask_phone
from eduplatform.schools.schemas import (
    SUBJECTS,
    ClassInputSchema,
    ClassUpdateSchema,
    StudentInputSchema,
    StudentListArgsSchema,
    StudentStatusSchema,
    TeacherInputSchema,
)
from eduplatform.schools.views._helpers import page_context, save_form, school_for

# --- classes ---------------------------------------------------------------------------------

@bp.get("/schools/<code>/classes")
@login_required
def class_list(code: str):
    school = school_for(code, permissions.can_view_roster, "school.classes")
    classes = services.current_classes(school)
    counts = dict(db.session.execute(
        sa.select(StudentProfile.class_id, sa.func.count()).where(
            StudentProfile.class_id.in_([c.id for c in classes]), StudentProfile.status == StudentStatus.ENROLLED)
        .group_by(StudentProfile.class_id)).all())
    return render_template("schools/classes.html", classes=classes, counts=counts, year=services.current_year(school),
                           grades=[(g, grade_label(g, school.stages)) for g in school_grades(school.stages)],
                           teachers=_active_teachers(school), errors={}, **page_context(school))


def _active_teachers(school):
    return list(db.session.scalars(sa.select(TeacherProfile).where(
        TeacherProfile.school_id == school.id, TeacherProfile.status == TeacherStatus.ACTIVE)
        .order_by(TeacherProfile.teacher_no)))


@bp.get("/schools/<code>/classes/export.xlsx")
@login_required
def class_list_export(code: str):
    school = school_for(code, permissions.can_view_roster, "school.classes.export")
    year = services.current_year(school)
    rows = ([c.name, c.head_teacher.name if c.head_teacher else "", len(c.students)]
            for c in services.current_classes(school))
    return xlsx_download(f"班级-{year.name if year else ''}.xlsx", [("班级", ["班级", "班主任", "在读人数"], rows)])


@bp.post("/schools/<code>/classes")
@login_required
def class_create(code: str):
    school = school_for(code, permissions.can_manage_school, "school.class.create")
    data = load_form(ClassInputSchema(), empty_is_none=True)
    school_class = services.create_class(current_user, school, **data)
    db.session.commit()
    flash(f"已新建班级 {school_class.name}", "success")
    return redirect(url_for("schools.class_list", code=code))


@bp.get("/schools/<code>/classes/<int:class_id>")
@login_required
def class_detail(code: str, class_id: int):
    school = services.get_school(code)
    school_class = services.find_class(school, class_id)
    require(permissions.can_view_class(current_user, school_class), action="school.class.view", obj=school_class)
    return render_template("schools/class_detail.html", school_class=school_class,
                           students=list(db.session.scalars(services.class_students(school_class))),
                           teachers=_active_teachers(school), mask_id=mask_id_number, mask_phone=mask_phone,
                           without_account=provisioning.student_without_account_count(school_class),
                           **page_context(school))


@bp.get("/schools/<code>/classes/<int:class_id>/export.xlsx")
@login_required
def class_export(code: str, class_id: int):
    school = services.get_school(code)
    school_class = services.find_class(school, class_id)
    require(permissions.can_view_class(current_user, school_class), action="school.class.export", obj=school_class)
    students = db.session.scalars(services.class_students(school_class))
    return xlsx_download(f"{school_class.name}名单.xlsx", [(
        school_class.name, ["学号", "姓名", "性别", "身份证号（脱敏）", "账号"],
        ([s.student_no, s.name, s.gender.label, mask_id_number(s.id_number), s.user.username if s.user else ""]
         for s in students))])


@bp.post("/schools/<code>/classes/<int:class_id>")
@login_required
def class_update(code: str, class_id: int):
    school = school_for(code, permissions.can_manage_school, "school.class.update")
    school_class = services.find_class(school, class_id)
    services.update_class(current_user, school_class, **load_form(ClassUpdateSchema(), empty_is_none=True))
    db.session.commit()
    flash("班主任已更新", "success")
    return redirect(url_for("schools.class_detail", code=code, class_id=class_id))


@bp.post("/schools/<code>/classes/<int:class_id>/delete")
@login_required
def class_delete(code: str, class_id: int):
    school = school_for(code, permissions.can_manage_school, "school.class.delete")
    services.delete_class(current_user, services.find_class(school, class_id))
    db.session.commit()
    flash("班级已删除", "success")
    return redirect(url_for("schools.class_list", code=code))


@bp.post("/schools/<code>/classes/<int:class_id>/accounts")
@login_required
def class_accounts(code: str, class_id: int):
    """Open accounts for the class's students who have none and show the slips (passwords once)."""
    school = school_for(code, permissions.can_manage_school, "school.accounts.provision")
    school_class = services.find_class(school, class_id)
    slips = provisioning.provision_class_accounts(current_user, school_class)
    db.session.commit()
    return render_template("schools/slips.html", slips=slips, title=f"{school_class.name} 账号条", school=school,
                           back=url_for("schools.class_detail", code=code, class_id=class_id))


@bp.get("/schools/<code>/classes/<int:class_id>/slips")
@login_required
def class_slips(code: str, class_id: int):
    school = school_for(code, permissions.can_manage_school, "school.accounts.slips")
    school_class = services.find_class(school, class_id)
    return render_template("schools/slips.html", slips=provisioning.slips_for_class(school_class),
                           title=f"{school_class.name} 账号条", school=school,
                           back=url_for("schools.class_detail", code=code, class_id=class_id))


# --- teachers --------------------------------------------------------------------------------

@bp.get("/schools/<code>/teachers")
@login_required
def teacher_list(code: str):
    school = school_for(code, permissions.can_view_roster, "school.teachers")
    query = _teacher_query(school)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("schools/teachers.html", page=page, q=request.args.get("q", ""),
                           mask_phone=mask_phone, **page_context(school))


def _teacher_query(school):
    query = sa.select(TeacherProfile).where(TeacherProfile.school_id == school.id).order_by(TeacherProfile.teacher_no)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(TeacherProfile.name.contains(q) | TeacherProfile.teacher_no.contains(q))
    return query


@bp.get("/schools/<code>/teachers/export.xlsx")
@login_required
def teacher_export(code: str):
    school = school_for(code, permissions.can_view_roster, "school.teachers.export")
    teachers = db.session.scalars(_teacher_query(school))
    headers = ["工号", "姓名", "性别", "手机号（脱敏）", "任教学科", "职称", "状态", "任教班级", "账号"]
    rows = ([t.teacher_no, t.name, t.gender.label if t.gender else "", mask_phone(t.phone), "、".join(t.subjects),
             t.title, t.status.label,
             "、".join(f"{a.school_class.name}:{a.subject}" for a in t.assignments
                      if a.school_class.school_year.is_current),
             t.user.username if t.user else ""] for t in teachers)
    return xlsx_download("教师名单.xlsx", [("教师", headers, rows)])


@bp.route("/schools/<code>/teachers/new", methods=["GET", "POST"])
@login_required
def teacher_create(code: str):
    school = school_for(code, permissions.can_manage_school, "school.teacher.create")
    return _teacher_form(school, None)


@bp.route("/schools/<code>/teachers/<int:teacher_id>", methods=["GET", "POST"])
@login_required
def teacher_detail(code: str, teacher_id: int):
    school = services.get_school(code)
    teacher = services.find_teacher(school, teacher_id)
    require(permissions.can_view_teacher(current_user, teacher), action="school.teacher.view", obj=teacher)
    if request.method == "POST":
        require(permissions.can_manage_school(current_user, school), action="school.teacher.update", obj=teacher)
    return _teacher_form(school, teacher)


def _teacher_form(school, teacher):
    errors = {}
    if request.method == "POST":
        saved, errors = save_form(lambda: _save_teacher(school, teacher))
        if saved is not None:
            flash("教师信息已保存", "success")
            return redirect(url_for("schools.teacher_detail", code=school.code, teacher_id=saved.id))
    full = permissions.can_see_personal_data(current_user, school)
    return render_template("schools/teacher_form.html", teacher=teacher, errors=errors, subjects=SUBJECTS,
                           form=request.form if request.method == "POST" else None, full=full,
                           classes=services.current_classes(school), mask_id=mask_id_number, mask_phone=mask_phone,
                           status_options=[(s.value, s.label) for s in TeacherStatus], **page_context(school))


def _save_teacher(school, teacher):
    data = load_form(TeacherInputSchema(), empty_is_none=True)
    pairs = [{"class_id": c, "subject": s} for c, s in zip(
        request.form.getlist("assign_class"), request.form.getlist("assign_subject"), strict=False) if c and s]
    data["assignments"] = load_input(TeacherInputSchema(only=("assignments",)), {"assignments": pairs})["assignments"]
    if teacher is None:
        return services.create_teacher(current_user, school, data)
    return services.update_teacher(current_user, teacher, data)


@bp.post("/schools/<code>/teachers/accounts")
@login_required
def teacher_accounts(code: str):
    school = school_for(code, permissions.can_manage_school, "school.accounts.provision")
    teachers = list(db.session.scalars(sa.select(TeacherProfile).where(
        TeacherProfile.school_id == school.id, TeacherProfile.status == TeacherStatus.ACTIVE,
        TeacherProfile.user_id.is_(None)).order_by(TeacherProfile.teacher_no)))
    slips = provisioning.provision_teacher_accounts(current_user, school, teachers)
    db.session.commit()
    return render_template("schools/slips.html", slips=slips, title="教师账号条", school=school,
                           back=url_for("schools.teacher_list", code=code))


# --- students --------------------------------------------------------------------------------

def _student_query(school):
    query = sa.select(StudentProfile).where(StudentProfile.school_id == school.id)
    args = load_args(StudentListArgsSchema())
    if args["status"] != "all":
        query = query.where(StudentProfile.status == args["status"])
    if args["class_id"]:
        query = query.where(StudentProfile.class_id == args["class_id"])
    q = args["q"].strip()
    if q:
        query = query.where(StudentProfile.name.contains(q) | StudentProfile.student_no.contains(q))
    return query.order_by(StudentProfile.student_no)


@bp.get("/schools/<code>/students")
@login_required
def student_list(code: str):
    school = school_for(code, permissions.can_view_roster, "school.students")
    page = db.paginate(_student_query(school), per_page=50, error_out=False)
    args = {k: v for k, v in request.args.items() if k in ("status", "class_id", "q")}
    return render_template("schools/students.html", page=page, args=args, classes=services.current_classes(school),
                           statuses=list(StudentStatus), mask_id=mask_id_number, **page_context(school))


@bp.get("/schools/<code>/students/export.xlsx")
@login_required
def student_export(code: str):
    """Masked by default; ``full=1`` (the school admin only) exports ID and phone numbers, audited."""
    school = school_for(code, permissions.can_view_roster, "school.students.export")
    full = request.args.get("full") == "1"
    if full:
        require(permissions.can_see_personal_data(current_user, school), action="school.students.export_full",
                obj=school)
        record("schools", "students.exported_full", f"{current_user.username} 导出含完整个人信息的学生名单",
               actor=current_user, obj=school)
        db.session.commit()
    students = db.session.execute(_student_query(school).execution_options(yield_per=500)).scalars()
    show_id = (lambda v: v) if full else mask_id_number
    show_phone = (lambda v: v) if full else mask_phone
    rows = ([s.student_no, s.name, s.gender.label, s.school_class.name if s.school_class else "", s.status.label,
             show_id(s.id_number), s.birth_date, s.guardian_name, show_phone(s.guardian_phone),
             s.user.username if s.user else ""] for s in students)
    return xlsx_download("学生名单.xlsx", [("学生", ["学号", "姓名", "性别", "班级", "状态", "身份证号", "出生日期",
                                                   "监护人", "监护人电话", "账号"], rows)])


@bp.route("/schools/<code>/students/new", methods=["GET", "POST"])
@login_required
def student_create(code: str):
    school = school_for(code, permissions.can_manage_school, "school.student.create")
    return _student_form(school, None)


@bp.route("/schools/<code>/students/<int:student_id>", methods=["GET", "POST"])
@login_required
def student_detail(code: str, student_id: int):
    school = services.get_school(code)
    student = services.find_student(school, student_id)
    require(permissions.can_view_student(current_user, student), action="school.student.view", obj=student)
    if request.method == "POST":
        require(permissions.can_manage_school(current_user, school), action="school.student.update", obj=student)
    return _student_form(school, student)


def _student_form(school, student):
    errors = {}
    if request.method == "POST":
        saved, errors = save_form(lambda: _save_student(school, student))
        if saved is not None:
            flash("学生信息已保存", "success")
            return redirect(url_for("schools.student_detail", code=school.code, student_id=saved.id))
    return render_template("schools/student_form.html", student=student, errors=errors,
                           form=request.form if request.method == "POST" else None,
                           full=permissions.can_see_personal_data(current_user, school),
                           class_options=[(c.id, c.name) for c in services.current_classes(school)],
                           mask_id=mask_id_number, mask_phone=mask_phone, statuses=list(StudentStatus),
                           **page_context(school))


def _save_student(school, student):
    data = load_form(StudentInputSchema(), empty_is_none=True)
    if student is None:
        return services.create_student(current_user, school, data)
    if student.status != StudentStatus.ENROLLED and data.get("class_id") == student.class_id:
        data.pop("class_id")
    return services.update_student(current_user, student, data)


@bp.post("/schools/<code>/students/<int:student_id>/status")
@login_required
def student_status(code: str, student_id: int):
    school = school_for(code, permissions.can_manage_school, "school.student.status")
    student = services.find_student(school, student_id)
    data = load_form(StudentStatusSchema(), empty_is_none=True)
    services.set_student_status(current_user, student, data["status"], data.get("left_on"))
    db.session.commit()
    flash(f"{student.name} 的状态已改为{student.status.label}", "success")
    return redirect(url_for("schools.student_detail", code=code, student_id=student.id))


# --- roster import ---------------------------------------------------------------------------

@bp.get("/schools/<code>/import")
@login_required
def import_start(code: str):
    school = school_for(code, permissions.can_manage_school, "school.import")
    from eduplatform.schools.models import RosterImport

    recent = list(db.session.scalars(sa.select(RosterImport).where(RosterImport.school_id == school.id)
                                     .order_by(RosterImport.id.desc()).limit(10)))
    return render_template("schools/import.html", recent=recent, columns=roster_import.COLUMNS,
                           kind_labels=roster_import.KIND_LABELS, **page_context(school))


@bp.get("/schools/<code>/import/template")
@login_required
def import_template(code: str):
    school_for(code, permissions.can_manage_school, "school.import")
    kind = request.args.get("kind", "students")
    if kind not in roster_import.COLUMNS:
        kind = "students"
    name = f"{roster_import.KIND_LABELS[kind]}名册模板"
    if request.args.get("format") == "csv":
        return csv_download(f"{name}.csv", [c.header for c in roster_import.COLUMNS[kind]],
                            roster_import.EXAMPLE_ROWS[kind])
    return download(roster_import.template_workbook(kind), f"{name}.xlsx", XLSX_MIMETYPE)


@bp.post("/schools/<code>/import")
@login_required
def import_upload(code: str):
    school = school_for(code, permissions.can_manage_school, "school.import")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要上传的 Excel 或 CSV 文件", fields={"file": ["请选择文件"]})
    run = roster_import.preview_import(current_user, school, request.form.get("kind", ""), upload.stream,
                                       upload.filename, upload.mimetype)
    db.session.commit()
    return redirect(url_for("schools.import_preview", code=code, import_id=run.id))


@bp.get("/schools/<code>/import/<int:import_id>")
@login_required
def import_preview(code: str, import_id: int):
    school = school_for(code, permissions.can_manage_school, "school.import")
    run = roster_import.find_import(school, import_id)
    return render_template("schools/import_preview.html", run=run, kind_labels=roster_import.KIND_LABELS,
                           **page_context(school))


@bp.post("/schools/<code>/import/<int:import_id>/confirm")
@login_required
def import_confirm(code: str, import_id: int):
    school = school_for(code, permissions.can_manage_school, "school.import")
    run = roster_import.find_import(school, import_id)
    try:
        roster_import.apply_import(current_user, run)
    except roster_import.ImportRefused as exc:
        db.session.rollback()
        run.status = "invalid"
        run.problems = exc.fields.get("problems", [])
        run.problem_count = len(run.problems)
        db.session.commit()
        flash(exc.message, "danger")
        return redirect(url_for("schools.import_preview", code=code, import_id=run.id))
    db.session.commit()
    summary = run.summary
    flash(f"导入完成：新增 {summary['new']} 人，更新 {summary['updated']} 人，未变 {summary['unchanged']} 人", "success")
    return redirect(url_for("schools.import_preview", code=code, import_id=run.id))


# --- roll-over -------------------------------------------------------------------------------

@bp.route("/schools/<code>/rollover", methods=["GET", "POST"])
@login_required
def rollover_view(code: str):
    school = school_for(code, permissions.can_manage_school, "school.rollover")
    if request.method == "POST":
        plan = rollover.apply_rollover(current_user, school)
        db.session.commit()
        flash(f"学年升级完成：升级 {len(plan.promoted)} 个班，毕业 {len(plan.graduating)} 个班"
              f"（{plan.graduating_students} 人）", "success")
        return redirect(url_for("schools.class_list", code=code))
    return render_template("schools/rollover.html", plan=rollover.plan_rollover(school), **page_context(school))



"""The teacher's side: courses I manage, editing a course and its structure, learners and approvals,
enrolling a class, the dashboard (and its Excel export), Q&A to answer, assignments to grade."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import (
    access,
    assignments,
    bp,
    catalogue,
    completion,
    dashboard,
    enrolment,
    permissions,
    qa,
    quizzes,
    resources_link,
    structure,
)
from eduplatform.courses.models import (
    Course,
    CourseAudience,
    EnrolmentMode,
    EnrolmentStatus,
    LessonKind,
    LessonQuestion,
)
from eduplatform.courses.schemas import (
    ChapterInSchema,
    CourseInSchema,
    DecisionSchema,
    EnrolClassSchema,
    GradeInSchema,
    LessonInSchema,
    LessonUpdateSchema,
    MoveSchema,
)
from eduplatform.orgs.models import Stage
from eduplatform.questions.vocab import GRADES, SUBJECTS


def managed_query(user):
    base = sa.select(Course).where(Course.deleted_at.is_(None))
    if user.has_role(*permissions.MANAGER_ROLES) and user.scope_root is not None:
        return base.where(sa.or_(Course.owner_id == user.id, Course.org_id == user.scope_root.id))
    return base.where(Course.owner_id == user.id)


@bp.get("/manage")
@login_required
def manage_list():
    require(permissions.can_create_course(current_user), action="course.manage_list")
    courses = db.session.scalars(managed_query(current_user).order_by(Course.id.desc())).all()
    ids = [c.id for c in courses] or [0]
    unanswered = dict(db.session.execute(
        sa.select(LessonQuestion.course_id, sa.func.count()).where(LessonQuestion.course_id.in_(ids),
                                                                    LessonQuestion.answered_at.is_(None))
        .group_by(LessonQuestion.course_id)).all())
    pending = dict(db.session.execute(
        sa.select(enrolment.Enrolment.course_id, sa.func.count()).where(
            enrolment.Enrolment.course_id.in_(ids), enrolment.Enrolment.status == EnrolmentStatus.PENDING)
        .group_by(enrolment.Enrolment.course_id)).all())
    return render_template("courses/manage_list.html", courses=courses, unanswered=unanswered, pending=pending,
                           counts={c.id: enrolment.enrolment_count(c) for c in courses})


def _form_context(course=None):
    return {"course": course, "stages": Stage, "subjects": SUBJECTS, "grades": GRADES,
            "audiences": CourseAudience, "modes": EnrolmentMode,
            "org_choices": catalogue.visible_org_choices(current_user)}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_course():
    require(permissions.can_create_course(current_user), action="course.create")
    if request.method == "POST":
        course = catalogue.create_course(current_user, load_form(CourseInSchema()))
        db.session.commit()
        flash("课程已创建，请添加章和课时", "success")
        return redirect(url_for("courses.structure_page", course_id=course.id))
    return render_template("courses/course_form.html", **_form_context())


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit_course(course_id: int):
    course = access.course_for(course_id, "manage")
    if request.method == "POST":
        data = load_form(CourseInSchema())
        catalogue.update_course(current_user, course, data)
        db.session.commit()
        flash("课程信息已保存", "success")
        return redirect(url_for("courses.structure_page", course_id=course.id))
    return render_template("courses/course_form.html", **_form_context(course))


@bp.post("/<int:course_id>/status")
@login_required
def change_status(course_id: int):
    course = access.course_for(course_id, "manage")
    action = request.form.get("action")
    if action == "publish":
        catalogue.publish_course(current_user, course)
        message = "课程已发布"
    elif action == "archive":
        catalogue.archive_course(current_user, course)
        message = "课程已归档"
    elif action == "delete":
        catalogue.delete_course(current_user, course)
        db.session.commit()
        flash("课程已删除", "success")
        return redirect(url_for("courses.manage_list"))
    else:
        flash("未知操作", "danger")
        return redirect(url_for("courses.structure_page", course_id=course.id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("courses.structure_page", course_id=course.id))


# --- structure ----------------------------------------------------------------------------------

@bp.get("/<int:course_id>/structure")
@login_required
def structure_page(course_id: int):
    course = access.course_for(course_id, "manage")
    return render_template("courses/structure.html", course=course, kinds=list(LessonKind), papers=_papers(),
                           resources=resources_link.choices(current_user), kind_of=resources_link.kind_of,
                           rule_text=completion.rule_text, lti_tools=_lti_tools(course))


def _lti_tools(course):
    from eduplatform.courses.lti.tools import usable_tools

    return usable_tools(course)


def _papers():
    """Papers the teacher may turn into a quiz (the question bank's visibility rules)."""
    from eduplatform.questions import permissions as qperm
    from eduplatform.questions.models import Paper

    if not qperm.is_author(current_user):
        return []
    query = qperm.visible_shared(current_user, sa.select(Paper).where(Paper.deleted_at.is_(None)), Paper)
    return db.session.scalars(query.order_by(Paper.id.desc()).limit(200)).all()


@bp.post("/<int:course_id>/chapters")
@login_required
def chapter_add(course_id: int):
    course = access.course_for(course_id, "manage")
    structure.add_chapter(current_user, course, load_form(ChapterInSchema())["title"])
    db.session.commit()
    flash("已添加章", "success")
    return redirect(url_for("courses.structure_page", course_id=course.id))


@bp.post("/<int:course_id>/chapters/<int:chapter_id>/<action>")
@login_required
def chapter_action(course_id: int, chapter_id: int, action: str):
    course = access.course_for(course_id, "manage")
    chapter = structure.get_chapter(course, chapter_id)
    if action == "rename":
        structure.rename_chapter(current_user, chapter, load_form(ChapterInSchema())["title"])
    elif action == "delete":
        structure.delete_chapter(current_user, chapter)
    elif action == "move":
        structure.move(current_user, course.chapters, chapter, load_form(MoveSchema())["direction"])
    elif action == "lessons":
        data = load_form(LessonInSchema())
        lesson = structure.add_lesson(current_user, chapter, data, upload=request.files.get("file"))
        db.session.commit()
        flash(f"已添加课时：{lesson.title}", "success")
        return redirect(url_for("courses.structure_page", course_id=course.id, _anchor=f"lesson-{lesson.id}"))
    else:
        flash("未知操作", "danger")
    db.session.commit()
    return redirect(url_for("courses.structure_page", course_id=course.id))


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@login_required
def lesson_edit(lesson_id: int):
    lesson = access.lesson_for(lesson_id, "manage")
    if request.method == "POST":
        data = load_form(LessonUpdateSchema(), partial=True)
        data["required"] = request.form.get("required") == "1"  # an unticked box is not sent at all
        structure.update_lesson(current_user, lesson, data, upload=request.files.get("file"))
        db.session.commit()
        flash("课时已保存", "success")
        return redirect(url_for("courses.structure_page", course_id=lesson.course_id))
    from eduplatform.core.textbooks import catalogue

    course = lesson.course
    volumes = catalogue().find(stage=course.stage or None, subject=course.subject or None) or catalogue().find()
    return render_template("courses/lesson_form.html", lesson=lesson, course=course, textbook_volumes=volumes,
                           resources=[r for r in resources_link.choices(current_user)
                                      if resources_link.kind_of(r) == lesson.kind])


@bp.post("/lessons/<int:lesson_id>/<action>")
@login_required
def lesson_action(lesson_id: int, action: str):
    lesson = access.lesson_for(lesson_id, "manage")
    course_id = lesson.course_id
    if action == "delete":
        structure.delete_lesson(current_user, lesson)
        flash("课时已删除", "success")
    elif action == "move":
        structure.move(current_user, lesson.chapter.lessons, lesson, load_form(MoveSchema())["direction"])
    else:
        flash("未知操作", "danger")
    db.session.commit()
    return redirect(url_for("courses.structure_page", course_id=course_id))


# --- learners -----------------------------------------------------------------------------------

@bp.get("/<int:course_id>/learners")
@login_required
def learners(course_id: int):
    course = access.course_for(course_id, "oversee")
    status = request.args.get("status", "active")
    wanted = EnrolmentStatus(status) if status in {s.value for s in EnrolmentStatus} else EnrolmentStatus.ACTIVE
    rows = db.session.scalars(enrolment.learners_query(course, status=wanted)).all()
    return render_template("courses/learners.html", course=course, rows=rows, status=wanted.value,
                           classes=_my_classes(course), statuses=EnrolmentStatus,
                           can_manage=permissions.can_manage_course(current_user, course))


def _my_classes(course):
    """Current classes the teacher may enrol (their school's classes they head or teach, or all for admins)."""
    from eduplatform.schools.models import SchoolClass, SchoolYear
    from eduplatform.schools.permissions import can_view_class, own_school

    if course.audience != CourseAudience.STUDENTS or not permissions.can_manage_course(current_user, course):
        return []
    school = own_school(current_user)
    if school is None:
        return []
    classes = db.session.scalars(sa.select(SchoolClass).join(SchoolYear).where(
        SchoolClass.school_id == school.id, SchoolYear.is_current.is_(True), SchoolClass.graduated.is_(False))
        .order_by(SchoolClass.grade, SchoolClass.number)).all()
    return [c for c in classes if can_view_class(current_user, c) and course.visible_org.contains(c.school)]


@bp.post("/<int:course_id>/enrol-class")
@login_required
def enrol_class(course_id: int):
    course = access.course_for(course_id, "manage")
    school_class = enrolment.require_class(load_form(EnrolClassSchema())["class_id"])
    require(permissions.can_enrol_class(current_user, course, school_class), action="course.enrol_class", obj=course)
    result = enrolment.enrol_class(current_user, course, school_class)
    db.session.commit()
    note = f"，{result['no_account']} 名学生尚无账号" if result["no_account"] else ""
    flash(f"已为 {school_class.name} 选课：新增 {result['added']} 人，已在学 {result['already']} 人{note}", "success")
    return redirect(url_for("courses.learners", course_id=course.id))


@bp.post("/enrolments/<int:enrolment_id>/decide")
@login_required
def decide(enrolment_id: int):
    row = access.enrolment_for(enrolment_id, "manage")
    data = load_form(DecisionSchema())
    enrolment.decide(current_user, row, approve=data["approve"], reason=data["reason"])
    db.session.commit()
    flash("已通过报名" if data["approve"] else "已拒绝报名", "success")
    return redirect(url_for("courses.learners", course_id=row.course_id, status="pending"))


# --- dashboard, Q&A, grading --------------------------------------------------------------------

@bp.get("/<int:course_id>/dashboard")
@login_required
def dashboard_page(course_id: int):
    course = access.course_for(course_id, "oversee")
    board = dashboard.build(course)
    db.session.commit()
    return render_template("courses/dashboard.html", course=course, board=board, cell_text=dashboard.cell_text,
                           can_manage=permissions.can_manage_course(current_user, course))


@bp.post("/enrolments/<int:enrolment_id>/lessons/<int:lesson_id>/extra-attempt")
@login_required
def grant_attempt(enrolment_id: int, lesson_id: int):
    """The teacher gives a learner one more attempt at a quiz lesson (from the dashboard)."""
    row = access.enrolment_for(enrolment_id, "manage")
    lesson = structure.get_lesson(lesson_id)
    if lesson.course_id != row.course_id:
        raise NotFound("课时不存在")
    quizzes.grant_attempt(current_user, lesson, row)
    db.session.commit()
    flash(f"已为 {row.user.display_name} 增加一次“{lesson.title}”的作答机会", "success")
    return redirect(url_for("courses.dashboard_page", course_id=row.course_id))


@bp.get("/<int:course_id>/dashboard.xlsx")
@login_required
def dashboard_export(course_id: int):
    from eduplatform.audit.services import record
    from eduplatform.core.text.excel import xlsx_download

    course = access.course_for(course_id, "oversee")
    board = dashboard.build(course)
    record("courses", "dashboard.exported", f"导出学习进度：{course.title}", actor=current_user, obj=course)
    db.session.commit()
    return xlsx_download(f"{course.title}-学习进度.xlsx", dashboard.export_sheets(board))


@bp.get("/<int:course_id>/questions")
@login_required
def course_questions(course_id: int):
    course = access.course_for(course_id, "manage")
    show = request.args.get("show", "unanswered")
    query = qa.unanswered_query(course) if show == "unanswered" else \
        sa.select(LessonQuestion).where(LessonQuestion.course_id == course.id).order_by(LessonQuestion.id.desc())
    return render_template("courses/questions.html", course=course, questions=db.session.scalars(query).all(),
                           show=show)


@bp.get("/questions/unanswered")
@login_required
def my_unanswered():
    require(permissions.can_create_course(current_user), action="course.questions")
    questions = db.session.scalars(qa.unanswered_query(teacher=current_user)).all()
    return render_template("courses/questions.html", course=None, questions=questions, show="unanswered")


@bp.get("/lessons/<int:lesson_id>/submissions")
@login_required
def submissions(lesson_id: int):
    lesson = access.lesson_for(lesson_id, "manage")
    return render_template("courses/submissions.html", lesson=lesson, course=lesson.course,
                           rows=assignments.submissions_of(lesson), max_score=assignments.max_score(lesson))


@bp.post("/submissions/<int:submission_id>/grade")
@login_required
def grade(submission_id: int):
    submission = assignments.get_submission(submission_id)
    access.lesson_for(submission.lesson_id, "manage")
    data = load_form(GradeInSchema())
    assignments.grade(current_user, submission, score=data["score"], feedback=data["feedback"],
                      return_for_redo=data["return_for_redo"])
    db.session.commit()
    flash("已退回重做" if data["return_for_redo"] else "已批改", "success")
    return redirect(url_for("courses.submissions", lesson_id=submission.lesson_id))

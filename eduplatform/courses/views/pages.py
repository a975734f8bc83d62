"""The learner's side: catalogue (search + filters), a course's page, my courses, enrolling."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, page_args
from eduplatform.core.db import has_writes
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import access, bp, catalogue, completion, enrolment, permissions, publicity, quizzes
from eduplatform.courses.models import Course, CourseAudience, EnrolmentStatus
from eduplatform.courses.schemas import CatalogueArgsSchema
from eduplatform.orgs.models import Stage
from eduplatform.questions.vocab import GRADES, SUBJECTS


@bp.get("/", endpoint="catalogue")
@login_required
def catalogue_page():
    args = load_args(CatalogueArgsSchema())
    filters = {k: str(args[k] or "") for k in ("stage", "subject", "grade", "audience")}
    text = args["q"].strip()
    page, per_page = page_args()
    facets = {}
    if text:
        results = catalogue.search_courses(current_user, text, filters=filters, page=page, per_page=per_page)
        ids = [int(h.object_id) for h in results.hits]
        by_id = {c.id: c for c in db.session.scalars(db.select(Course).where(Course.id.in_(ids)))}
        courses, total, pages = [by_id[i] for i in ids if i in by_id], results.total, results.pages
        facets = results.facet_counts
        highlights = {int(h.object_id): h.highlights for h in results.hits}
    else:
        pagination = db.paginate(catalogue.catalogue_query(current_user, **filters), page=page, per_page=per_page,
                                 error_out=False)
        courses, total, pages, highlights = pagination.items, pagination.total, pagination.pages, {}
    mine = {e.course_id: e for e in db.session.scalars(enrolment.my_enrolments_query(current_user))}
    return render_template("courses/catalogue.html", courses=courses, total=total, pages=pages, page=page,
                           text=text, filters=filters, facets=facets, highlights=highlights, mine=mine,
                           stages=Stage, subjects=SUBJECTS, grades=GRADES, audiences=CourseAudience,
                           counts={c.id: enrolment.enrolment_count(c) for c in courses})



@bp.get("/mine")
@login_required
def my_courses():
    rows = db.session.scalars(enrolment.my_enrolments_query(current_user)).all()
    return render_template("courses/my_courses.html", rows=rows)


@bp.get("/<int:course_id>")
@login_required
def course_page(course_id: int):
    course = access.course_for(course_id)
    row = enrolment.find_enrolment(course, current_user)
    progress = {}
    if row is not None and row.status == EnrolmentStatus.ACTIVE:
        quizzes.refresh_pulled(course, row)
        if has_writes(db.session):
            db.session.commit()
        progress = completion.progress_map(course, current_user)
    return render_template("courses/course.html", course=course, enrolment=row, progress=progress,
                           count=enrolment.enrolment_count(course), stage_label=catalogue.stage_label(course.stage),
                           subjects=SUBJECTS, grades=GRADES, permissions=permissions,
                           can_enrol=permissions.can_self_enrol(current_user, course),
                           can_manage=permissions.can_manage_course(current_user, course),
                           can_learn=permissions.can_learn(current_user, course, row))


@bp.post("/<int:course_id>/public")
@login_required
def course_publicity(course_id: int):
    """The course's managers ask for 向社会公开 (a bureau above decides) or withdraw it."""
    course = access.course_for(course_id)
    require(permissions.can_request_public_course(current_user, course), action="course.public", obj=course)
    try:
        if request.form.get("action") == "request":
            publicity.request_public(current_user, course)
            message = "已申请向社会公开，等待上级教育局审核"
        else:
            publicity.withdraw_public(current_user, course)
            message = "已取消向社会公开"
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("courses.course_page", course_id=course_id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("courses.course_page", course_id=course.id))


@bp.post("/<int:course_id>/public-decision")
@login_required
def course_public_decision(course_id: int):
    """A bureau above the course's unit approves or refuses its 向社会公开."""
    course = access.course_for(course_id)
    require(permissions.can_decide_public_course(current_user, course), action="course.public_decision", obj=course,
            message="您不是该课程向社会公开申请的审核人")
    try:
        publicity.decide(current_user, course, request.form.get("public"), request.form.get("reason"))
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("courses.course_page", course_id=course_id))
    db.session.commit()
    flash("已同意向社会公开" if course.is_public or course.publicity.value == "public" else "已不同意，理由已告知课程负责人",
          "success")
    return redirect(url_for("courses.public_requests") if request.form.get("next") == "queue"
                    else url_for("courses.course_page", course_id=course.id))


@bp.get("/public-requests")
@login_required
def public_requests():
    """Courses whose 向社会公开 waits for my decision (bureau staff and leaders)."""
    rows = list(db.session.scalars(publicity.pending_for(current_user).limit(100)))
    return render_template("courses/public_requests.html", courses=rows)


@bp.post("/<int:course_id>/enrol")
@login_required
def enrol(course_id: int):
    course = access.course_for(course_id)
    row = enrolment.enrol(current_user, course)
    db.session.commit()
    if row.status == EnrolmentStatus.PENDING:
        flash("已提交报名，等待课程负责人审核", "info")
    else:
        flash("选课成功，开始学习吧", "success")
    return redirect(url_for("courses.course_page", course_id=course.id))


@bp.post("/enrolments/<int:enrolment_id>/withdraw")
@login_required
def withdraw(enrolment_id: int):
    row = access.enrolment_for(enrolment_id)
    enrolment.withdraw(current_user, row)
    db.session.commit()
    flash("已退出课程" if row.status == EnrolmentStatus.WITHDRAWN else "已撤回报名", "info")
    return redirect(url_for("courses.course_page", course_id=row.course_id))

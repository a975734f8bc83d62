"""The learner's side: catalogue (search + filters), a course's page, my courses, enrolling."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, page_args
from eduplatform.core.extensions import db
from eduplatform.courses import access, bp, catalogue, completion, enrolment, permissions, quizzes
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
        db.session.commit()
        progress = completion.progress_map(course, current_user)
    return render_template("courses/course.html", course=course, enrolment=row, progress=progress,
                           count=enrolment.enrolment_count(course), stage_label=catalogue.stage_label(course.stage),
                           subjects=SUBJECTS, grades=GRADES, permissions=permissions,
                           can_enrol=permissions.can_self_enrol(current_user, course),
                           can_manage=permissions.can_manage_course(current_user, course),
                           can_learn=permissions.can_learn(current_user, course, row))


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

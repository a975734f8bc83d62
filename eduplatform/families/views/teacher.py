"""The 班主任's pages: the class's notices with 回执 counts, who has not acknowledged, reminders, the
class's message threads, invitation slips and the parents linked to each student."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.families import bp, permissions, services
from eduplatform.families.access import headed_class, link_for, managed_class, managed_notice
from eduplatform.families.models import NoticeReceipt
from eduplatform.families.schemas import CodesInSchema, NoticeInSchema
from eduplatform.schools.models import SchoolClass


def receipt_counts(notice_ids: list[int]) -> dict[int, int]:
    if not notice_ids:
        return {}
    return dict(db.session.execute(sa.select(NoticeReceipt.notice_id, sa.func.count()).where(
        NoticeReceipt.notice_id.in_(notice_ids)).group_by(NoticeReceipt.notice_id)).all())


@bp.get("/classes")
@login_required
def teacher_home():
    ids = permissions.headed_class_ids(current_user)
    require(bool(ids), action="families.teacher_home", message="只有班主任有家校沟通页面")
    if len(ids) == 1:
        return redirect(url_for("families.class_page", class_id=ids[0]))
    classes = db.session.scalars(sa.select(SchoolClass).where(SchoolClass.id.in_(ids))
                                 .order_by(SchoolClass.grade, SchoolClass.number)).all()
    return render_template("families/teacher_home.html", classes=classes)


@bp.get("/classes/<int:class_id>")
@login_required
def class_page(class_id: int):
    school_class = managed_class(class_id)
    notices = services.notices_for_class(school_class.id)
    students = list(school_class.students)
    return render_template("families/class.html", school_class=school_class, notices=notices,
                           counts=receipt_counts([n.id for n in notices]), students=students,
                           links=services.links_of_class(school_class),
                           threads=services.threads_of_class(school_class.id),
                           head=permissions.is_head_teacher(current_user, school_class))


@bp.post("/classes/<int:class_id>/notices")
@login_required
def post_notice(class_id: int):
    school_class = headed_class(class_id)
    try:
        data = load_form(NoticeInSchema())
        notice = services.post_notice(current_user, school_class, **data)
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("families.class_page", class_id=class_id) + "#new-notice")
    db.session.commit()
    flash(f"通知已发布：{notice.title}", "success")
    return redirect(url_for("families.notice_page", notice_id=notice.id))


@bp.get("/notices/<int:notice_id>")
@login_required
def notice_page(notice_id: int):
    notice = managed_notice(notice_id)
    return render_template("families/notice.html", notice=notice, status=services.receipt_status(notice),
                           head=permissions.is_head_teacher(current_user, notice.school_class))


@bp.post("/notices/<int:notice_id>/remind")
@login_required
def remind(notice_id: int):
    notice = managed_notice(notice_id)
    require(permissions.is_head_teacher(current_user, notice.school_class), action="families.remind",
            message="只有班主任可以提醒回执")
    try:
        told = services.remind(current_user, notice)
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(f"已提醒 {told} 位未回执的家长", "success")
    return redirect(url_for("families.notice_page", notice_id=notice.id))


@bp.post("/classes/<int:class_id>/slips")
@login_required
def print_slips(class_id: int):
    """New invitation codes for the chosen students (all by default), on a printable page: the codes
    are shown here once and kept only as hashes."""
    school_class = managed_class(class_id)
    chosen = {int(v) for v in request.form.getlist("student_id") if v.isdigit()}
    students = [s for s in school_class.students if not chosen or s.id in chosen]
    try:
        days = load_form(CodesInSchema())["days"]
    except AppError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("families.class_page", class_id=class_id))
    issued = services.issue_codes(current_user, students, days=days)
    db.session.commit()
    from datetime import timedelta

    from eduplatform.core.db import utcnow

    return render_template("families/slips.html", school_class=school_class, issued=issued,
                           join_url=url_for("families.join", _external=True),
                           expires=utcnow() + timedelta(days=days)), 200, {"Cache-Control": "no-store"}


@bp.post("/links/<int:link_id>/revoke")
@login_required
def revoke_link(link_id: int):
    link = link_for(link_id)
    class_id = link.student.class_id
    try:
        services.revoke_link(current_user, link)
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(f"已解除 {link.parent.display_name} 与 {link.student.name} 的关联", "success")
    return redirect(url_for("families.class_page", class_id=class_id) + "#students")

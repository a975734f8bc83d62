"""The parent's pages (phone-first): join with an invitation code, the children, a child's homework,
marks, class notices with 回执, and the messages with the 班主任."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core import captcha, ratelimit
from eduplatform.core.api import load_form
from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.security import client_ip
from eduplatform.families import bp, permissions, presenters, services
from eduplatform.families.access import child_for, child_notice, thread_for
from eduplatform.families.schemas import CodeInSchema, MessageInSchema, RegisterInSchema

NO_STORE = {"Cache-Control": "no-store"}


def _limit() -> tuple[int, int]:
    return (int(current_app.config.get("FAMILY_JOIN_LIMIT", 10)),
            int(current_app.config.get("FAMILY_JOIN_WINDOW", 600)))


def _join_form(values=None, error=None, problems=None, status: int = 200):
    challenge = None
    anonymous = not current_user.is_authenticated
    if anonymous and captcha.enabled():
        try:
            ratelimit.hit("captcha.new", client_ip(), limit=60, per_seconds=600)
            challenge = captcha.new_challenge()
        except ratelimit.RateLimited as exc:
            error, status = exc.message, 429
    db.session.commit()
    return render_template("families/join.html", values=values or {}, error=error, problems=problems or {},
                           challenge=challenge, anonymous=anonymous, relations=services.RELATIONS,
                           is_parent=permissions.is_parent(current_user)), status, NO_STORE


@bp.get("/join")
def join():
    """注册家长账户 / 关联孩子: the address printed on the account slip."""
    return _join_form({"code": request.args.get("code", "")[:40]})


@bp.get("/captcha/<token>")
def join_captcha(token: str):
    png = captcha.image_png(token[:64])
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png", headers=NO_STORE)


@bp.post("/join")
def join_post():
    keep = ("code", "relation", "username", "display_name", "phone")
    values = {k: (request.form.get(k) or "")[:64] for k in keep}
    limit, window = _limit()
    try:
        ratelimit.hit("families.join", client_ip(), limit=limit, per_seconds=window,
                      message="邀请码尝试过于频繁，请稍后再试")
    except ratelimit.RateLimited as exc:
        return _join_form(values, exc.message, None, 429)
    try:
        if current_user.is_authenticated:
            data = load_form(CodeInSchema())
            link = services.redeem_code(current_user, data["code"], relation=data["relation"])
            db.session.commit()
            flash(f"已关联{link.student.name}", "success")
            return redirect(url_for("families.child_page", student_id=link.student_id))
        captcha.verify(request.form.get("captcha_token"), request.form.get("captcha"))
        data = load_form(RegisterInSchema())
        if data["password"] != data["password2"]:
            raise ValidationFailed("两次输入的密码不一致", fields={"password2": ["两次输入的密码不一致"]})
        user, link = services.register_parent(code=data["code"], username=data["username"],
                                              display_name=data["display_name"], password=data["password"],
                                              phone=data["phone"] or None, relation=data["relation"])
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        return _join_form(values, exc.message, exc.fields, exc.status)
    flash(f"家长账户 {user.username} 已注册并关联{link.student.name}，请登录", "success")
    return redirect(url_for("accounts.login", next=url_for("families.parent_home")))


@bp.get("/")
@login_required
def parent_home():
    require(permissions.is_parent(current_user), action="families.parent_home", message="只有家长账户有此页面")
    children = services.children_of(current_user)
    if len(children) == 1:
        return redirect(url_for("families.child_page", student_id=children[0].id))
    return render_template("families/parent_home.html", children=children)


@bp.get("/children/<int:student_id>")
@login_required
def child_page(student_id: int):
    student = child_for(student_id)
    return render_template("families/child.html", student=student, children=services.children_of(current_user),
                           rows=presenters.homework_rows(student), notices=presenters.notice_rows(student),
                           thread=services.thread_of(current_user, student),
                           head_teacher=services.head_teacher_user(student),
                           panels=presenters.panels(student, current_user), today=presenters.learning.local_today())


@bp.post("/children/<int:student_id>/notices/<int:notice_id>/ack")
@login_required
def acknowledge(student_id: int, notice_id: int):
    student = child_for(student_id)
    notice = child_notice(student, notice_id)
    try:
        services.acknowledge(current_user, notice, student)
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
    else:
        db.session.commit()
        flash(f"已回执：{notice.title}", "success")
    return redirect(url_for("families.child_page", student_id=student.id) + f"#notice-{notice.id}")


@bp.post("/children/<int:student_id>/messages")
@login_required
def write_message(student_id: int):
    student = child_for(student_id)
    try:
        message = services.write_to_head_teacher(current_user, student, load_form(MessageInSchema())["body"])
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("families.child_page", student_id=student.id) + "#messages")
    db.session.commit()
    flash("留言已发送给班主任", "success")
    return redirect(url_for("families.thread_page", thread_id=message.thread_id))


@bp.get("/threads/<int:thread_id>")
@login_required
def thread_page(thread_id: int):
    thread = thread_for(thread_id)
    from eduplatform.core.notices import mark_read

    if mark_read(current_user, realm=services.REALM, object_type="family_threads", object_id=thread.id):
        db.session.commit()
    return render_template("families/thread.html", thread=thread, messages=services.thread_messages(thread),
                           head_teacher=services.head_teacher_user(thread.student), audit=False)


@bp.post("/threads/<int:thread_id>")
@login_required
def thread_reply(thread_id: int):
    thread = thread_for(thread_id)
    try:
        services.reply(current_user, thread, load_form(MessageInSchema())["body"])
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash("已发送", "success")
    return redirect(url_for("families.thread_page", thread_id=thread.id) + "#reply")

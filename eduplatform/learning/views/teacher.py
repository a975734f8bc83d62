"""The teacher's pages: my classes and homework, setting a homework, publishing, the 班主任's day, marking."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from eduplatform.core.api import load_args, load_form
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.text.timeutil import local_input_value
from eduplatform.learning import bp, permissions, services
from eduplatform.learning.access import answer_for, class_for, homework_for, item_for
from eduplatform.learning.audience import group_of
from eduplatform.learning.models import GRADE_MARKS, HomeworkStatus, ItemKind, Level
from eduplatform.learning.schemas import (
    DayArgsSchema,
    DecisionInSchema,
    HomeworkInSchema,
    ItemInSchema,
    MarkInSchema,
    PublishInSchema,
)
from eduplatform.schools.models import SchoolClass, TeacherProfile, TeachingAssignment


def my_classes(user) -> list[dict]:
    teacher = TeacherProfile.for_user(user)
    if teacher is None:
        return []
    taught = sa.select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == teacher.id)
    classes = db.session.scalars(sa.select(SchoolClass).where(
        sa.or_(SchoolClass.head_teacher_id == teacher.id, SchoolClass.id.in_(taught)), SchoolClass.graduated.is_(False))
        .options(selectinload(SchoolClass.assignments))  # taught_subjects reads them per class
        .order_by(SchoolClass.grade, SchoolClass.number)).all()
    return [{"school_class": c, "head": c.head_teacher_id == teacher.id,
             "subjects": permissions.taught_subjects(user, c)} for c in classes]


def workbench_card(user) -> dict:
    rows = my_classes(user)[:6]
    today = services.local_today()
    loads = services.budget.day_loads([r["school_class"] for r in rows], today)
    return {"rows": [dict(r, load=loads[r["school_class"].id]) for r in rows], "today": today}


def _back(default: str):
    return redirect(request.form.get("next") or default)


@bp.get("/")
@login_required
def teacher_index():
    require(permissions.has_classes(current_user), action="learning.teacher_index", message="只有任课教师可以布置作业")
    return render_template("learning/teacher_index.html", classes=my_classes(current_user),
                           homeworks=services.teacher_homework(current_user), today=services.local_today())


@bp.get("/classes/<int:class_id>/homework/new")
@login_required
def new_homework(class_id: int):
    school_class = class_for(class_id)
    subjects = permissions.taught_subjects(current_user, school_class)
    require(bool(subjects), action="learning.new_homework", message="只能给自己任教的班级布置作业")
    today = services.local_today()
    return render_template("learning/homework_form.html", school_class=school_class, subjects=subjects,
                           levels=list(Level), today=today, due=f"{today + timedelta(days=1)}T08:00",
                           load=services.budget.day_load(school_class, today))


@bp.post("/classes/<int:class_id>/homework")
@login_required
def create_homework(class_id: int):
    school_class = class_for(class_id)
    try:
        data = load_form(HomeworkInSchema())
        homework = services.create_homework(current_user, school_class, data)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("learning.new_homework", class_id=class_id))
    db.session.commit()
    flash("作业草稿已建立，请添加作业项目", "success")
    return redirect(url_for("learning.homework_page", homework_id=homework.id))


@bp.get("/homework/<int:homework_id>")
@login_required
def homework_page(homework_id: int):
    homework = homework_for(homework_id)
    if permissions.is_student_of(current_user, homework) and not permissions.can_mark_homework(current_user, homework):
        return redirect(url_for("learning.student_homework", homework_id=homework.id))
    manage = permissions.can_manage_homework(current_user, homework)
    context = {"homework": homework, "manage": manage, "check": services.load_check(homework),
               "can_mark": permissions.can_mark_homework(current_user, homework),
               "head": permissions.is_head_teacher(current_user, homework.school_class),
               "progress": services.progress(homework), "kinds": list(ItemKind), "grade_marks": GRADE_MARKS,
               "due_local": local_input_value(homework.due_at), "instance": services.approval_instance(homework)}
    context["decide"] = False
    if homework.status == HomeworkStatus.PENDING and context["instance"] is not None:
        from eduplatform import workflow

        context["decide"] = any(a.transition.key == "approve"
                                for a in workflow.available_transitions(context["instance"], current_user))
    return render_template("learning/homework.html", **context)


@bp.post("/homework/<int:homework_id>/items")
@login_required
def add_item(homework_id: int):
    homework = homework_for(homework_id)
    try:
        services.add_item(current_user, homework, load_form(ItemInSchema()))
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("learning.homework_page", homework_id=homework_id))
    db.session.commit()
    flash("已添加作业项目", "success")
    return redirect(url_for("learning.homework_page", homework_id=homework_id))


def _on_homework(homework_id: int, act, *, refused=(Conflict,), done=None):
    """Run one change of a homework from its page: commit and flash ``done()``, or roll back and show why."""
    back = redirect(url_for("learning.homework_page", homework_id=homework_id))
    try:
        act()
    except refused as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return back
    db.session.commit()
    flash(*done())
    return back


@bp.post("/items/<int:item_id>/delete")
@login_required
def remove_item(item_id: int):
    item = item_for(item_id)
    return _on_homework(item.homework_id, lambda: services.remove_item(current_user, item),
                        done=lambda: ("已删除作业项目", "success"))


@bp.post("/homework/<int:homework_id>/publish")
@login_required
def publish(homework_id: int):
    homework = homework_for(homework_id)
    data = load_form(PublishInSchema())

    def done():
        if homework.status == HomeworkStatus.PENDING:
            return "作业超出当天预算，已提交班主任审批；同意后自动发布", "warning"
        return "作业已发布，学生可以在“今日作业”中看到", "success"

    return _on_homework(homework_id, lambda: services.publish(current_user, homework,
                                                              ask_head_teacher=data["ask_head_teacher"]), done=done)


@bp.post("/homework/<int:homework_id>/decide")
@login_required
def decide(homework_id: int):
    homework = homework_for(homework_id)

    def act():
        data = load_form(DecisionInSchema())
        services.decide(current_user, homework, approve=data["approve"], opinion=data["opinion"])

    return _on_homework(homework_id, act, refused=(ValidationFailed, Conflict), done=lambda: (
        "已同意，作业已发布" if homework.status == HomeworkStatus.PUBLISHED else "已退回任课教师", "success"))


@bp.post("/homework/<int:homework_id>/withdraw")
@login_required
def withdraw(homework_id: int):
    homework = homework_for(homework_id)
    return _on_homework(homework_id, lambda: services.withdraw(current_user, homework),
                        done=lambda: ("已撤回审批，可以精简作业后重新发布", "success"))


@bp.post("/homework/<int:homework_id>/delete")
@login_required
def delete_homework(homework_id: int):
    homework = homework_for(homework_id)
    try:
        services.delete_homework(current_user, homework)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("learning.homework_page", homework_id=homework_id))
    db.session.commit()
    flash("作业草稿已删除", "success")
    return redirect(url_for("learning.teacher_index"))


@bp.get("/classes/<int:class_id>/day")
@login_required
def class_day(class_id: int):
    school_class = class_for(class_id)
    day = load_args(DayArgsSchema())["day"] or services.local_today()
    return render_template("learning/class_day.html", school_class=school_class, day=day,
                           prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
                           head=permissions.is_head_teacher(current_user, school_class),
                           **services.class_day(school_class, day))


@bp.get("/classes/<int:class_id>/groups")
@login_required
def groups(class_id: int):
    school_class = class_for(class_id)
    subjects = permissions.taught_subjects(current_user, school_class)
    require(bool(subjects), action="learning.groups", message="只能给自己任教的班级分层")
    subject = request.args.get("subject") if request.args.get("subject") in subjects else subjects[0]
    students = school_class.students
    current = {s.id: group_of(s, subject) for s in students}
    return render_template("learning/groups.html", school_class=school_class, subjects=subjects, subject=subject,
                           students=students, current=current, levels=list(Level))


@bp.post("/classes/<int:class_id>/groups")
@login_required
def save_groups(class_id: int):
    school_class = class_for(class_id)
    subject = request.form.get("subject", "")
    levels = {}
    for student in school_class.students:
        value = request.form.get(f"level_{student.id}", "")
        levels[student.id] = Level(value) if value in {lv.value for lv in Level} else None
    try:
        changed = services.set_groups(current_user, school_class, subject, levels)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("learning.groups", class_id=class_id, subject=subject))
    db.session.commit()
    flash(f"分层已保存（{changed} 名学生有变化）", "success")
    return redirect(url_for("learning.groups", class_id=class_id, subject=subject))


@bp.get("/items/<int:item_id>/marking")
@login_required
def marking(item_id: int):
    """批改 one item for the whole class: one student at a time (上一个 / 下一个), the stack beside it."""
    item = item_for(item_id)
    require(permissions.can_mark_homework(current_user, item.homework), action="learning.marking",
            message="只有任课教师可以批改")
    stack = services.marking_stack(item)
    handed = [row for row in stack if row["answer"] is not None]
    position = request.args.get("n", type=int)
    if position is None:  # the first one still to mark, else the first
        position = next((i for i, r in enumerate(handed) if r["answer"].status.value == "submitted"), 0)
    position = max(0, min(position, len(handed) - 1)) if handed else 0
    return render_template("learning/marking.html", item=item, homework=item.homework, stack=stack, handed=handed,
                           position=position, current=handed[position] if handed else None,
                           grade_marks=GRADE_MARKS, quick_comments=QUICK_COMMENTS)


#: one-click comments on the marking page
QUICK_COMMENTS = ("书写工整，继续保持！", "思路正确，注意计算。", "步骤不完整，请补全。", "请订正后重交。", "有进步！")


@bp.post("/answers/<int:answer_id>/mark")
@login_required
def mark(answer_id: int):
    answer = answer_for(answer_id)
    item_id = answer.item_id
    n = request.form.get("n", type=int) or 0
    try:
        data = load_form(MarkInSchema())
        services.mark_answer(current_user, answer, score=data["score"], grade=data["grade"], comment=data["comment"],
                             return_for_correction=data["return_for_correction"])
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("learning.marking", item_id=item_id, n=n))
    db.session.commit()
    flash(f"已{'退回订正' if data['return_for_correction'] else '批改'}：{answer.student.name}", "success")
    return redirect(url_for("learning.marking", item_id=item_id, n=n + 1))


@bp.get("/answers/<int:answer_id>/file")
@login_required
def answer_file(answer_id: int):
    answer = answer_for(answer_id)
    if answer.file is None:
        from eduplatform.core.errors import NotFound

        raise NotFound("这份作业没有上传文件")
    return answer.file.send(inline=True)


"""/api/v1: class homework — the day's load, setting and publishing, the 班主任's decision, hand-ins, marking."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_body, make_api_blueprint
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.learning import budget, permissions, services
from eduplatform.learning.access import answer_for, class_for, homework_for, item_for
from eduplatform.learning.schemas import (
    AnswerInSchema,
    AnswerOutSchema,
    DayArgsSchema,
    DecisionInSchema,
    HomeworkInSchema,
    HomeworkOutSchema,
    ItemInSchema,
    ItemOutSchema,
    MarkInSchema,
    PublishInSchema,
    day_load_out,
)
from eduplatform.schools.models import StudentProfile

bp = make_api_blueprint("learning_api", __name__)


@bp.get("/classes/<int:class_id>/homework-load")
@login_required
def class_load(class_id: int):
    """A class's written homework minutes on a day across subjects, against its 双减 budget.
    ---
    get:
      parameters:
        - {in: query, schema: DayArgsSchema}
      responses:
        200:
          description: "{day, total, budget, over, subjects, pending, note}"
    """
    school_class = class_for(class_id)
    day = load_args(DayArgsSchema())["day"] or services.local_today()
    return day_load_out(budget.day_load(school_class, day))


@bp.post("/classes/<int:class_id>/homework")
@login_required
def create_homework(class_id: int):
    """A draft homework for the class (or a 分层 group) in a subject the caller teaches there.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: HomeworkInSchema
      responses:
        201:
          description: the homework
    """
    school_class = class_for(class_id)
    homework = services.create_homework(current_user, school_class, load_body(HomeworkInSchema()))
    db.session.commit()
    return HomeworkOutSchema().dump(homework), 201


@bp.get("/homework/<int:homework_id>")
@login_required
def get_homework(homework_id: int):
    """One homework with its items; `load` is what publishing it would make of the day.
    ---
    get:
      responses:
        200:
          description: the homework
    """
    homework = homework_for(homework_id)
    check = services.load_check(homework)
    return {**HomeworkOutSchema().dump(homework),
            "load": {"before": check["before"], "after": check["after"], "budget": check["budget"],
                     "over": check["over"], "forbidden": check["forbidden"]}}


@bp.post("/homework/<int:homework_id>/items")
@login_required
def add_item(homework_id: int):
    """Add an item to a draft: a bank question, a photo/file hand-in or a reading/practice task.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ItemInSchema
      responses:
        201:
          description: the item
    """
    homework = homework_for(homework_id)
    item = services.add_item(current_user, homework, load_body(ItemInSchema()))
    db.session.commit()
    return ItemOutSchema().dump(item), 201


@bp.post("/homework/<int:homework_id>/publish")
@login_required
def publish(homework_id: int):
    """Publish; over the class's daily budget it is refused (409 `over_budget`) unless
    `ask_head_teacher` sends it to the 班主任 (status `pending`).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: PublishInSchema
      responses:
        200:
          description: the homework
    """
    homework = homework_for(homework_id)
    services.publish(current_user, homework, ask_head_teacher=load_body(PublishInSchema())["ask_head_teacher"])
    db.session.commit()
    return HomeworkOutSchema().dump(homework)


@bp.post("/homework/<int:homework_id>/decision")
@login_required
def decide(homework_id: int):
    """The 班主任 approves an over-budget homework (it is published) or returns it with an opinion.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: DecisionInSchema
      responses:
        200:
          description: the homework
    """
    homework = homework_for(homework_id)
    data = load_body(DecisionInSchema())
    services.decide(current_user, homework, approve=data["approve"], opinion=data["opinion"])
    db.session.commit()
    return HomeworkOutSchema().dump(homework)


@bp.get("/my/homework")
@login_required
def my_homework():
    """The student's homework for today across subjects (and earlier homework still open or returned).
    ---
    get:
      responses:
        200:
          description: "{items, minutes}"
    """
    require(permissions.is_student(current_user), action="learning.my_homework", message="只有学生有今日作业")
    student = StudentProfile.for_user(current_user)
    homeworks = services.student_homework(student)
    answers = services.answers_of(student, homeworks)
    items = [{**HomeworkOutSchema().dump(h),
              "answers": AnswerOutSchema().dump([answers[i.id] for i in h.items if i.id in answers], many=True)}
             for h in homeworks]
    return {"items": items, "minutes": sum(h.total_minutes for h in homeworks)}


@bp.post("/homework-items/<int:item_id>/answer")
@login_required
def submit_answer(item_id: int):
    """Hand in one item: `response` for a bank question (JSON), a `file` (multipart photo or file), or
    nothing for a reading task; again after it was returned for correction.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: AnswerInSchema
          multipart/form-data:
            schema: AnswerInSchema
      responses:
        201:
          description: the answer (marked at once for auto-marked questions)
    """
    item = item_for(item_id)
    data = load_body(AnswerInSchema())
    answer = services.submit_answer(current_user, item, response=data["response"], text=data["text"],
                                    upload=request.files.get("file"))
    db.session.commit()
    return AnswerOutSchema().dump(answer), 201


@bp.get("/homework-items/<int:item_id>/answers")
@login_required
def item_answers(item_id: int):
    """The marking stack of one item: every student of the class with their answer (null: not handed in).
    ---
    get:
      responses:
        200:
          description: "{items}"
    """
    item = item_for(item_id)
    require(permissions.can_mark_homework(current_user, item.homework), action="learning.marking",
            message="只有任课教师可以批改")
    rows = services.marking_stack(item)
    return {"items": [{"student_id": r["student"].id, "student_no": r["student"].student_no,
                       "name": r["student"].name,
                       "answer": AnswerOutSchema().dump(r["answer"]) if r["answer"] else None} for r in rows]}


@bp.post("/homework-answers/<int:answer_id>/mark")
@login_required
def mark(answer_id: int):
    """Mark one answer (`score` or `grade`, `comment`), or return it for correction.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: MarkInSchema
      responses:
        200:
          description: the answer
    """
    answer = answer_for(answer_id)
    data = load_body(MarkInSchema())
    services.mark_answer(current_user, answer, score=data["score"], grade=data["grade"], comment=data["comment"],
                         return_for_correction=data["return_for_correction"])
    db.session.commit()
    return AnswerOutSchema().dump(answer)


@bp.post("/homework/<int:homework_id>/withdraw")
@login_required
def withdraw(homework_id: int):
    """The teacher takes an over-budget request back from the 班主任 (it is a draft again).
    ---
    post:
      responses:
        200:
          description: the homework
    """
    homework = homework_for(homework_id)
    services.withdraw(current_user, homework)
    db.session.commit()
    return HomeworkOutSchema().dump(homework)


@bp.put("/classes/<int:class_id>/groups")
@login_required
def set_groups(class_id: int):
    """分层: put students of the class into 基础 / 提高 / 拓展 for a subject the caller teaches there.
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: GroupsInSchema
      responses:
        200:
          description: "{changed}"
    """
    from eduplatform.core.errors import ValidationFailed
    from eduplatform.learning.schemas import GroupsInSchema

    school_class = class_for(class_id)
    data = load_body(GroupsInSchema())
    try:
        levels = {int(k): v for k, v in data["levels"].items()}
    except ValueError as exc:
        raise ValidationFailed("学生编号须为数字", fields={"levels": ["学生编号须为数字"]}) from exc
    changed = services.set_groups(current_user, school_class, data["subject"], levels)
    db.session.commit()
    return {"changed": changed}


@bp.get("/my-school/homework-load")
@login_required
def school_week():
    """The caller's school (its admin): written homework minutes per class per day of a week.
    ---
    get:
      parameters:
        - {in: query, schema: WeekArgsSchema}
      responses:
        200:
          description: "{monday, classes: [{class_id, name, budget, days, total, over_days}]}"
    """
    from datetime import timedelta

    from eduplatform.learning.schemas import WeekArgsSchema
    from eduplatform.schools.permissions import own_school

    school = own_school(current_user)
    require(permissions.can_view_school_load(current_user, school), action="learning.school_load",
            message="只有学校管理员可以查看全校作业负担")
    day = load_args(WeekArgsSchema())["day"] or services.local_today()
    monday = day - timedelta(days=day.weekday())
    return {"monday": monday.isoformat(), "classes": [
        {"class_id": r["school_class"].id, "name": r["school_class"].name, "budget": r["rule"].minutes,
         "days": [x.total for x in r["days"]], "total": r["total"], "over_days": r["over_days"]}
        for r in budget.week_loads(school, monday)]}

"""Class homework: set it, publish it under the 双减 budget (or ask the 班主任), hand it in, mark it.

Services take an explicit ``actor``, check the business rules, write the rows and the audit entry and
``flush()``; the view commits once.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import notify
from eduplatform.core.text.timeutil import to_local
from eduplatform.learning import budget, permissions
from eduplatform.learning.audience import is_target, target_students
from eduplatform.learning.models import (
    GRADE_MARKS,
    AnswerStatus,
    Grading,
    GroupMember,
    Homework,
    HomeworkAnswer,
    HomeworkItem,
    HomeworkStatus,
    ItemKind,
    Level,
)
from eduplatform.schools.models import SchoolClass, StudentProfile

REALM = "learning"
PROCESS = "homework_load"
#: what a photo or file hand-in may be
HANDIN_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "heic", "pdf", "docx"})
MAX_HANDIN_BYTES = 20 * 1024 * 1024
MAX_ITEMS = 30

#: ``(answer, actor)`` callables told when a bank question's answer is marked (auto-marked at hand-in
#: or by the teacher): the 错题本 registers here (``mistakes.init_app``); a listener only flushes.
_MARK_LISTENERS: list = []


def on_answer_marked(listener):
    """Register a listener for marked question answers (also a decorator); twice keeps one."""
    if listener not in _MARK_LISTENERS:
        _MARK_LISTENERS.append(listener)
    return listener


def _tell_marked(answer: HomeworkAnswer, actor) -> None:
    if answer.status == AnswerStatus.MARKED and answer.score is not None and answer.item.question_version_id:
        for listener in _MARK_LISTENERS:
            listener(answer, actor)


def local_today() -> date:
    return to_local(utcnow()).date()


def get_homework(homework_id: int) -> Homework:
    homework = db.session.get(Homework, homework_id)
    if homework is None:
        raise NotFound("作业不存在")
    return homework


def get_item(item_id: int) -> HomeworkItem:
    item = db.session.get(HomeworkItem, item_id)
    if item is None:
        raise NotFound("作业项目不存在")
    return item


def get_answer(answer_id: int) -> HomeworkAnswer:
    answer = db.session.get(HomeworkAnswer, answer_id)
    if answer is None:
        raise NotFound("作业提交不存在")
    return answer


# --- setting homework ---------------------------------------------------------------------------

def create_homework(actor, school_class: SchoolClass, data: dict) -> Homework:
    """A draft for a class (or a 分层 group) in a subject the actor teaches there."""
    subject = data["subject"]
    if not permissions.can_set_homework(actor, school_class, subject):
        raise PermissionDenied("只能给自己任教的班级、任教的学科布置作业")
    _check_times(data["load_date"], data["due_at"])
    homework = Homework(school_id=school_class.school_id, class_id=school_class.id, subject=subject,
                        level=data.get("level"), title=data["title"].strip(), note=(data.get("note") or "").strip(),
                        teacher_id=actor.id, load_date=data["load_date"], due_at=data["due_at"])
    db.session.add(homework)
    db.session.flush()
    record(REALM, "homework.created", f"新建作业：{homework.title}（{school_class.name} {subject}）",
           actor=actor, obj=homework)
    return homework


def _check_times(load_date: date, due_at: datetime) -> None:
    if load_date < local_today():
        raise ValidationFailed("布置日期不能早于今天", fields={"load_date": ["布置日期不能早于今天"]})
    if to_local(due_at).date() < load_date:
        raise ValidationFailed("截止时间不能早于布置日期", fields={"due_at": ["截止时间不能早于布置日期"]})


def _editable(actor, homework: Homework) -> None:
    if not permissions.can_manage_homework(actor, homework):
        raise PermissionDenied("只有布置作业的教师可以修改")
    if homework.status != HomeworkStatus.DRAFT:
        raise Conflict(f"作业{homework.status.label}，不能修改（撤回审批后可修改）", code="not_draft")


def update_homework(actor, homework: Homework, data: dict) -> Homework:
    _editable(actor, homework)
    _check_times(data["load_date"], data["due_at"])
    for key in ("title", "note", "level", "load_date", "due_at"):
        if key in data:
            setattr(homework, key, data[key].strip() if isinstance(data[key], str) else data[key])
    db.session.flush()
    record(REALM, "homework.updated", f"修改作业：{homework.title}", actor=actor, obj=homework)
    return homework


def add_item(actor, homework: Homework, data: dict) -> HomeworkItem:
    """Add a bank question, a photo/file hand-in or a reading/practice task with its minutes."""
    _editable(actor, homework)
    if len(homework.items) >= MAX_ITEMS:
        raise Conflict(f"一份作业最多 {MAX_ITEMS} 项", code="too_many_items")
    kind = data["kind"]
    item = HomeworkItem(kind=kind, minutes=data["minutes"], title=(data.get("title") or "").strip(),
                        instructions=(data.get("instructions") or "").strip(),
                        position=max((i.position for i in homework.items), default=0) + 1)
    if kind == ItemKind.QUESTION:
        from eduplatform.questions.models import Question
        from eduplatform.questions.permissions import can_view_question
        from eduplatform.questions.services import current_version

        question = db.session.get(Question, data.get("question_id") or 0)
        if question is None or question.deleted_at is not None or not can_view_question(actor, question):
            raise ValidationFailed("题库中没有这道题（或您无权使用）", fields={"question_id": ["试题不存在"]})
        version = current_version(question)
        item.question_id, item.question_version_id = question.id, version.id
        item.title = item.title or f"{version.type_label}（第 {question.id} 题）"
        item.max_score = float(data.get("max_score") or version.score)
        item.written = True
        item.grading = Grading.SCORE
    else:
        if not item.title:
            raise ValidationFailed("请填写作业项目的名称", fields={"title": ["请填写名称"]})
        item.grading = data.get("grading") or Grading.SCORE
        item.max_score = float(data.get("max_score") or 10)
        item.written = data["written"] if data.get("written") is not None else kind == ItemKind.HANDIN
    homework.items.append(item)
    db.session.flush()
    record(REALM, "homework.item_added", f"添加作业项目：{item.title}（{item.minutes} 分钟）", actor=actor, obj=homework,
           data={"item": item.id, "kind": kind.value, "minutes": item.minutes, "written": item.written})
    return item


def remove_item(actor, item: HomeworkItem) -> None:
    homework = item.homework
    _editable(actor, homework)
    homework.items.remove(item)
    db.session.flush()
    record(REALM, "homework.item_removed", f"删除作业项目：{item.title}", actor=actor, obj=homework,
           data={"item": item.id, "minutes": item.minutes})


def delete_homework(actor, homework: Homework) -> None:
    _editable(actor, homework)
    record(REALM, "homework.deleted", f"删除作业草稿：{homework.title}", actor=actor, obj=homework)
    db.session.delete(homework)
    db.session.flush()


# --- publishing under the budget ----------------------------------------------------------------

def load_check(homework: Homework) -> dict:
    """What publishing would do to the class's day: totals, budget, whether it is over or forbidden."""
    load = budget.day_load(homework.school_class, homework.load_date, exclude_id=homework.id)
    after = load.with_homework(homework)
    rule = load.rule
    forbidden = not rule.written_allowed and homework.written_minutes > 0
    over = rule.minutes is not None and after > rule.minutes
    return {"load": load, "before": load.total, "after": after, "budget": rule.minutes, "rule": rule,
            "over": over and not forbidden, "forbidden": forbidden}


def _day_text(homework: Homework) -> str:
    return f"{homework.load_date.month}月{homework.load_date.day}日"


def publish(actor, homework: Homework, *, ask_head_teacher: bool = False) -> Homework:
    """Publish; over the day's budget it is refused unless sent to the 班主任 for approval."""
    _editable(actor, homework)
    if not homework.items:
        raise Conflict("作业还没有项目，不能发布", code="empty")
    if homework.due_at <= utcnow():
        raise Conflict("截止时间已过，请修改截止时间后再发布", code="due_passed")
    check = load_check(homework)
    name = homework.school_class.name
    if check["forbidden"]:
        raise Conflict(f"{name}属于小学一二年级，按双减要求不布置书面家庭作业：请删去书面项目"
                       "（可改为阅读、口头或实践练习）", code="no_written_homework")
    if check["over"]:
        message = (f"发布后{name}{_day_text(homework)}书面作业合计 {check['after']} 分钟，超过双减预算 "
                   f"{check['budget']} 分钟（其他学科已发布 {check['before']} 分钟，本作业 "
                   f"{homework.written_minutes} 分钟）。请精简作业，或提交班主任审批。")
        if not ask_head_teacher:
            raise Conflict(message, code="over_budget")
        _ask_head_teacher(actor, homework, check)
        return homework
    _publish_now(actor, homework)
    return homework


def _head_teacher_user(homework: Homework):
    head = homework.school_class.head_teacher
    return head.user if head is not None and head.user is not None and head.user.is_active else None


def _ask_head_teacher(actor, homework: Homework, check: dict) -> None:
    from eduplatform import workflow

    head = _head_teacher_user(homework)
    if head is None:
        raise Conflict(f"{homework.school_class.name}没有设置班主任（或班主任没有账号），超出预算的作业不能发布；"
                       "请精简作业，或请学校设置班主任", code="no_head_teacher")
    homework.status = HomeworkStatus.PENDING
    homework.approval_opinion = ""
    db.session.flush()
    record(REALM, "homework.approval_requested",
           f"作业超出双减预算，提交班主任审批：{homework.title}（合计 {check['after']}/{check['budget']} 分钟）",
           actor=actor, obj=homework, data={"after": check["after"], "budget": check["budget"]})
    workflow.start(PROCESS, subject=homework, org=homework.school_class.school, actor=actor,
                   title=f"{homework.school_class.name} {homework.subject}作业超量：{homework.title}",
                   data={"head_teacher": head.id})


def _publish_now(actor, homework: Homework) -> None:
    homework.status = HomeworkStatus.PUBLISHED
    homework.published_at = utcnow()
    db.session.flush()
    record(REALM, "homework.published", f"发布作业：{homework.title}（{homework.audience_label}，"
           f"书面 {homework.written_minutes} 分钟）", actor=actor, obj=homework)
    users = [s.user for s in target_students(homework) if s.user is not None]
    notify(REALM, "homework", f"新作业：{homework.subject} {homework.title}", users=users, obj=homework,
           body=f"预计 {homework.total_minutes} 分钟，截止 {to_local(homework.due_at):%m-%d %H:%M}")


def approval_instance(homework: Homework):
    from eduplatform import workflow

    return workflow.instance_for(homework, PROCESS)


def decide(actor, homework: Homework, *, approve: bool, opinion: str = "") -> Homework:
    """The 班主任 approves (publishes) or returns the request with an opinion, on the engine."""
    from eduplatform import workflow

    if homework.status != HomeworkStatus.PENDING:
        raise Conflict("这份作业不在审批中", code="not_pending")
    instance = approval_instance(homework)
    if instance is None or not instance.is_active:
        raise Conflict("这份作业没有进行中的审批", code="no_process")
    if not approve and not opinion.strip():
        raise ValidationFailed("退回须写明意见", fields={"opinion": ["请填写退回意见"]})
    workflow.perform(instance, "approve" if approve else "send_back", actor=actor,
                     reason=None if approve else opinion.strip(), data={"opinion": opinion.strip()})
    return homework


def withdraw(actor, homework: Homework) -> Homework:
    """The teacher takes the request back (to reduce the set)."""
    from eduplatform import workflow

    if not permissions.can_manage_homework(actor, homework):
        raise PermissionDenied("只有布置作业的教师可以撤回")
    instance = approval_instance(homework)
    if homework.status != HomeworkStatus.PENDING or instance is None or not instance.is_active:
        raise Conflict("这份作业不在审批中", code="not_pending")
    workflow.perform(instance, "withdraw", actor=actor)
    return homework


def on_decided(event) -> None:
    """Workflow hook: approval publishes the homework; a return or withdrawal makes it a draft again."""
    homework: Homework = event.subject
    if homework is None or event.kind != "transition":
        return
    if event.to_state == "approved":
        homework.approved_by_id = getattr(event.actor, "id", None)
        homework.approval_opinion = (event.instance.data or {}).get("opinion") or ""
        record(REALM, "homework.approved", f"班主任同意发布超量作业：{homework.title}", actor=event.actor, obj=homework,
               data={"opinion": homework.approval_opinion})
        _publish_now(event.actor, homework)
    elif event.to_state == "returned":
        homework.status = HomeworkStatus.DRAFT
        homework.approval_opinion = event.reason or ""
        record(REALM, "homework.returned", f"班主任退回超量作业：{homework.title}", actor=event.actor, obj=homework,
               data={"opinion": homework.approval_opinion})
        notify(REALM, "returned", f"作业被班主任退回：{homework.title}", users=[homework.teacher], obj=homework,
               body=homework.approval_opinion)
    elif event.to_state == "withdrawn":
        homework.status = HomeworkStatus.DRAFT
        record(REALM, "homework.withdrawn", f"撤回作业审批：{homework.title}", actor=event.actor, obj=homework)
    db.session.flush()


# --- who does it ----------------------------------------------------------------------------------

def set_groups(actor, school_class: SchoolClass, subject: str, levels: dict[int, Level | None]) -> int:
    """分层: put students of the class into 基础 / 提高 / 拓展 for a subject (None: no group)."""
    if not permissions.can_set_homework(actor, school_class, subject):
        raise PermissionDenied("只能给自己任教的班级、任教的学科分层")
    students = {s.id: s for s in school_class.students}
    unknown = [sid for sid in levels if sid not in students]
    if unknown:
        raise ValidationFailed("有学生不在这个班级", fields={"levels": ["学生不在本班"]})
    existing = {m.student_id: m for m in db.session.scalars(sa.select(GroupMember).where(
        GroupMember.class_id == school_class.id, GroupMember.subject == subject))}
    changed = 0
    for student_id, level in levels.items():
        member = existing.get(student_id)
        if level is None and member is not None:
            db.session.delete(member)
            changed += 1
        elif level is not None and member is None:
            db.session.add(GroupMember(class_id=school_class.id, subject=subject, student_id=student_id, level=level))
            changed += 1
        elif level is not None and member.level != level:
            member.level = level
            changed += 1
    db.session.flush()
    if changed:
        record(REALM, "groups.set", f"作业分层：{school_class.name} {subject}（{changed} 名学生）", actor=actor,
               obj=school_class, data={"subject": subject, "changed": changed})
    return changed


# --- students ----------------------------------------------------------------------------------------

def student_homework(student: StudentProfile, *, today: date | None = None) -> list[Homework]:
    """Today's homework across subjects, and earlier homework still open or returned for correction."""
    today = today or local_today()
    if student is None or student.class_id is None:
        return []
    levels = dict(db.session.execute(sa.select(GroupMember.subject, GroupMember.level).where(
        GroupMember.class_id == student.class_id, GroupMember.student_id == student.id)).all())
    returned = sa.select(HomeworkAnswer.homework_id).where(HomeworkAnswer.student_id == student.id,
                                                           HomeworkAnswer.status == AnswerStatus.RETURNED)
    rows = db.session.scalars(sa.select(Homework).where(
        Homework.class_id == student.class_id, Homework.status == HomeworkStatus.PUBLISHED,
        sa.or_(Homework.load_date == today, Homework.due_at > utcnow(), Homework.id.in_(returned)))
        .order_by(Homework.due_at, Homework.subject)).all()
    return [h for h in rows if h.level is None or levels.get(h.subject) == h.level]


def recent_homework(student: StudentProfile, *, days: int = 14, today: date | None = None) -> list[Homework]:
    """The published homework a student got (whole class and their 分层 group) from ``days`` ago up
    to today, newest first: what a parent is shown (with ``answers_of`` for the marks)."""
    from datetime import timedelta

    from sqlalchemy.orm import selectinload

    today = today or local_today()
    if student is None or student.class_id is None:
        return []
    levels = dict(db.session.execute(sa.select(GroupMember.subject, GroupMember.level).where(
        GroupMember.class_id == student.class_id, GroupMember.student_id == student.id)).all())
    rows = db.session.scalars(sa.select(Homework).where(
        Homework.class_id == student.class_id, Homework.status == HomeworkStatus.PUBLISHED,
        Homework.load_date >= today - timedelta(days=days), Homework.load_date <= today)
        .options(selectinload(Homework.items))
        .order_by(Homework.load_date.desc(), Homework.subject, Homework.id)).all()
    return [h for h in rows if h.level is None or levels.get(h.subject) == h.level]


def answers_of(student: StudentProfile, homeworks) -> dict[int, HomeworkAnswer]:
    """item id → the student's answer, for these homeworks (one query)."""
    ids = [h.id for h in homeworks]
    if not ids:
        return {}
    return {a.item_id: a for a in db.session.scalars(sa.select(HomeworkAnswer).where(
        HomeworkAnswer.homework_id.in_(ids), HomeworkAnswer.student_id == student.id))}


def submit_answer(actor, item: HomeworkItem, *, response=None, text: str = "", upload=None) -> HomeworkAnswer:
    """Hand in one item: a bank question's answer (marked at once where its type can), a photo or
    file, or 已完成 for a reading task. Again before marking, or after it was returned."""
    from eduplatform.core.storage.inspect import inspect_upload
    from eduplatform.core.storage.services import delete_file, store_file

    homework = item.homework
    student = StudentProfile.for_user(actor)
    if homework.status != HomeworkStatus.PUBLISHED or not is_target(student, homework):
        raise PermissionDenied("这不是您的作业")
    answer = db.session.scalar(sa.select(HomeworkAnswer).where(HomeworkAnswer.item_id == item.id,
                                                               HomeworkAnswer.student_id == student.id))
    replaced = None
    if answer is not None and answer.status == AnswerStatus.MARKED:
        raise Conflict("这一项已经批改（或已完成），不能再修改；老师退回订正后可以重交", code="marked")
    text = (text or "").strip()[:5000]
    value, stored = None, None
    if item.kind == ItemKind.QUESTION:
        from eduplatform.questions.types import TypeDataError, get_type

        version = item.question_version
        try:
            value = get_type(version.type).clean_response(version.data, response)
        except TypeDataError as exc:
            raise ValidationFailed("答案格式不正确：" + "；".join(exc.messages), fields={"response": exc.messages}) from exc
        if value is None:
            raise ValidationFailed("请先作答再提交", fields={"response": ["请作答"]})
    elif item.kind == ItemKind.HANDIN:
        has_file = upload is not None and getattr(upload, "filename", "")
        if not has_file and not text:
            raise ValidationFailed("请拍照或选择文件上交（也可以写文字说明）", fields={"file": ["请选择照片或文件"]})
        if has_file:
            inspect_upload(upload, allowed=HANDIN_EXTENSIONS, max_bytes=MAX_HANDIN_BYTES)
            stored = store_file(upload.stream, prefix="learning/handins", filename=upload.filename,
                                content_type=upload.mimetype, actor=actor, max_size=MAX_HANDIN_BYTES)
    now = utcnow()
    again = answer is not None and answer.status == AnswerStatus.RETURNED
    if answer is None:
        answer = HomeworkAnswer(homework_id=homework.id, item_id=item.id, student_id=student.id, user_id=actor.id)
        db.session.add(answer)
    replaced = answer.file if stored is not None and answer.file is not None else None
    if again:
        answer.resubmissions += 1
    answer.response, answer.text = value, text
    if stored is not None:
        answer.file_id = stored.id
    answer.submitted_at, answer.late = now, now > homework.due_at
    answer.status, answer.score, answer.grade, answer.auto_marked = AnswerStatus.SUBMITTED, None, None, False
    answer.marked_by_id = answer.marked_at = None
    if item.kind == ItemKind.QUESTION:
        _auto_mark(answer, item)
    elif item.kind == ItemKind.READING:
        answer.status, answer.auto_marked, answer.marked_at = AnswerStatus.MARKED, True, now
    db.session.flush()
    if replaced is not None:
        delete_file(replaced, actor=actor)
    late = "（迟交）" if answer.late else ""
    record(REALM, "answer.resubmitted" if again else "answer.submitted",
           f"{'订正后重交' if again else '提交作业'}：{homework.title} · {item.title}{late}", actor=actor, obj=answer,
           data={"late": answer.late, "score": answer.score})
    _tell_marked(answer, actor)
    return answer


def _auto_mark(answer: HomeworkAnswer, item: HomeworkItem) -> None:
    from eduplatform.questions.types import get_type

    version = item.question_version
    fraction = get_type(version.type).grade(version.data, answer.response)
    if fraction is not None:
        answer.score = round(fraction * item.max_score, 2)
        answer.status, answer.auto_marked, answer.marked_at = AnswerStatus.MARKED, True, utcnow()


# --- marking ------------------------------------------------------------------------------------------

def marking_stack(item: HomeworkItem) -> list[dict]:
    """批改 one item for the whole class: every target student with their answer (or none), by 学号."""
    homework = item.homework
    students = target_students(homework)
    answers = {a.student_id: a for a in db.session.scalars(
        sa.select(HomeworkAnswer).where(HomeworkAnswer.item_id == item.id)
        .options(sa.orm.selectinload(HomeworkAnswer.file)))}
    return [{"student": s, "answer": answers.get(s.id)} for s in students]


def mark_answer(actor, answer: HomeworkAnswer, *, score: float | None = None, grade: str | None = None,
                comment: str = "", return_for_correction: bool = False) -> HomeworkAnswer:
    """The teacher marks one answer (score or 等级, comment), or returns it for correction (订正)."""
    item = answer.item
    homework = item.homework
    if not permissions.can_mark_homework(actor, homework):
        raise PermissionDenied("只有任课教师可以批改")
    comment = (comment or "").strip()[:2000]
    if return_for_correction:
        if not comment:
            raise ValidationFailed("退回订正须写明要订正什么", fields={"comment": ["请填写评语"]})
        answer.status = AnswerStatus.RETURNED
    else:
        if item.grading == Grading.GRADE:
            if grade not in GRADE_MARKS:
                raise ValidationFailed("请选择等级：" + "、".join(GRADE_MARKS), fields={"grade": ["请选择等级"]})
            answer.grade, answer.score = grade, None
        else:
            if score is None or not 0 <= score <= item.max_score:
                raise ValidationFailed(f"得分须在 0 到 {item.max_score:g} 之间", fields={"score": ["得分超出范围"]})
            answer.score, answer.grade = round(float(score), 2), None
        answer.status = AnswerStatus.MARKED
    answer.comment, answer.auto_marked = comment, False
    answer.marked_by_id, answer.marked_at = actor.id, utcnow()
    db.session.flush()
    who = answer.student.name
    if return_for_correction:
        record(REALM, "answer.returned", f"退回订正：{homework.title} · {item.title}（{who}）", actor=actor, obj=answer,
               data={"comment": comment})
        notify(REALM, "returned", f"作业需要订正：{homework.subject} {item.title}", user=None,
               users=[answer.student.user] if answer.student.user else [], obj=homework, body=comment)
    else:
        mark = answer.grade or f"{answer.score:g} 分"
        record(REALM, "answer.marked", f"批改：{homework.title} · {item.title}（{who}）{mark}", actor=actor, obj=answer,
               data={"score": answer.score, "grade": answer.grade, "comment": comment})
        _tell_marked(answer, actor)
    return answer


def progress(homework: Homework) -> dict:
    """Counts for the teacher: students, handed in (per item), late, to mark."""
    rows = db.session.execute(sa.select(HomeworkAnswer.item_id, HomeworkAnswer.status, HomeworkAnswer.late,
                                        sa.func.count()).where(HomeworkAnswer.homework_id == homework.id)
                              .group_by(HomeworkAnswer.item_id, HomeworkAnswer.status, HomeworkAnswer.late)).all()
    per_item: dict[int, dict] = {}
    for item_id, status, late, count in rows:
        entry = per_item.setdefault(item_id, {"handed": 0, "to_mark": 0, "late": 0, "returned": 0})
        entry["handed"] += count
        entry["late"] += count if late else 0
        entry["to_mark"] += count if status == AnswerStatus.SUBMITTED else 0
        entry["returned"] += count if status == AnswerStatus.RETURNED else 0
    return {"students": len(target_students(homework)), "items": per_item}


def teacher_homework(actor, *, limit: int = 50) -> list[Homework]:
    return list(db.session.scalars(sa.select(Homework).where(Homework.teacher_id == actor.id)
                                   .order_by(Homework.load_date.desc(), Homework.id.desc()).limit(limit)))


def class_day(school_class: SchoolClass, day: date) -> dict:
    """The 班主任's view of a day: every subject's homework (published and waiting), totals, budget."""
    rows = db.session.scalars(sa.select(Homework).where(
        Homework.class_id == school_class.id, Homework.load_date == day,
        Homework.status.in_([HomeworkStatus.PUBLISHED, HomeworkStatus.PENDING]))
        .order_by(Homework.subject, Homework.id)).all()
    return {"homeworks": rows, "load": budget.day_load(school_class, day)}

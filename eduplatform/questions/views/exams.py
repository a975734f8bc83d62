"""Pages of exams: publish a paper, follow attempts, grade, release, statistics; students take them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError as MarshmallowError

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.templating import LOCAL_TZ, localtime
from eduplatform.questions import bp, exams, papers, permissions
from eduplatform.questions.audience import audience_from, describe
from eduplatform.questions.models import ExamAnswer
from eduplatform.questions.presenters import attempt_payload
from eduplatform.questions.schemas import AnswersInSchema
from eduplatform.questions.statistics import exam_statistics, quality_label
from eduplatform.questions.types import get_type

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def parse_local(value: str | None, field: str) -> datetime:
    try:
        local = datetime.strptime(value or "", LOCAL_FORMAT).replace(tzinfo=LOCAL_TZ)
    except ValueError:
        raise ValidationFailed(f"{field}格式不正确", fields={field: ["格式不正确"]}) from None
    return local.astimezone(UTC).replace(tzinfo=None)


def load_exam(exam_id: int):
    exam = exams.get_exam(exam_id)
    require(permissions.can_manage_exam(current_user, exam), action="exam.manage", obj=exam)
    return exam


@bp.get("/exams")
@login_required
def exam_list():
    require(permissions.is_author(current_user), action="exam.list")
    return render_template("questions/exams.html", exams=db.session.scalars(exams.managed_exams(current_user)).all())


@bp.route("/papers/<int:paper_id>/exam", methods=["GET", "POST"])
@login_required
def exam_new(paper_id: int):
    paper = papers.get_paper(paper_id)
    require(permissions.can_create_exam(current_user, paper), action="exam.create", obj=paper)
    now = utcnow()
    values = {"title": paper.title, "opens_at": localtime(now, LOCAL_FORMAT),
              "closes_at": localtime(now + timedelta(days=1), LOCAL_FORMAT),
              "time_limit_minutes": paper.duration_minutes or 45, "students": "",
              "orgs": current_user.scope_root.code if current_user.scope_root else ""}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = {"audience": [], "students": _words(values.get("students")), "orgs": _words(values.get("orgs"))}
            exam = exams.create_exam(current_user, paper, title=values.get("title", ""),
                                     opens_at=parse_local(values.get("opens_at"), "开始时间"),
                                     closes_at=parse_local(values.get("closes_at"), "结束时间"),
                                     time_limit_minutes=values.get("time_limit_minutes"),
                                     audience=audience_from(data), publish=True)
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash("考试已发布", "success")
            return redirect(url_for("questions.exam_detail", exam_id=exam.id))
    return render_template("questions/exam_form.html", paper=paper, values=values)


def _words(text: str | None) -> list[str]:
    return [w for w in (text or "").replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if w]


@bp.get("/exams/<int:exam_id>")
@login_required
def exam_detail(exam_id: int):
    exam = load_exam(exam_id)
    exams.submit_expired_for_exam(exam)
    db.session.commit()
    return render_template("questions/exam_detail.html", exam=exam, attempts=exams.attempts_of(exam),
                           queue=len(exams.grading_queue(exam)), audience=[describe(a) for a in exam.audience])


@bp.post("/exams/<int:exam_id>/release")
@login_required
def exam_release(exam_id: int):
    exam = load_exam(exam_id)
    exams.release_results(current_user, exam)
    db.session.commit()
    flash("成绩已发布，学生可以查看得分、答案和解析", "success")
    return redirect(url_for("questions.exam_detail", exam_id=exam.id))


@bp.route("/exams/<int:exam_id>/grading", methods=["GET", "POST"])
@login_required
def exam_grading(exam_id: int):
    exam = load_exam(exam_id)
    if request.method == "POST":
        answer = db.session.get(ExamAnswer, request.form.get("answer_id", type=int) or 0)
        if answer is None or answer.attempt.exam_id != exam.id:
            flash("答案不存在", "danger")
        else:
            exams.grade_answer(current_user, answer, request.form.get("score"), request.form.get("feedback", ""))
            db.session.commit()
            flash(f"已评分：{answer.attempt.student.display_name} {answer.score:g} 分", "success")
        return redirect(url_for("questions.exam_grading", exam_id=exam.id))
    queue = exams.grading_queue(exam)
    db.session.commit()
    return render_template("questions/grading.html", exam=exam, queue=queue, get_type=get_type)


@bp.get("/exams/<int:exam_id>/statistics")
@login_required
def exam_statistics_page(exam_id: int):
    exam = load_exam(exam_id)
    stats = exam_statistics(exam)
    db.session.commit()
    chart = {"distribution": {"labels": [b["label"] for b in stats["distribution"]],
                              "counts": [b["count"] for b in stats["distribution"]]},
             "items": {"labels": [f"第{row['number']}题" for row in stats["items"]],
                       "p": [row["p"] for row in stats["items"]], "d": [row["d"] for row in stats["items"]]}}
    return render_template("questions/statistics.html", exam=exam, stats=stats, chart_json=json.dumps(chart),
                           quality_label=quality_label)


# --- students -----------------------------------------------------------------------------------

@bp.get("/my-exams")
@login_required
def my_exams():
    require(permissions.is_student(current_user), action="exam.mine")
    rows = []
    for exam in db.session.scalars(exams.exams_for_student(current_user)):
        attempt = exams.find_attempt(exam, current_user)
        if attempt is not None and exams.expire_if_due(attempt):
            db.session.commit()
        rows.append((exam, attempt))
    return render_template("questions/my_exams.html", rows=rows, now=utcnow())


@bp.route("/exams/<int:exam_id>/take", methods=["GET", "POST"])
@login_required
def exam_take(exam_id: int):
    exam = exams.get_exam(exam_id)
    require(permissions.can_take_exam(current_user, exam), action="exam.attempt", obj=exam)
    if request.method == "POST":
        attempt = exams.start_attempt(current_user, exam)
        db.session.commit()
        return redirect(url_for("questions.exam_take", exam_id=exam.id))
    attempt = exams.find_attempt(exam, current_user)
    if attempt is None:
        return render_template("questions/exam_start.html", exam=exam, now=utcnow())
    if exams.expire_if_due(attempt):
        db.session.commit()
    if attempt.status.value != "in_progress":
        return redirect(url_for("questions.exam_result", exam_id=exam.id))
    payload = attempt_payload(attempt)
    return render_template("questions/take.html", exam=exam, attempt=attempt, payload=payload,
                           item_count=sum(len(section["items"]) for section in payload["sections"]))


@bp.post("/exams/<int:exam_id>/submit")
@login_required
def exam_submit(exam_id: int):
    exam = exams.get_exam(exam_id)
    require(permissions.can_take_exam(current_user, exam), action="exam.attempt", obj=exam)
    attempt = exams.find_attempt(exam, current_user)
    named = request.form.get("attempt_id", type=int)
    if attempt is not None and named is not None and named != attempt.id:
        # A page left open on an older attempt must not hand in the retake started since.
        flash("已经开始了新的一次作答，旧答卷不能再提交", "warning")
        return redirect(url_for("questions.exam_take", exam_id=exam.id))
    if attempt is not None and attempt.submitted_at is None:
        _save_final_answers(attempt)
    if attempt is not None:
        exams.submit_attempt(current_user, attempt)
        db.session.commit()
    flash("试卷已提交", "success")
    return redirect(url_for("questions.exam_result", exam_id=exam.id))


def _save_final_answers(attempt) -> None:
    """The page sends every answer with the hand-in: a change typed just before 交卷, whose autosave
    had not gone out yet, counts (the autosave alone would lose it)."""
    raw = request.form.get("final_answers")
    if not raw:
        return
    try:
        answers = AnswersInSchema().load({"answers": json.loads(raw)})["answers"]
    except (ValueError, MarshmallowError) as exc:
        raise ValidationFailed("答卷数据格式错误，请刷新页面后重新交卷", code="bad_answers") from exc
    try:
        exams.save_answers(current_user, attempt, answers)
    except Conflict as exc:
        if exc.code != "deadline_passed":  # past the deadline the saved answers are what counts
            raise


@bp.get("/exams/<int:exam_id>/result")
@login_required
def exam_result(exam_id: int):
    exam = exams.get_exam(exam_id)
    require(permissions.can_take_exam(current_user, exam), action="exam.result", obj=exam)
    mine = exams.attempts_for(exam, current_user)  # only ever the student's own attempts
    if not mine:
        return redirect(url_for("questions.exam_take", exam_id=exam.id))
    wanted = request.args.get("attempt_no", type=int)
    attempt = next((a for a in mine if a.attempt_no == wanted), None) if wanted else mine[-1]
    if attempt is None:
        raise NotFound("没有这次作答")
    return render_template("questions/result.html", exam=exam, payload=attempt_payload(attempt),
                           attempts=mine if len(mine) > 1 else [])

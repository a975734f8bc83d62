"""Papers: build them by hand (sections, questions, scores) or from rules; copy; lock once given."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.questions import permissions
from eduplatform.questions.models import (
    Exam,
    ExamStatus,
    Paper,
    PaperItem,
    PaperSection,
    Question,
    QuestionVersion,
)
from eduplatform.questions.vocab import GRADES, SUBJECTS, Sharing

MAX_ITEMS = 300


def get_paper(paper_id: int) -> Paper:
    paper = db.session.get(Paper, paper_id)
    if paper is None or paper.deleted_at is not None:
        raise NotFound("试卷不存在")
    return paper


def is_locked(paper: Paper) -> bool:
    """A paper that an exam has been published with keeps its content (copy it to change it)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Exam).where(
        Exam.paper_id == paper.id, Exam.status != ExamStatus.DRAFT)) > 0


def clean_header(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = str(values.get("title") or "").strip()
    if not 1 <= len(title) <= 200:
        errors["title"] = ["试卷标题须为 1–200 个字符"]
    if values.get("subject") not in SUBJECTS:
        errors["subject"] = ["请选择学科"]
    grade = values.get("grade") or None
    if grade is not None and grade not in GRADES:
        errors["grade"] = ["年级不正确"]
    duration = values.get("duration_minutes") or None
    if duration is not None:
        try:
            duration = int(duration)
            if not 1 <= duration <= 600:
                raise ValueError
        except (TypeError, ValueError):
            errors["duration_minutes"] = ["考试时长须为 1–600 分钟"]
    try:
        sharing = Sharing(values.get("sharing") or Sharing.ORG)
    except ValueError:
        errors["sharing"] = ["共享范围不正确"]
        sharing = None
    if errors:
        raise ValidationFailed("试卷信息有误：" + "；".join(m for ms in errors.values() for m in ms), fields=errors)
    return {"title": title, "subject": values["subject"], "stage": values.get("stage") or None,
            "grade": grade, "instructions": str(values.get("instructions") or "")[:2000],
            "duration_minutes": duration, "sharing": sharing}


def _set_sections(actor, paper: Paper, sections: list[dict]) -> None:
    """Replace the sections: [{"title", "items": [{"question_id", "score"?}]}]."""
    if not isinstance(sections, list) or not sections:
        raise ValidationFailed("试卷至少要有一个大题", fields={"sections": ["至少一个大题"]})
    wanted_ids = [int(item["question_id"]) for s in sections for item in s.get("items", [])]
    if len(wanted_ids) > MAX_ITEMS:
        raise ValidationFailed(f"一份试卷最多 {MAX_ITEMS} 道题", fields={"sections": ["题目过多"]})
    if len(set(wanted_ids)) != len(wanted_ids):
        raise ValidationFailed("同一道题不能在试卷中出现两次", fields={"sections": ["题目重复"]})
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(wanted_ids)))}
    old_ids = [item.question_id for item in paper.items]
    for qid in wanted_ids:
        question = questions.get(qid)
        if question is None or not permissions.can_view_question(actor, question):
            raise ValidationFailed(f"编号 {qid} 的试题不存在或无权使用", fields={"sections": [f"编号 {qid} 的试题不可用"]})
    versions = {v.question_id: v for v in db.session.scalars(
        sa.select(QuestionVersion).join(Question, sa.and_(QuestionVersion.question_id == Question.id,
                                                          QuestionVersion.number == Question.version))
        .where(Question.id.in_(wanted_ids)))}
    paper.sections.clear()
    db.session.flush()
    for position, spec in enumerate(sections):
        title = str(spec.get("title") or "").strip()[:200] or f"第{position + 1}部分"
        section = PaperSection(position=position, title=title,
                               instructions=str(spec.get("instructions") or "")[:500])
        paper.sections.append(section)
        for item_position, item in enumerate(spec.get("items", [])):
            question = questions[int(item["question_id"])]
            score = item.get("score")
            score = question.score if score in (None, "") else score
            try:
                score = round(float(score), 2)
                if not 0 < score <= 1000:
                    raise ValueError
            except (TypeError, ValueError):
                raise ValidationFailed(f"编号 {question.id} 的试题分值须为正数", fields={"sections": ["分值不正确"]})
            section.items.append(PaperItem(paper=paper, position=item_position, question=question,
                                           version=versions[question.id], score=score))
    _count_usage(old_ids, wanted_ids)


def _count_usage(old_ids: list[int], new_ids: list[int]) -> None:
    removed, added = set(old_ids) - set(new_ids), set(new_ids) - set(old_ids)
    if removed:
        db.session.execute(sa.update(Question).where(Question.id.in_(removed))
                           .values(usage_count=sa.case((Question.usage_count > 0, Question.usage_count - 1),
                                                       else_=0)),
                           execution_options={"synchronize_session": "fetch"})
    if added:
        db.session.execute(sa.update(Question).where(Question.id.in_(added))
                           .values(usage_count=Question.usage_count + 1),
                           execution_options={"synchronize_session": "fetch"})
    if removed or added:
        # Bulk updates pass the ORM's after-commit indexing by: the usage facet must follow.
        from eduplatform.core.search.registry import index_after_commit

        index_after_commit("question", sorted(removed | added))


def create_paper(actor, values: dict[str, Any], sections: list[dict], *, mode: str = "manual",
                 rules: dict | None = None) -> Paper:
    header = clean_header(values)
    paper = Paper(**header, mode=mode, rules=rules, org_id=actor.scope_root.id, created_by_id=actor.id)
    db.session.add(paper)
    db.session.flush()
    _set_sections(actor, paper, sections)
    db.session.flush()
    record("questions", "paper.created",
           f"{'按规则组卷' if mode == 'rules' else '手工组卷'}：{paper.title}（{len(paper.items)} 题，"
           f"{paper.total_score:g} 分）", actor=actor, obj=paper, data={"rules": rules} if rules else None)
    return paper


def update_paper(actor, paper: Paper, values: dict[str, Any], sections: list[dict] | None) -> Paper:
    if is_locked(paper):
        raise Conflict("试卷已用于发布的考试，不能再修改；请复制一份后修改", code="paper_locked")
    header = clean_header({**{k: getattr(paper, k) for k in ("title", "subject", "stage", "grade",
                                                              "instructions", "duration_minutes", "sharing")},
                           **values})
    for name, value in header.items():
        setattr(paper, name, value)
    if sections is not None:
        _set_sections(actor, paper, sections)
        paper.mode = "manual"
    db.session.flush()
    record("questions", "paper.updated", f"修改试卷：{paper.title}", actor=actor, obj=paper)
    return paper


def sections_of(paper: Paper) -> list[dict]:
    """The paper's sections in the shape ``create_paper`` takes (to copy or edit it)."""
    return [{"title": s.title, "instructions": s.instructions,
             "items": [{"question_id": i.question_id, "score": i.score} for i in s.items]}
            for s in paper.sections]


def copy_paper(actor, paper: Paper) -> Paper:
    """A new, editable paper with the same questions (at their current versions)."""
    values = {k: getattr(paper, k) for k in ("subject", "stage", "grade", "instructions",
                                             "duration_minutes", "sharing")}
    values["title"] = f"{paper.title}（副本）"[:200]
    live = [{**s, "items": [i for i in s["items"] if _usable(actor, i["question_id"])]}
            for s in sections_of(paper)]
    return create_paper(actor, values, [s for s in live if s["items"]] or live[:1])


def _usable(actor, question_id: int) -> bool:
    question = db.session.get(Question, question_id)
    return question is not None and permissions.can_view_question(actor, question)


def delete_paper(actor, paper: Paper) -> None:
    if is_locked(paper):
        raise Conflict("试卷已用于发布的考试，不能删除", code="paper_locked")
    _count_usage([item.question_id for item in paper.items], [])
    paper.soft_delete(actor)
    record("questions", "paper.deleted", f"删除试卷：{paper.title}", actor=actor, obj=paper)
    db.session.flush()


def visible_papers(user):
    query = sa.select(Paper).where(Paper.deleted_at.is_(None)).order_by(Paper.id.desc())
    return permissions.visible_shared(user, query, Paper)

"""Questions: create, edit (a new version each time), delete, browse and search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.text.richtext import clean_html, one_line, plain_text
from eduplatform.orgs.models import Stage
from eduplatform.questions import knowledge
from eduplatform.questions.models import KnowledgePoint, Question, QuestionVersion, question_kp_links
from eduplatform.questions.permissions import acl_tokens, visible_shared
from eduplatform.questions.types import QUESTION_TYPES, TypeDataError, get_type
from eduplatform.questions.types.builtin import BLANK_RE
from eduplatform.questions.vocab import GRADES, SUBJECTS, Sharing

#: Fields an edit may change; any change writes a new version.
CONTENT_FIELDS = ("type", "stem", "data", "analysis", "score", "difficulty", "subject", "stage", "grade",
                  "tags", "source", "sharing")
MAX_TAGS = 20


def clean_question(values: dict[str, Any]) -> dict[str, Any]:
    """Validate a question's fields (type data included); errors name the field, in Chinese."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    qtype = values.get("type")
    if qtype not in QUESTION_TYPES:
        errors["type"] = [f"未知题型：{qtype}"]
    stem = clean_html(values.get("stem"))
    if not plain_text(stem) and "<img" not in stem:
        errors["stem"] = ["题干不能为空"]
    out["stem"] = stem
    if qtype in QUESTION_TYPES:
        out["type"] = qtype
        try:
            out["data"] = get_type(qtype).clean(values.get("data") or {})
        except TypeDataError as exc:
            errors["data"] = exc.messages
        else:
            if qtype in ("fill_blank", "cloze"):
                markers = [int(n) for n in BLANK_RE.findall(stem)]
                blanks = len(out["data"]["blanks" if qtype == "fill_blank" else "parts"])
                if not markers:  # blanks without a place in the stem follow it
                    out["stem"] = stem = stem + " " + " ".join(f"[[{n}]]" for n in range(1, blanks + 1))
                elif sorted(markers) != list(range(1, blanks + 1)):
                    errors["stem"] = [f"题干中的空位标记 [[1]]…[[{blanks}]] 与 {blanks} 个空的答案不一致"]
    out["analysis"] = clean_html(values.get("analysis"))
    score = values.get("score")
    if score in (None, ""):
        score = QUESTION_TYPES[qtype].default_score if qtype in QUESTION_TYPES else 0
    try:
        out["score"] = round(float(score), 2)
        if not 0 < out["score"] <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        errors["score"] = ["分值须为 0 到 1000 之间的数字"]
    difficulty = values.get("difficulty", 3)
    if isinstance(difficulty, str) and difficulty.strip().isdigit():
        difficulty = int(difficulty)
    if isinstance(difficulty, bool) or difficulty not in (1, 2, 3, 4, 5):
        errors["difficulty"] = ["难度须为 1–5 的整数"]
    else:
        out["difficulty"] = difficulty
    if values.get("subject") not in SUBJECTS:
        errors["subject"] = ["请选择学科"]
    out["subject"] = values.get("subject")
    stage = values.get("stage") or None
    if stage is not None and stage not in {s.value for s in Stage}:
        errors["stage"] = ["学段不正确"]
    out["stage"] = stage
    grade = values.get("grade") or None
    if grade is not None and grade not in GRADES:
        errors["grade"] = ["年级不正确"]
    out["grade"] = grade
    tags = values.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in tags.replace("，", ",").split(",")]
    tags = list(dict.fromkeys(str(t).strip()[:32] for t in tags if str(t).strip()))
    if len(tags) > MAX_TAGS:
        errors["tags"] = [f"标签最多 {MAX_TAGS} 个"]
    out["tags"] = tags
    out["source"] = str(values.get("source") or "").strip()[:255]
    try:
        out["sharing"] = Sharing(values.get("sharing") or Sharing.ORG)
    except ValueError:
        errors["sharing"] = ["共享范围不正确"]
    if errors:
        raise ValidationFailed("试题内容有误：" + "；".join(m for ms in errors.values() for m in ms),
                               fields=errors)
    return out


def _snapshot(question: Question, actor) -> QuestionVersion:
    version = QuestionVersion(
        question=question, number=question.version, type=question.type, stem=question.stem,
        data=question.data, analysis=question.analysis, score=question.score,
        difficulty=question.difficulty, created_by_id=getattr(actor, "id", None),
        meta={"subject": question.subject, "stage": question.stage, "grade": question.grade,
              "tags": list(question.tags), "source": question.source,
              "knowledge_points": [kp.name for kp in question.knowledge_points]})
    db.session.add(version)
    return version


def create_question(actor, values: dict[str, Any], *, knowledge_points: list[KnowledgePoint] | None = None,
                    audit: bool = True) -> Question:
    """Create a question (version 1) owned by the actor's unit."""
    cleaned = clean_question(values)
    if knowledge_points is None:
        knowledge_points = knowledge.load_knowledge_points(values.get("knowledge_point_ids"), cleaned["subject"])
    question = Question(**cleaned, org_id=actor.scope_root.id, created_by_id=actor.id, version=1,
                        knowledge_points=list(knowledge_points))
    db.session.add(question)
    db.session.flush()
    _snapshot(question, actor)
    if audit:
        record("questions", "question.created", f"新建试题（编号 {question.id}）：{one_line(question.stem, 60)}",
               actor=actor, obj=question)
    db.session.flush()
    return question


def update_question(actor, question: Question, values: dict[str, Any]) -> Question:
    """Apply an edit as a new version; papers already built keep the version they hold."""
    merged = {name: getattr(question, name) for name in CONTENT_FIELDS}
    merged.update({k: v for k, v in values.items() if k in CONTENT_FIELDS})
    cleaned = clean_question(merged)
    kps = question.knowledge_points
    if "knowledge_point_ids" in values:
        kps = knowledge.load_knowledge_points(values["knowledge_point_ids"], cleaned["subject"])
    elif cleaned["subject"] != question.subject:
        kps = []
    changed = {name: [_plain(getattr(question, name)), _plain(new)] for name, new in cleaned.items()
               if getattr(question, name) != new}
    if [kp.id for kp in kps] != [kp.id for kp in question.knowledge_points]:
        changed["knowledge_points"] = [[kp.id for kp in question.knowledge_points], [kp.id for kp in kps]]
    if not changed:
        return question
    for name, new in cleaned.items():
        setattr(question, name, new)
    question.knowledge_points = list(kps)
    question.version += 1
    _snapshot(question, actor)
    record("questions", "question.updated", f"修改试题（编号 {question.id}），生成第 {question.version} 版",
           actor=actor, obj=question, data={"changes": changed})
    db.session.flush()
    return question


def _plain(value):
    return value.value if hasattr(value, "value") else value


def delete_question(actor, question: Question) -> None:
    """Hide the question from the bank; papers and exams that hold it keep their versions."""
    question.soft_delete(actor)
    record("questions", "question.deleted", f"删除试题（编号 {question.id}）", actor=actor, obj=question)
    db.session.flush()


def current_version(question: Question) -> QuestionVersion:
    return db.session.scalar(sa.select(QuestionVersion).where(
        QuestionVersion.question_id == question.id, QuestionVersion.number == question.version))


# --- browsing -------------------------------------------------------------------------------

USAGE_BUCKETS = {"0": (0, 0), "1-4": (1, 4), "5+": (5, None)}
USAGE_LABELS = {"0": "未使用", "1-4": "用过 1–4 次", "5+": "用过 5 次以上"}


def usage_bucket(count: int) -> str:
    return "0" if count == 0 else ("1-4" if count < 5 else "5+")


@dataclass
class QuestionFilters:
    text: str = ""
    type: str | None = None
    difficulty: int | None = None
    subject: str | None = None
    stage: str | None = None
    grade: str | None = None
    knowledge_point: int | None = None
    tag: str | None = None
    usage: str | None = None
    mine: bool = False
    #: "newest" or "usage" (most used first); text searches rank by relevance.
    sort: str = "newest"

    @classmethod
    def from_args(cls, args: dict) -> QuestionFilters:
        """The filters from a loaded QuestionFilterArgsSchema (the bank's page and the API share them)."""
        return cls(text=args["q"].strip()[:200], type=args["type"], difficulty=args["difficulty"],
                   subject=args["subject"], stage=args["stage"], grade=args["grade"],
                   knowledge_point=args["knowledge_point"], tag=args["tag"], usage=args["usage"],
                   mine=args["mine"] in ("1", "true"), sort=args["sort"])


def visible_questions(user):
    return visible_shared(user, sa.select(Question).where(Question.deleted_at.is_(None)), Question)


def filter_query(user, f: QuestionFilters):
    """The database query behind the bank when there is no search text."""
    query = visible_questions(user)
    if f.type:
        query = query.where(Question.type == f.type)
    if f.difficulty:
        query = query.where(Question.difficulty == f.difficulty)
    if f.subject:
        query = query.where(Question.subject == f.subject)
    if f.stage:
        query = query.where(Question.stage == f.stage)
    if f.grade:
        query = query.where(Question.grade == f.grade)
    if f.mine:
        query = query.where(Question.created_by_id == user.id)
    if f.knowledge_point:
        kp = knowledge.get_knowledge_point(f.knowledge_point)
        query = query.where(Question.id.in_(
            sa.select(question_kp_links.c.question_id)
            .where(question_kp_links.c.knowledge_point_id.in_(knowledge.subtree_ids(kp)))))
    if f.tag:
        query = query.where(Question.tags_text.like(f"%|{_escape_like(f.tag)}|%", escape="\\"))
    if f.usage in USAGE_BUCKETS:
        low, high = USAGE_BUCKETS[f.usage]
        query = query.where(Question.usage_count >= low)
        if high is not None:
            query = query.where(Question.usage_count <= high)
    order = (Question.usage_count.desc(), Question.id.desc()) if f.sort == "usage" else (Question.id.desc(),)
    return query.order_by(*order)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_questions(user, f: QuestionFilters, page: int, per_page: int):
    """Full-text search through the shared search service, with the same filters as facets."""
    from eduplatform.core.search.base import SearchQuery
    from eduplatform.core.search.registry import get_search

    filters: dict[str, Any] = {}
    for name in ("type", "subject", "stage", "grade", "usage"):
        if getattr(f, name):
            filters[name] = getattr(f, name)
    if f.difficulty:
        filters["difficulty"] = str(f.difficulty)
    if f.knowledge_point:
        filters["kp"] = str(f.knowledge_point)
    if f.tag:
        filters["tag"] = f.tag
    if f.mine:
        filters["author"] = str(user.id)
    query = SearchQuery(text=f.text, kinds=["question"], filters=filters, acl=acl_tokens(user) or ["-"],
                        facets=["type", "difficulty", "usage"],
                        sort="popularity" if f.sort == "usage" else "relevance",
                        page=page, per_page=per_page)
    results = get_search().search(query)
    ids = [int(hit.object_id) for hit in results.hits]
    rows = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(ids)))}
    # The index may lag a moment behind the database: drop what is gone or no longer visible.
    questions = [rows[i] for i in ids if i in rows and rows[i].deleted_at is None]
    return questions, results


TITLE_CHARS = 120


def question_document(question: Question):
    """How a question appears in the full-text index."""
    from eduplatform.core.search.base import SearchDocument
    from eduplatform.questions.permissions import question_acl

    if question.deleted_at is not None:
        return None
    qtype = QUESTION_TYPES.get(question.type)
    stem = plain_text(question.stem)
    data_text = " ".join(plain_text(o) for o in question.data.get("options", []))
    kp_ids: set[str] = set()
    for kp in question.knowledge_points:
        kp_ids.update(str(i) for i in kp.ancestor_ids)
    return SearchDocument(
        kind="question", object_id=question.id,
        title=one_line(question.stem, TITLE_CHARS),
        summary=f"{qtype.label if qtype else question.type} · {SUBJECTS.get(question.subject, '')} · "
                f"难度 {question.difficulty}",
        # The title already holds a short stem: analysing it twice would only slow indexing down.
        content=" ".join([stem if len(stem) > TITLE_CHARS else "", data_text, plain_text(question.analysis),
                          " ".join(kp.name for kp in question.knowledge_points), question.source]),
        keywords=list(question.tags),
        facets={"type": question.type, "difficulty": str(question.difficulty), "subject": question.subject,
                "stage": question.stage or "", "grade": question.grade or "", "kp": sorted(kp_ids),
                "tag": list(question.tags), "usage": usage_bucket(question.usage_count),
                "author": str(question.created_by_id)},
        acl=question_acl(question.sharing, question.org, question.created_by_id),
        created=question.created_at, popularity=question.usage_count)


def unified_results(user, q: str, limit: int):
    """The one search box's 试题 group: the bank's own search (authors only; no answers shown)."""
    from flask import url_for

    from eduplatform.core.search.groups import GroupResult, SearchLink

    found, results = search_questions(user, QuestionFilters(text=q), 1, limit)
    links = []
    for question in found:
        qtype = QUESTION_TYPES.get(question.type)
        summary = " · ".join(x for x in (qtype.label if qtype else "", SUBJECTS.get(question.subject, "")) if x)
        links.append(SearchLink(one_line(question.stem, TITLE_CHARS),
                                url_for("questions.question_detail", question_id=question.id), summary))
    return GroupResult(results.total, links)


def register_unified() -> None:
    from flask import url_for

    from eduplatform.core.search.groups import SearchGroup, register_search_group
    from eduplatform.questions.permissions import is_author

    register_search_group(SearchGroup("question", "试题", is_author, unified_results,
                                      lambda q: url_for("questions.question_list", q=q), order=30))

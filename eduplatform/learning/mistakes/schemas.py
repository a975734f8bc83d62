"""错题本 API schemas (marshmallow 4): inputs with Chinese messages, outputs listing their fields."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from eduplatform.learning.mistakes.services import MAX_PRACTICE
from eduplatform.questions.types import get_type


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class BookArgsSchema(_In):
    subject = fields.String(load_default=None, validate=validate.Length(max=32))
    knowledge_point_id = fields.Integer(load_default=None, error_messages={"invalid": "知识点编号须为数字"})
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "mastered"],
                                                                      error="状态须为 pending 或 mastered"))


class RedoInSchema(_In):
    response = fields.Raw(load_default=None, allow_none=True)
    #: essays: the student's own judgement against the reference answer
    self_check = fields.Boolean(load_default=None, allow_none=True, error_messages={"invalid": "self_check 须为布尔值"})


class PracticeInSchema(_In):
    size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=MAX_PRACTICE,
                                                                   error=f"题目数量须为 1–{MAX_PRACTICE}"),
                          error_messages={"invalid": "题目数量须为数字"})
    subject = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    knowledge_point_id = fields.Integer(load_default=None, allow_none=True,
                                        error_messages={"invalid": "知识点编号须为数字"})


class PracticeAnswersInSchema(_In):
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict)


def _version_out(version, *, key: bool) -> dict:
    shown = {"id": version.id, "question_id": version.question_id, "number": version.number, "type": version.type,
             "type_label": version.type_label, "stem": version.stem, "difficulty": version.difficulty}
    if version.type in ("single", "multiple"):
        shown["options"] = version.data["options"]
    elif version.type == "fill_blank":
        shown["blanks"] = len(version.data["blanks"])
    elif version.type == "matching":
        shown["lefts"] = [left for left, _ in version.data["pairs"]]
        shown["choices"] = get_type("matching").choices(version.data)
    if key:
        shown["answer_text"] = get_type(version.type).answer_text(version.data)
        shown["analysis"] = version.analysis
    return shown


def entry_out(entry) -> dict:
    version = entry.question_version
    qtype = get_type(version.type)
    return {"id": entry.id, "status": entry.status.value, "status_label": entry.status.label,
            "subject": entry.subject, "difficulty": entry.difficulty, "wrong_count": entry.wrong_count,
            "first_wrong_at": entry.first_wrong_at.isoformat(), "last_wrong_at": entry.last_wrong_at.isoformat(),
            "source": entry.last_source.value, "source_label": entry.last_source_label,
            "response": entry.last_response, "response_text": qtype.response_text(version.data, entry.last_response),
            "score": entry.last_score, "max_score": entry.max_score, "redo_count": entry.redo_count,
            "redo_correct_count": entry.redo_correct_count,
            "mastered_at": entry.mastered_at.isoformat() if entry.mastered_at else None,
            "knowledge_points": [{"id": kp.id, "name": kp.name} for kp in entry.question.knowledge_points],
            "question": _version_out(version, key=True)}


def practice_out(practice, items) -> dict:
    done = practice.status.value == "submitted"
    return {"id": practice.id, "title": practice.title, "status": practice.status.value,
            "created_at": practice.created_at.isoformat(),
            "submitted_at": practice.submitted_at.isoformat() if practice.submitted_at else None,
            "score": practice.score, "max_score": practice.max_score, "criteria": practice.criteria,
            "items": [{"id": i.id, "position": i.position, "origin": "mistake" if i.entry_id else "similar",
                       "entry_id": i.entry_id, "max_score": i.max_score,
                       "response": i.response if done else None, "score": i.score if done else None,
                       "question": _version_out(i.question_version, key=done)} for i in items]}

"""What a student sees of an exam: the questions without their answers, and — only once results are
released — scores, the key and the analysis (the key and analysis later still while another domain
withholds them, see ``exams.key_withheld``). The HTML page and the API share these payloads."""

from __future__ import annotations

from typing import Any

from eduplatform.core.db import utcnow
from eduplatform.core.text.richtext import plain_text
from eduplatform.questions.models import AttemptStatus, ExamAttempt, PaperItem
from eduplatform.questions.types import get_type
from eduplatform.questions.types.builtin import BLANK_RE


def public_item(item: PaperItem, number: int) -> dict[str, Any]:
    """An exam item as shown to the student taking it: nothing that gives the answer away."""
    version = item.version
    qtype = get_type(version.type)
    shown: dict[str, Any] = {"id": item.id, "number": number, "type": version.type, "type_label": qtype.label,
                             "score": item.score, "stem": version.stem}
    if version.type in ("single", "multiple"):
        shown["options"] = version.data["options"]
    elif version.type == "fill_blank":
        shown["blanks"] = len(version.data["blanks"])
    elif version.type == "cloze":
        # What each part offers, never its credits (shuffled parts keep the file's order).
        shown["parts"] = [{"kind": p["kind"], "display": p.get("display"),
                           "options": [a["text"] for a in p["answers"]] if p["kind"] in ("multichoice", "multiresponse")
                           else [],
                           "options_text": [plain_text(a["text"]) for a in p["answers"]]
                           if p["kind"] in ("multichoice", "multiresponse") else []}
                          for p in version.data["parts"]]
    elif version.type == "matching":
        shown["lefts"] = [left for left, _ in version.data["pairs"]]
        shown["choices"] = qtype.choices(version.data)
    return shown


def attempt_payload(attempt: ExamAttempt, *, reveal: bool | None = None) -> dict[str, Any]:
    exam = attempt.exam
    reveal = exam.results_released if reveal is None else reveal
    withheld = None
    if reveal and attempt.status != AttemptStatus.IN_PROGRESS:
        from eduplatform.questions.exams import key_withheld

        withheld = key_withheld(attempt)
    answers = {a.item_id: a for a in attempt.answers}
    sections, number = [], 0
    for section in exam.paper.sections:
        rows = []
        for item in section.items:
            number += 1
            row = public_item(item, number)
            answer = answers.get(item.id)
            row["response"] = answer.response if answer else None
            if reveal:
                version = item.version
                qtype = get_type(version.type)
                row.update({"earned": answer.score if answer else 0,
                            "answer_text": None if withheld else qtype.answer_text(version.data),
                            "response_text": qtype.response_text(version.data, row["response"]),
                            "analysis": None if withheld else version.analysis,
                            "answer_feedback": [] if withheld else qtype.feedback(version.data, row["response"]),
                            "feedback": answer.feedback if answer else ""})
            rows.append(row)
        sections.append({"title": section.title, "instructions": section.instructions, "items": rows})
    remaining = None
    if attempt.status == AttemptStatus.IN_PROGRESS:
        remaining = max(0, int((attempt.deadline_at - utcnow()).total_seconds()))
    return {"attempt_id": attempt.id, "attempt_no": attempt.attempt_no, "exam_id": exam.id, "title": exam.title,
            "status": attempt.status.value,
            "status_label": attempt.status.label, "started_at": attempt.started_at,
            "deadline_at": attempt.deadline_at, "submitted_at": attempt.submitted_at,
            "auto_submitted": attempt.auto_submitted, "remaining_seconds": remaining,
            "full_score": exam.paper.total_score, "released": exam.results_released,
            "score": attempt.score if reveal else None, "key_withheld": withheld, "sections": sections}


def stem_with_blanks(stem: str, render) -> str:
    """Replace [[n]] markers using ``render(n)`` (an input box, or a line for print)."""
    return BLANK_RE.sub(lambda m: render(int(m.group(1))), stem)


def short(text: str, limit: int = 40) -> str:
    flat = plain_text(text).replace("\n", " ")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

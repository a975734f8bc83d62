"""Exam statistics: score distribution, mean, and per item the difficulty index P and discrimination D.

* P (难度系数) = the item's mean score ÷ its full score (for right/wrong items: the share who got it).
* D (区分度) = (mean item score of the upper group − that of the lower group) ÷ the item's full score,
  the groups being the top and bottom 27 % of students by total score (at least one student each;
  ties in the total are broken by attempt order so that the figures are reproducible).

Only fully graded attempts count; attempts still waiting for a teacher are reported separately.
Course quizzes allow retakes: item analysis needs one attempt per person, so each student counts
with their FIRST graded attempt (a retake after seeing the results would bias P and D upwards).
"""

from __future__ import annotations

import math
from typing import Any

from eduplatform.core.text.richtext import one_line
from eduplatform.questions.exams import attempts_of, first_graded_attempts, submit_expired_for_exam
from eduplatform.questions.models import AttemptStatus, Exam

GROUP_SHARE = 0.27
BINS = 10


def group_size(n: int) -> int:
    return max(1, math.floor(n * GROUP_SHARE + 0.5)) if n else 0


def distribution(scores: list[float], full: float) -> list[dict[str, Any]]:
    """Counts in ten equal bands of the full score; the top band includes the full score."""
    if full <= 0:
        return []
    width = full / BINS
    counts = [0] * BINS
    for score in scores:
        counts[min(BINS - 1, int(score / width + 1e-9))] += 1
    return [{"from": round(i * width, 2), "to": round((i + 1) * width, 2),
             "label": f"{i * width:g}–{(i + 1) * width:g}", "count": c} for i, c in enumerate(counts)]


def exam_statistics(exam: Exam) -> dict[str, Any]:
    submit_expired_for_exam(exam)
    attempts = attempts_of(exam)
    graded = first_graded_attempts(exam)
    counted = {a.student_id for a in graded}
    # Students without a graded attempt yet whose attempt waits for a teacher.
    pending = len({a.student_id for a in attempts
                   if a.status == AttemptStatus.SUBMITTED and a.student_id not in counted})
    full = exam.paper.total_score
    scores = [a.score or 0.0 for a in graded]
    n = len(graded)
    ranked = sorted(graded, key=lambda a: (-(a.score or 0.0), a.id))
    k = group_size(n)
    upper, lower = ranked[:k], ranked[n - k:] if k else []
    by_attempt = {a.id: {ans.item_id: ans.score or 0.0 for ans in a.answers} for a in graded}
    items = []
    number = 0
    for section in exam.paper.sections:
        for item in section.items:
            number += 1
            got = [by_attempt[a.id].get(item.id, 0.0) for a in graded]
            row = {"item_id": item.id, "number": number, "section": section.title,
                   "type": item.version.type, "type_label": item.version.type_label,
                   "stem": one_line(item.version.stem, 60), "full_score": item.score,
                   "mean": _round(sum(got) / n) if n else None,
                   "full_marks_rate": _round(sum(1 for g in got if g >= item.score) / n) if n else None,
                   "p": None, "d": None}
            if n:
                row["p"] = _round(sum(got) / n / item.score)
                up = sum(by_attempt[a.id].get(item.id, 0.0) for a in upper) / k
                low = sum(by_attempt[a.id].get(item.id, 0.0) for a in lower) / k
                row["d"] = _round((up - low) / item.score)
            items.append(row)
    mean = sum(scores) / n if n else None
    return {
        "exam_id": exam.id, "title": exam.title, "full_score": full,
        "attempts": len(attempts), "students": len({a.student_id for a in attempts}),
        "retakes": sum(1 for a in attempts if a.attempt_no > 1), "first_graded_only": exam.purpose == "quiz",
        "graded": n, "pending_grading": pending,
        "mean": _round(mean), "max": max(scores) if scores else None, "min": min(scores) if scores else None,
        "std": _round(math.sqrt(sum((s - mean) ** 2 for s in scores) / n)) if n else None,
        "group_size": k, "distribution": distribution(scores, full), "items": items,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def quality_label(p: float | None, d: float | None) -> str:
    """A reading of D after Ebel's rule of thumb (≥0.4 很好, 0.3–0.39 良好, 0.2–0.29 尚可, <0.2 需改进)."""
    if d is None:
        return ""
    if d >= 0.4:
        return "很好"
    if d >= 0.3:
        return "良好"
    if d >= 0.2:
        return "尚可"
    return "需改进"

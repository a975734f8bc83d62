"""JSON shapes of 学情 (plain functions: the rows are computed dicts, not model rows)."""

from __future__ import annotations

from eduplatform.core.text.timeutil import iso
from eduplatform.learning.mastery import services


def class_out(school_class, matrix: dict) -> dict:
    return {"class": {"id": school_class.id, "name": school_class.name},
            "points": [{"id": p.id, "name": p.name, "subject": p.subject} for p in matrix["points"]],
            "students": [{"id": row["student"].id, "name": row["student"].name,
                          "cells": {str(k): v for k, v in row["cells"].items()}} for row in matrix["students"]]}


def student_out(student) -> dict:
    term = services.current_term()
    since, _ = term.bounds
    rows = services.student_mastery(student)
    return {
        "student": {"id": student.id, "name": student.name,
                    "class": student.school_class.name if student.school_class else None},
        "term": {"key": term.key, "label": term.label},
        "mastery": [{"knowledge_point_id": r["point"].id, "name": r["point"].name, "subject": r["point"].subject,
                     "subject_label": r["subject"], "percent": r["percent"], "band": r["band"], "few": r["few"], "answers": r["answers"],
                     "last_answered_at": iso(r["last_answered_at"])} for r in rows],
        "bands": services.band_counts(rows),
        "homework": services.homework_record(student, since=since),
        "courses": [{**c, "completed_at": iso(c["completed_at"]), "last_activity_at": iso(c["last_activity_at"])}
                    for c in services.course_progress(student)],
    }

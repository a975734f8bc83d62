"""The question bank's subjects, grades and stages are the shared vocabulary files, not a copy."""

from __future__ import annotations

from pathlib import Path

import yaml

from eduplatform.questions import vocab

SPEC_DIR = Path(__file__).resolve().parents[2] / "resource_specs" / "vocabularies"


def _spec(name: str) -> dict[str, str]:
    data = yaml.safe_load((SPEC_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return {str(t["code"]): str(t["label"]) for t in data["terms"]}


def test_subjects_grades_and_stages_are_the_spec_files():
    assert vocab.SUBJECTS == _spec("subject")
    assert vocab.GRADES == _spec("grade")
    assert vocab.STAGES == _spec("stage")
    # Terms the old copy lacked are there now.
    assert vocab.SUBJECTS["general_tech"] == "通用技术" and vocab.GRADES["v1"] == "中职一年级"


def test_the_library_and_the_bank_read_the_same_vocabularies(app):
    specs = app.extensions["resource_specs"]
    assert specs.vocabularies["subject"].labels() == vocab.SUBJECTS
    assert specs.vocabularies["grade"].labels() == vocab.GRADES


def test_a_subject_only_the_spec_files_named_is_accepted(make_question, people):
    question = make_question(people.teacher_a1, subject="general_tech", grade="v1")
    assert (question.subject, question.grade) == ("general_tech", "v1")

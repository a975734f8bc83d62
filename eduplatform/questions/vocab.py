"""Subjects, grades, difficulty bands and sharing scopes of the question bank (codes → Chinese labels).

Subjects, grades and stages are the platform's shared vocabularies (``resource_specs/vocabularies/``,
read by ``core.vocabularies``): the same codes and labels as the resource library's. Difficulty and
sharing are the question bank's own.
"""

from __future__ import annotations

import enum

from eduplatform.core.vocabularies import vocabulary

#: 学科 code → label (resource_specs/vocabularies/subject.yaml).
SUBJECTS: dict[str, str] = vocabulary("subject").labels()
#: 年级 code → label (resource_specs/vocabularies/grade.yaml).
GRADES: dict[str, str] = vocabulary("grade").labels()
#: 学段 code → label (resource_specs/vocabularies/stage.yaml; the codes of ``orgs.models.Stage``).
STAGES: dict[str, str] = vocabulary("stage").labels()

DIFFICULTY_LABELS = {1: "容易", 2: "较易", 3: "中等", 4: "较难", 5: "困难"}

#: Difficulty bands used by the assembly rules' mix (易:中:难), as the levels each band holds.
DIFFICULTY_BANDS = {"easy": (1, 2), "medium": (3,), "hard": (4, 5)}
BAND_LABELS = {"easy": "容易", "medium": "中等", "hard": "困难"}


class Sharing(enum.StrEnum):
    """Who besides the author may see and use a question (and a paper)."""

    PRIVATE = "private"
    ORG = "org"
    DISTRICT = "district"
    CITY = "city"

    @property
    def label(self) -> str:
        return SHARING_LABELS[self]


SHARING_LABELS = {
    Sharing.PRIVATE: "仅自己", Sharing.ORG: "本单位", Sharing.DISTRICT: "本区县", Sharing.CITY: "全市",
}


def band_of(difficulty: int) -> str:
    for band, levels in DIFFICULTY_BANDS.items():
        if difficulty in levels:
            return band
    raise ValueError(difficulty)


def subject_label(code: str | None) -> str:
    return SUBJECTS.get(code or "", code or "")


def grade_label(code: str | None) -> str:
    return GRADES.get(code or "", code or "")


def find_code(mapping: dict[str, str], value: str | None) -> str | None:
    """A code from either the code itself or its Chinese label ('数学' → 'math')."""
    if not value:
        return None
    value = value.strip()
    if value in mapping:
        return value
    for code, label in mapping.items():
        if label == value:
            return code
    return None

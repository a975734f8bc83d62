"""Subjects, grades, difficulty bands and sharing scopes of the question bank (codes → Chinese labels).

These belong to the shared vocabularies another helper is building under ``resource_specs/``; until
the two are unified the question bank keeps its own copy here (same codes as the DOMAIN glossary).
"""

from __future__ import annotations

import enum

SUBJECTS = {
    "chinese": "语文", "math": "数学", "english": "英语", "physics": "物理", "chemistry": "化学",
    "biology": "生物", "history": "历史", "geography": "地理", "politics": "道德与法治",
    "science": "科学", "it": "信息技术", "music": "音乐", "art": "美术", "pe": "体育与健康",
}

GRADES = {
    "g1": "一年级", "g2": "二年级", "g3": "三年级", "g4": "四年级", "g5": "五年级", "g6": "六年级",
    "g7": "七年级", "g8": "八年级", "g9": "九年级", "g10": "高一", "g11": "高二", "g12": "高三",
}

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

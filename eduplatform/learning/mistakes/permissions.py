"""Who sees which 错题本: a student only their own; a teacher the class view of the classes they teach
(their subjects there) or head (every subject); nobody else reads another student's book."""

from __future__ import annotations

from eduplatform.learning.permissions import is_head_teacher, is_student, taught_subjects
from eduplatform.questions.vocab import SUBJECTS, find_code


def has_book(user) -> bool:
    """A student with a roster profile (the menu asks on every page: one query per request)."""
    from eduplatform.core.memo import per_request

    if not getattr(user, "is_authenticated", False):
        return False
    return per_request(("mistakes.has_book", user.id), lambda: is_student(user))


def can_view_entry(user, entry) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and entry.user_id == user.id and entry.revealed


def can_view_practice(user, practice_set) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and practice_set.user_id == user.id


def class_subjects(user, school_class) -> list[str] | None:
    """The 学科 codes of the class view a teacher may see: None = every subject (the 班主任); [] = none."""
    if school_class.graduated:
        return []
    if is_head_teacher(user, school_class):
        return None
    return sorted({find_code(SUBJECTS, name) or name for name in taught_subjects(user, school_class)})


def can_view_class_mistakes(user, school_class) -> bool:
    subjects = class_subjects(user, school_class)
    return subjects is None or bool(subjects)

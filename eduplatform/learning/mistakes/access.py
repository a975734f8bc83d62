"""Loading 错题本 objects with the access check (pages and API), and a form's answer to a version."""

from __future__ import annotations

from flask_login import current_user

from eduplatform.core.permissions import get_visible_or_404
from eduplatform.learning.access import class_for as _class_for  # noqa: F401  (same 404/403 rule)
from eduplatform.learning.mistakes import permissions
from eduplatform.learning.mistakes.models import MistakeEntry, PracticeSet
from eduplatform.schools.models import SchoolClass


def entry_for(entry_id: int) -> MistakeEntry:
    # hide: another student's entry answers like a missing one (ids cannot be probed)
    return get_visible_or_404(MistakeEntry, entry_id, current_user, can=permissions.can_view_entry,
                              action="mistakes.view_entry", missing="错题不存在", hide=True)


def practice_for(set_id: int) -> PracticeSet:
    return get_visible_or_404(PracticeSet, set_id, current_user, can=permissions.can_view_practice,
                              action="mistakes.view_practice", missing="练习不存在", hide=True)


def class_for(class_id: int) -> SchoolClass:
    return get_visible_or_404(SchoolClass, class_id, current_user, can=permissions.can_view_class_mistakes,
                              action="mistakes.view_class", missing="班级不存在",
                              message="只能查看自己任教或担任班主任的班级的错题")


LIST_TYPES = {"multiple", "fill_blank", "matching"}


def form_response(version, form, name: str):
    """A question's answer as a form sent it (``name`` the inputs' name), in the shape its type cleans."""
    kind = version.type
    if kind in LIST_TYPES:
        values = form.getlist(name)
        if kind == "multiple":
            return [int(v) for v in values if v.isdigit()] or None
        return list(values) if any(v.strip() for v in values) else None
    value = form.get(name)
    if value is None or value == "":
        return None
    if kind == "single":
        return int(value) if value.isdigit() else value
    if kind == "true_false":
        return {"true": True, "false": False}.get(value, value)
    return value

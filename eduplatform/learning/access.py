"""Loading homework objects with the access check (pages and API), and a form's answer for a question."""

from __future__ import annotations

from flask_login import current_user

from eduplatform.core.permissions import get_visible_or_404
from eduplatform.learning import permissions
from eduplatform.learning.models import Homework, HomeworkAnswer, HomeworkItem
from eduplatform.schools.models import SchoolClass

#: question types whose answer is a list of form values
LIST_TYPES = {"multiple", "fill_blank", "matching"}


def homework_for(homework_id: int, action: str = "learning.view_homework") -> Homework:
    return get_visible_or_404(Homework, homework_id, current_user, can=permissions.can_view_homework,
                              action=action, missing="作业不存在", message="这不是您的作业")


def item_for(item_id: int, action: str = "learning.view_item") -> HomeworkItem:
    return get_visible_or_404(HomeworkItem, item_id, current_user,
                              can=lambda u, i: permissions.can_view_homework(u, i.homework),
                              action=action, missing="作业项目不存在", message="这不是您的作业")


def class_for(class_id: int) -> SchoolClass:
    return get_visible_or_404(SchoolClass, class_id, current_user, can=permissions.can_view_class_load,
                              action="learning.view_class", missing="班级不存在",
                              message="只能查看自己任教或担任班主任的班级")


def answer_for(answer_id: int) -> HomeworkAnswer:
    return get_visible_or_404(HomeworkAnswer, answer_id, current_user, can=permissions.can_view_answer,
                              action="learning.view_answer", missing="作业提交不存在", message="只能查看自己的作业")


def form_response(item: HomeworkItem, form):
    """A bank question's answer as the form sent it, in the shape its type cleans."""
    if item.question_version is None:
        return None
    name = f"q{item.id}"
    kind = item.question_version.type
    if kind in LIST_TYPES:
        values = form.getlist(name)
        return ([int(v) if v.isdigit() else v for v in values] if kind == "multiple" else list(values)) or None
    value = form.get(name)
    return int(value) if kind == "single" and value and value.isdigit() else value

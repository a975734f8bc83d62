"""家校 (families): parents linked to their children by the school's invitation codes, the child's
homework and marks, class notices from the 班主任 with 回执, messages with the 班主任 that the school
may audit. See README.md.

Other domains add to the child page through ``register_child_panel`` (e.g. 错题本 and 学情 summaries):
a panel gets the ``StudentProfile`` and the viewing parent and returns its template variables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("families", __name__, url_prefix="/families")

NOTICE_KINDS = {"notice": "班级通知", "reminder": "回执提醒", "message": "家校留言"}


@dataclass(frozen=True)
class ChildPanel:
    """A card on a parent's child page: ``template`` rendered with ``ctx`` = ``context(student, parent)``
    (None: nothing to show for this child). ``order``: lower first."""

    key: str
    title: str
    template: str
    context: Callable[[object, object], dict | None]
    order: int = 50


CHILD_PANELS: dict[str, ChildPanel] = {}


def register_child_panel(panel: ChildPanel) -> None:
    """The place on the child page for other domains' summaries: 错题本 (``summary_for(student)``),
    学情 (``student_summary(student)`` and the term-report PDF)."""
    CHILD_PANELS[panel.key] = panel


def child_panels() -> list[ChildPanel]:
    return sorted(CHILD_PANELS.values(), key=lambda p: (p.order, p.key))


def _mistakes_summary(student, parent) -> dict:
    """The child's 错题本 in numbers (learning is below families, so families registers its panel)."""
    from eduplatform.learning.mistakes import summary_for

    return summary_for(student)


def _mastery_summary(student, parent) -> dict:
    """The child's 学情 (mastery bands, weakest points, homework this term, courses) and the report link."""
    from eduplatform.learning import mastery

    return {**mastery.student_summary(student), "report_url": mastery.student_report_url(student)}


def _parent(user):
    from eduplatform.families.permissions import is_parent

    return is_parent(user)


def _head_teacher(user):
    from eduplatform.families.permissions import headed_class_ids

    return bool(headed_class_ids(user))


def _school_admin(user):
    from eduplatform.families.permissions import is_family_admin
    from eduplatform.schools.permissions import own_school

    return is_family_admin(user, own_school(user))


NAV = [
    NavItem("远程教育资源", "我的孩子", "families.parent_home", _parent),
    NavItem("远程教育资源", "家校沟通", "families.teacher_home", _head_teacher),
    NavItem("校校通", "家校（家长账户）", "families.school_home", _school_admin),
]


def _parent_card(user):
    from eduplatform.families.presenters import workbench_card

    return workbench_card(user)


WORKBENCH_PANELS = [
    WorkbenchPanel("todo", "families/_workbench_parent.html", _parent_card, when=_parent, order=5),
]


def init_app(app):
    from flask import url_for

    from eduplatform.core.notices import NoticeRealm, register_realm

    def link_for(notice):
        if notice.object_type == "family_threads" and notice.object_id:
            return url_for("families.thread_page", thread_id=notice.object_id)
        if notice.object_type == "family_class_notices":
            return url_for("families.parent_home")
        return None

    register_realm(NoticeRealm("families", "家校", NOTICE_KINDS, link_for=link_for))
    register_child_panel(ChildPanel("mistakes", "错题本", "families/_panel_mistakes.html", _mistakes_summary, order=20))
    register_child_panel(ChildPanel("mastery", "学情", "families/_panel_mastery.html", _mastery_summary, order=30))
    from eduplatform.families.permissions import is_parent_of
    from eduplatform.learning import mastery

    mastery.register_student_viewer(is_parent_of)  # a parent opens their child's 学情 page and term report

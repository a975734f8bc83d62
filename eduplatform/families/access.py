"""Load-and-check for 家校 pages and the API: what the user may not see answers 404 (no id probing)."""

from __future__ import annotations

from flask_login import current_user

from eduplatform.core.permissions import get_visible_or_404
from eduplatform.families import permissions
from eduplatform.families.models import ClassNotice, MessageThread, ParentLink
from eduplatform.schools.models import SchoolClass, StudentProfile


def child_for(student_id: int) -> StudentProfile:
    return get_visible_or_404(StudentProfile, student_id, current_user, can=permissions.can_view_child,
                              action="families.view_child", missing="学生不存在或未与您的账户关联", hide=True)


def child_notice(student: StudentProfile, notice_id: int) -> ClassNotice:
    return get_visible_or_404(ClassNotice, notice_id, current_user,
                              can=lambda user, n: n.class_id == student.class_id and permissions.is_parent_of(user, student),
                              action="families.view_notice", missing="通知不存在", hide=True)


def managed_class(class_id: int) -> SchoolClass:
    return get_visible_or_404(SchoolClass, class_id, current_user, can=permissions.can_manage_class_families,
                              action="families.manage_class", missing="班级不存在", hide=True)


def headed_class(class_id: int) -> SchoolClass:
    return get_visible_or_404(SchoolClass, class_id, current_user, can=permissions.is_head_teacher,
                              action="families.head_class", missing="班级不存在", hide=True)


def managed_notice(notice_id: int) -> ClassNotice:
    return get_visible_or_404(ClassNotice, notice_id, current_user, can=permissions.can_manage_notice,
                              action="families.manage_notice", missing="通知不存在", hide=True)


def thread_for(thread_id: int) -> MessageThread:
    return get_visible_or_404(MessageThread, thread_id, current_user, can=permissions.can_view_thread,
                              action="families.view_thread", missing="留言不存在", hide=True)


def audited_thread(thread_id: int) -> MessageThread:
    return get_visible_or_404(MessageThread, thread_id, current_user,
                              can=lambda user, t: permissions.can_audit_threads(user, t.student.school),
                              action="families.audit_thread", missing="留言不存在", hide=True)


def link_for(link_id: int) -> ParentLink:
    return get_visible_or_404(ParentLink, link_id, current_user, can=permissions.can_revoke_link,
                              action="families.revoke_link", missing="关联不存在", hide=True)

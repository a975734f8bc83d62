"""Demo 家校: the parent account ``parent`` linked to the demo student 陈小明 with an invitation code the
school admin issued, a class notice of the 班主任 张老师 asking for a 回执, and a first message.
Idempotent (keyed on the account name)."""

from __future__ import annotations

from eduplatform.accounts.models import Role
from eduplatform.accounts.seed import DEMO_PASSWORD
from eduplatform.accounts.services import create_user, find_user
from eduplatform.families import services
from eduplatform.schools.models import StudentProfile

PARENT = "parent"
NOTICE = "关于本周五家长会的通知"


def seed_demo(log):
    entry = [(PARENT, DEMO_PASSWORD, "家长：陈小明（东湖区第一初级中学）的家长，看作业、回执通知、给班主任留言")]
    if find_user(PARENT) is not None:
        return entry
    admin, teacher, student_user = find_user("school_admin"), find_user("teacher"), find_user("student")
    student = StudentProfile.for_user(student_user) if student_user else None
    if admin is None or student is None or student.school_class is None:
        return []
    parent, _ = create_user(None, username=PARENT, display_name="陈爸爸", roles={Role.PARENT}, org=None,
                            password=DEMO_PASSWORD, phone="13800001234", must_change_password=False)
    [(_, code)] = services.issue_codes(admin, [student])
    services.redeem_code(parent, code, relation="父亲")
    if teacher is not None and services.head_teacher_user(student) == teacher:
        services.post_notice(teacher, student.school_class, title=NOTICE, needs_receipt=True,
                             body="本周五下午 4:00 在本班教室召开家长会，请家长准时参加。收到请回执。")
        services.write_to_head_teacher(parent, student, "张老师您好，孩子这周数学作业有点吃力，想请您多关注。")
    log(f"家校：家长账户 {PARENT} 已关联 {student.name}（{student.school_class.name}），班主任通知待回执")
    return entry

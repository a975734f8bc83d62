"""The schools domain's workbench cards: a teacher's classes and the leader's headline indicators."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.core.permissions import ALL_ORGS, org_scope
from eduplatform.schools import indicators, permissions
from eduplatform.schools.models import SchoolClass, TeacherProfile, TeachingAssignment

#: classes listed on the card
CLASS_LIMIT = 6
#: the leader's headline indicators, in this order
HEADLINES = ["students_per_computer", "online_share", "broadband_share", "bandwidth_per_student"]


def is_teacher(user) -> bool:
    return user.has_role(Role.TEACHER) and permissions.own_school(user) is not None


def my_classes(user) -> dict | None:
    """The classes the teacher heads or teaches (not graduated), with what they teach there."""
    teacher = TeacherProfile.for_user(user)
    if teacher is None:
        return {"rows": [], "school": permissions.own_school(user)}
    taught = sa.select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == teacher.id)
    classes = db.session.scalars(
        sa.select(SchoolClass).where(sa.or_(SchoolClass.head_teacher_id == teacher.id, SchoolClass.id.in_(taught)),
                                     SchoolClass.graduated.is_(False))
        .order_by(SchoolClass.grade, SchoolClass.number).limit(CLASS_LIMIT)).all()
    subjects: dict[int, list[str]] = {}
    for a in teacher.assignments:
        subjects.setdefault(a.class_id, []).append(a.subject)
    rows = [{"school_class": c, "head": c.head_teacher_id == teacher.id, "subjects": subjects.get(c.id, [])}
            for c in classes]
    return {"rows": rows, "school": teacher.school}


def is_leader(user) -> bool:
    scope = org_scope(user)
    return (user.has_role(Role.BUREAU_LEADER) and scope is not None and scope is not ALL_ORGS
            and permissions.can_view_indicators(user, scope))


def headline_figures(user) -> dict | None:
    """The indicator dashboard's totals for the leader's own bureau (a handful of figures)."""
    org = org_scope(user)
    report = indicators.indicator_report(org)
    by_key = {i.key: i for i in indicators.all_indicators()}
    values = report.total.values()
    tiles = [(by_key[k].label, by_key[k].format(values.get(k))) for k in HEADLINES if k in by_key]
    tiles.insert(0, ("学校数", f"{report.total.figures.get('schools', 0):,.0f} 所"))
    return {"org": org, "tiles": tiles}

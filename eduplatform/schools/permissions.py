"""Who may see and change a school's profile, roster, connectivity and indicators.

- The school admin manages their own school only.
- Bureau users (district or city) see the schools in their subtree read-only, and indicators.
- The system, security and audit administrators see none of it (三员分立: they run the platform,
  not its records); org units are administered in the org tree.
- Teachers see the rosters of the classes they head or teach; students see only themselves.
- Personal data (ID numbers, phone numbers) is shown unmasked only to the school's own admin,
  on detail pages and in an export they explicitly ask for; lists are always masked.
"""

from __future__ import annotations

from eduplatform.accounts.models import BUREAU_ROLES, Role
from eduplatform.core.permissions import in_scope
from eduplatform.orgs.models import OrgType, OrgUnit


def own_school(user) -> OrgUnit | None:
    """The school a school-side user (admin, teacher, student) belongs to, else None."""
    if user is None or not getattr(user, "is_authenticated", False) or user.org is None:
        return None
    if not user.has_role(Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT):
        return None
    org = user.org.owning_bureau_or_school
    return org if org.type == OrgType.SCHOOL else None


def is_school_admin(user, school: OrgUnit) -> bool:
    return user.has_role(Role.SCHOOL_ADMIN) and own_school(user) == school


def _is_overseer(user, school: OrgUnit) -> bool:
    """A bureau user above the school (read-only oversight)."""
    return bool(user.roles & BUREAU_ROLES) and in_scope(user, school)


def can_list_schools(user) -> bool:
    return user.has_role(*BUREAU_ROLES)


def can_view_school(user, school: OrgUnit) -> bool:
    """The profile and connectivity pages; teachers and students see their own school's profile."""
    if school is None or school.type != OrgType.SCHOOL:
        return False
    return own_school(user) == school or _is_overseer(user, school)


def can_manage_school(user, school: OrgUnit) -> bool:
    """Edit the profile, roster, connectivity and ledger: the school's own admin only."""
    return school is not None and is_school_admin(user, school)


def can_view_roster(user, school: OrgUnit) -> bool:
    """The whole-school teacher and student lists."""
    return is_school_admin(user, school) or _is_overseer(user, school)


def can_view_class(user, school_class) -> bool:
    """A class roster: the school's admin, overseers, and teachers who head or teach the class."""
    school = school_class.school
    if can_view_roster(user, school):
        return True
    if user.has_role(Role.TEACHER) and own_school(user) == school:
        from eduplatform.schools.models import TeacherProfile

        teacher = TeacherProfile.for_user(user)
        if teacher is None:
            return False
        if school_class.head_teacher_id == teacher.id:
            return True
        return any(a.teacher_id == teacher.id for a in school_class.assignments)
    return False


def can_view_student(user, student) -> bool:
    if student.user_id is not None and student.user_id == user.id:
        return True
    if can_view_roster(user, student.school):
        return True
    return student.school_class is not None and can_view_class(user, student.school_class)


def can_view_teacher(user, teacher) -> bool:
    return (teacher.user_id is not None and teacher.user_id == user.id) or can_view_roster(user, teacher.school)


def can_see_personal_data(user, school: OrgUnit) -> bool:
    """Unmasked ID and phone numbers: the school admin, who keeps the 学籍 records."""
    return is_school_admin(user, school)


def can_view_indicators(user, org: OrgUnit) -> bool:
    """Indicators of a school, district or the city: overseers in scope, a school admin for their school."""
    if org is None:
        return False
    if org.type == OrgType.SCHOOL:
        return is_school_admin(user, org) or _is_overseer(user, org)
    return bool(user.roles & BUREAU_ROLES) and in_scope(user, org)


def can_view_any_indicators(user) -> bool:
    return can_list_schools(user) or user.has_role(Role.SCHOOL_ADMIN)

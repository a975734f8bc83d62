"""Who may see, take, build and oversee courses (the one place for the domain's rules).

- A course belongs to a unit (``org``: the teacher's school or a bureau). Its owner and the managers of
  that unit (a school's admin, a bureau's staff and leaders) build and run it; bureaus above oversee.
- Learners see a published course when they hold the course's audience role (students or
  teachers) and their unit lies under ``visible_org``; they enrol by themselves (open), ask to
  (approval), or are enrolled by a teacher with a class.
- A learner sees only their own progress; the course's teachers see all of it; bureaus in scope see
  the figures (read-only).
"""

from __future__ import annotations

from eduplatform.accounts.models import BUREAU_ROLES, Role
from eduplatform.core.permissions import in_scope
from eduplatform.orgs.models import OrgType

#: Roles that build courses.
AUTHOR_ROLES = (Role.TEACHER, Role.SCHOOL_ADMIN, Role.BUREAU_STAFF, Role.BUREAU_LEADER)
MANAGER_ROLES = (Role.SCHOOL_ADMIN, Role.BUREAU_STAFF, Role.BUREAU_LEADER)


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_create_course(user) -> bool:
    return _authenticated(user) and user.has_role(*AUTHOR_ROLES) and user.org is not None


def can_manage_course(user, course) -> bool:
    """Edit the structure, enrol classes, approve, grade, answer questions, see the dashboard."""
    if not _authenticated(user) or course is None or course.is_deleted:
        return False
    if course.owner_id == user.id:
        return True
    # The managers of the course's own unit (a school's admin, a bureau's staff); units above only oversee.
    root = user.scope_root
    return user.has_role(*MANAGER_ROLES) and root is not None and root.id == course.org_id


def can_oversee_course(user, course) -> bool:
    """Read the course and its figures: managers, and bureau users above its unit."""
    if can_manage_course(user, course):
        return True
    if not _authenticated(user) or course is None or course.is_deleted:
        return False
    return bool(user.roles & BUREAU_ROLES) and in_scope(user, course.org)


def learner_role(course):
    from eduplatform.courses.models import CourseAudience

    return Role.TEACHER if course.audience == CourseAudience.TEACHERS else Role.STUDENT


def is_in_audience(user, course) -> bool:
    """The user holds the course's learner role and belongs under its visible unit."""
    return (_authenticated(user) and user.org is not None and user.has_role(learner_role(course))
            and course.visible_org is not None and course.visible_org.contains(user.org))


def can_see_course(user, course, enrolment=None) -> bool:
    """The course page: its audience once published, its enrolled learners, and its overseers."""
    if course is None or course.is_deleted:
        return False
    if can_oversee_course(user, course):
        return True
    if enrolment is not None and enrolment.user_id == getattr(user, "id", None):
        return True
    return course.is_published and is_in_audience(user, course)


def can_open_course(user, course) -> bool:
    """``can_see_course`` with the user's own enrolment looked up: what a link to the course page needs."""
    from eduplatform.courses.models import Enrolment

    return course is not None and can_see_course(user, course, Enrolment.of(course, user))


def can_self_enrol(user, course) -> bool:
    from eduplatform.courses.models import EnrolmentMode

    return course.is_published and course.enrolment_mode != EnrolmentMode.CLOSED and is_in_audience(user, course)


def can_view_public_course(course) -> bool:
    """Anyone on the public site, signed in or not: a published course approved for 向社会公开."""
    return course is not None and not course.is_deleted and course.is_public


def can_request_public_course(user, course) -> bool:
    """Ask for 向社会公开 (or withdraw it): the course's managers."""
    return can_manage_course(user, course)


def can_decide_public_course(user, course) -> bool:
    """Approve or refuse a course's 向社会公开: staff and leaders of a bureau above (or owning) the
    course's unit, never the course's owner."""
    from eduplatform.courses.models import CoursePublicity

    if not _authenticated(user) or course is None or course.is_deleted \
            or course.publicity != CoursePublicity.REQUESTED or course.owner_id == user.id:
        return False
    root = user.scope_root
    return (user.has_role(Role.BUREAU_STAFF, Role.BUREAU_LEADER) and root is not None and root.is_bureau
            and root.contains(course.org))


def can_learn(user, course, enrolment) -> bool:
    """Open lessons and send progress: an active enrolment of this user."""
    from eduplatform.courses.models import EnrolmentStatus

    return (enrolment is not None and enrolment.user_id == getattr(user, "id", None)
            and enrolment.status == EnrolmentStatus.ACTIVE and course.is_published)


def can_preview(user, course) -> bool:
    """Teachers open every lesson of their course without an enrolment (nothing is recorded)."""
    return can_manage_course(user, course)


def can_enrol_class(user, course, school_class) -> bool:
    from eduplatform.courses.models import CourseAudience
    from eduplatform.schools.permissions import can_view_class

    return (can_manage_course(user, course) and course.audience == CourseAudience.STUDENTS
            and can_view_class(user, school_class) and course.visible_org.contains(school_class.school))


def can_view_progress(user, enrolment) -> bool:
    """A learner's own progress, or the course's teachers and overseers."""
    return enrolment.user_id == getattr(user, "id", None) or can_oversee_course(user, enrolment.course)


# --- training hours ---------------------------------------------------------------------------

def can_view_training_record(user, teacher) -> bool:
    """A teacher's own record; their school's admin; bureaus above them."""
    if not _authenticated(user) or teacher is None:
        return False
    if teacher.id == user.id:
        return True
    if teacher.org is None:
        return False
    if user.has_role(Role.SCHOOL_ADMIN) and user.org is not None and \
            user.org.owning_bureau_or_school.contains(teacher.org) and user.org.type == OrgType.SCHOOL:
        return True
    return bool(user.roles & BUREAU_ROLES) and in_scope(user, teacher.org)


def can_view_training_report(user, org) -> bool:
    """Totals per school and district: bureaus for their subtree, a school admin for their school."""
    if not _authenticated(user) or org is None:
        return False
    if user.roles & BUREAU_ROLES:
        return in_scope(user, org)
    return user.has_role(Role.SCHOOL_ADMIN) and org.type == OrgType.SCHOOL and in_scope(user, org)


def can_view_any_training_report(user) -> bool:
    return _authenticated(user) and (user.has_role(Role.SCHOOL_ADMIN)
                                     or bool(user.roles & BUREAU_ROLES))


# --- LTI 1.3 tools (外部工具) ----------------------------------------------------------------------

def can_register_lti_tool(user) -> bool:
    """The system administrator (platform-wide tools) or a unit's course managers (their unit's tools)."""
    if not _authenticated(user):
        return False
    return user.has_role(Role.SYSADMIN) or (user.has_role(*MANAGER_ROLES) and user.scope_root is not None)


def can_manage_lti_tool(user, tool) -> bool:
    if not _authenticated(user) or tool is None:
        return False
    if user.has_role(Role.SYSADMIN):
        return True
    root = user.scope_root
    return user.has_role(*MANAGER_ROLES) and root is not None and tool.org_id == root.id


def can_use_lti_tool(course, tool) -> bool:
    """A lesson of ``course`` may launch ``tool``: enabled, and platform-wide or of a unit at or above the course's."""
    if tool is None or not tool.enabled or course is None:
        return False
    return tool.org_id is None or (course.org is not None and tool.org_id in course.org.path_ids)


def can_rotate_lti_keys(user) -> bool:
    """The platform's signing keys: the system administrator only."""
    return _authenticated(user) and user.has_role(Role.SYSADMIN)

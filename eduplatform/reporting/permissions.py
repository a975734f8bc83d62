"""Who may do what in reporting; views and templates ask the same predicates.

Bureau users (局领导, 教育局工作人员; a 科室 acts for its bureau) work on their subtree. School
administrators fill in their own school's submissions. Every single object fetched by id goes
through one of these predicates (IDOR); list queries go through the ``visible_*`` helpers.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import BUREAU_ROLES, Role
from eduplatform.core.extensions import db
from eduplatform.core.permissions import visible_to
from eduplatform.orgs.models import OrgType, OrgUnit


def _root(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.scope_root


def is_bureau_user(user) -> bool:
    root = _root(user)
    return root is not None and root.is_bureau and user.has_role(*BUREAU_ROLES)


def is_school_reporter(user) -> bool:
    root = _root(user)
    return root is not None and root.type == OrgType.SCHOOL and user.has_role(Role.SCHOOL_ADMIN)


def acting_org(user) -> OrgUnit | None:
    """The bureau or school the user acts for in reporting."""
    return _root(user) if (is_bureau_user(user) or is_school_reporter(user)) else None


# --- templates -----------------------------------------------------------------------------------


def can_create_template(user) -> bool:
    return is_bureau_user(user)


def can_view_template(user, template) -> bool:
    """A bureau sees its own templates, those of the bureaus above it and those below it."""
    if not is_bureau_user(user):
        return False
    root, owner = user.scope_root, template.owner_org
    return root.contains(owner) or owner.contains(root)


def can_edit_template(user, template) -> bool:
    return is_bureau_user(user) and user.scope_root.id == template.owner_org_id


# --- tasks ---------------------------------------------------------------------------------------


def can_issue_task(user) -> bool:
    return is_bureau_user(user)


def _has_targets_in(task, org) -> bool:
    from eduplatform.reporting.models import Submission

    root_task = task.root
    return db.session.scalar(
        sa.select(sa.literal(1)).select_from(Submission).join(OrgUnit, OrgUnit.id == Submission.school_id)
        .where(Submission.task_id == root_task.id, OrgUnit.path.startswith(org.path)).limit(1)) is not None


def can_view_task(user, task) -> bool:
    """Bureaus see tasks issued in their subtree, and tasks from above that reach their schools."""
    if is_bureau_user(user):
        root = user.scope_root
        if root.contains(task.issuer_org):
            return True
        return task.issuer_org.contains(root) and _has_targets_in(task, root)
    if is_school_reporter(user):
        from eduplatform.reporting.models import Submission

        school = user.scope_root
        # A bureau's pass-down (its dates, instructions, attachments) is for the schools under it.
        if task.parent_id is not None and not task.issuer_org.contains(school):
            return False
        return db.session.scalar(sa.select(Submission.id).where(
            Submission.task_id == task.root.id, Submission.school_id == school.id)) is not None
    return False


def can_manage_task(user, task) -> bool:
    """Close the task, add attachments: the issuing bureau."""
    return is_bureau_user(user) and user.scope_root.id == task.issuer_org_id


def can_pass_down(user, task) -> bool:
    """A district bureau passes a city task (not a pass-down) on to its schools, once."""
    if not is_bureau_user(user) or task.parent_id is not None or not task.is_open:
        return False
    root = user.scope_root
    if root.type != OrgType.DISTRICT_BUREAU or root.id == task.issuer_org_id:
        return False
    if not task.issuer_org.contains(root) or not _has_targets_in(task, root):
        return False
    return not any(p.issuer_org_id == root.id for p in task.pass_downs)


def can_remind(user, task) -> bool:
    return is_bureau_user(user) and can_view_task(user, task)


def can_view_results(user, task) -> bool:
    """Completeness, aggregation, exports: a bureau that sees the task (scoped to its subtree)."""
    return is_bureau_user(user) and can_view_task(user, task)


# --- submissions ---------------------------------------------------------------------------------


def can_view_submission(user, submission) -> bool:
    if is_school_reporter(user):
        return submission.school_id == user.scope_root.id
    if is_bureau_user(user):
        return user.scope_root.contains(submission.school) and can_view_task(user, submission.task)
    return False


def can_fill_submission(user, submission) -> bool:
    """Only the school's own administrator fills in (the lock state is checked separately)."""
    return is_school_reporter(user) and submission.school_id == user.scope_root.id


def can_import_for(user, submission) -> bool:
    """Bulk exchange: the school itself, or a bureau above it acting for another system."""
    return can_fill_submission(user, submission) or (
        is_bureau_user(user) and can_view_submission(user, submission))


def can_reopen_submission(user, submission) -> bool:
    """The issuing bureau, or the school's district."""
    if not is_bureau_user(user):
        return False
    return user.scope_root.id in (submission.task.issuer_org_id, submission.district_id)


def can_review_submission(user, submission) -> bool:
    from eduplatform.reporting.services import review

    return bool(review.available_actions(submission, user))


# --- queries -------------------------------------------------------------------------------------


def visible_submissions(user, query):
    """Restrict a select over submissions to what the user may see: a school reporter their own
    school's, a bureau user those of the schools in their subtree."""
    from eduplatform.reporting.models import Submission

    if acting_org(user) is None:
        return query.where(sa.false())
    return visible_to(user, query, org_column=Submission.school_id)

"""The one permission layer: ``require`` a predicate, and scope every list query to the user's orgs.

Domain modules keep their own ``can_<verb>_<noun>`` predicates in ``<domain>/permissions.py``; views
call ``require(...)`` with them and templates call the same predicates to hide what cannot be done.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from eduplatform.core.errors import PermissionDenied


class _AllOrgs:
    """Administrative scope of the system and security administrators: every org unit."""

    def __repr__(self) -> str:
        return "ALL_ORGS"


ALL_ORGS = _AllOrgs()


def org_scope(user):
    """The org unit whose business records the user may see (their subtree), or None.

    三员分立 (等保2.0): the system, security and audit administrators run the platform and read no
    business records — no "admin sees all" here. Their reach over accounts and org units is
    ``admin_scope``.
    """
    from eduplatform.accounts.models import SOLE_ROLES, Role

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.roles & SOLE_ROLES or user.has_role(Role.PUBLIC):
        return None
    return user.scope_root


def admin_scope(user):
    """The org units whose accounts and structure the user administers: ALL_ORGS for the system
    and security administrators, else the business scope (a school admin manages their school)."""
    from eduplatform.accounts.models import Role

    if user is not None and getattr(user, "is_authenticated", False) and \
            user.has_role(Role.SYSADMIN, Role.SECADMIN):
        return ALL_ORGS
    return org_scope(user)


def _within(scope, org) -> bool:
    if scope is ALL_ORGS:
        return org is not None
    return scope is not None and org is not None and scope.contains(org)


def in_scope(user, org) -> bool:
    """True when ``org``'s business records lie within what ``user`` may see."""
    return _within(org_scope(user), org)


def in_admin_scope(user, org) -> bool:
    """True when ``org``'s accounts and structure lie within what ``user`` administers."""
    return _within(admin_scope(user), org)


def _restrict(query, scope, org_id_column):
    from eduplatform.orgs.models import OrgUnit

    if scope is ALL_ORGS:
        return query
    if scope is None:
        return query.where(sa.false())
    subtree = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(scope.path))
    return query.where(org_id_column.in_(subtree))


def scoped(query, user, org_id_column):
    """Restrict a select of business records to rows whose org lies in the user's scope."""
    return _restrict(query, org_scope(user), org_id_column)


def admin_scoped(query, user, org_id_column):
    """Restrict a select of accounts or org units to those the user administers."""
    return _restrict(query, admin_scope(user), org_id_column)


def require(allowed: bool, *, action: str, actor=None, obj=None, message: str | None = None) -> None:
    """Refuse the request with 403 unless ``allowed``; a refusal is an audited security event."""
    if allowed:
        return
    from flask_login import current_user

    from eduplatform.audit.services import record_security_event

    actor = actor if actor is not None else current_user
    actor = actor if getattr(actor, "is_authenticated", False) else None
    what = f"{type(obj).__name__}#{getattr(obj, 'id', '')}" if obj is not None else ""
    summary = f"拒绝访问：{action} {what}".strip()
    try:
        record_security_event("permission.denied", summary, actor=actor, obj=obj, data={"action": action})
    except OperationalError:
        # The database could not take the entry (SQLite: the writer lock stayed busy past the busy
        # timeout). The refusal still answers 403, never 500, and the event goes to the error log.
        from flask import current_app

        from eduplatform.core.extensions import db

        db.session.rollback()
        current_app.logger.exception("审计记录写入失败（permission.denied）：%s，操作人 %s", summary,
                                     getattr(actor, "username", None))
    raise PermissionDenied(message or "没有权限执行此操作")

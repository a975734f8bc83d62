"""The one permission layer: ``require`` a predicate, and scope every list query to the user's orgs.

Domain modules keep their own ``can_<verb>_<noun>`` predicates in ``<domain>/permissions.py``; views
call ``require(...)`` with them and templates call the same predicates to hide what cannot be done.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from eduplatform.core.errors import PermissionDenied


class _AllOrgs:
    """Scope of users who see every org unit (system and security administrators)."""

    def __repr__(self) -> str:
        return "ALL_ORGS"


ALL_ORGS = _AllOrgs()


def org_scope(user):
    """ALL_ORGS, the org unit whose subtree the user acts on, or None (sees no org's data)."""
    from eduplatform.accounts.models import Role

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.has_role(Role.SYSADMIN, Role.SECADMIN):
        return ALL_ORGS
    if user.has_role(Role.AUDITOR, Role.PUBLIC) and not user.org:
        return None
    if user.has_role(Role.AUDITOR):
        return None  # the auditor reads the audit log, not business data
    return user.scope_root


def in_scope(user, org) -> bool:
    """True when ``org`` lies within what ``user`` may see."""
    scope = org_scope(user)
    if scope is ALL_ORGS:
        return org is not None
    return scope is not None and scope.contains(org)


def scoped(query, user, org_id_column):
    """Restrict a select to rows whose org (``org_id_column``) lies in the user's scope."""
    from eduplatform.orgs.models import OrgUnit

    scope = org_scope(user)
    if scope is ALL_ORGS:
        return query
    if scope is None:
        return query.where(sa.false())
    subtree = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(scope.path))
    return query.where(org_id_column.in_(subtree))


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

        from eduplatform.extensions import db

        db.session.rollback()
        current_app.logger.exception("审计记录写入失败（permission.denied）：%s，操作人 %s", summary,
                                     getattr(actor, "username", None))
    raise PermissionDenied(message or "没有权限执行此操作")

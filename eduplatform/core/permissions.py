"""The one permission layer: ``require`` a predicate, scope every list query to the user's orgs with
``visible_to``, and load an object by id with its check in ``get_visible_or_404``.

Domain modules keep their own ``can_<verb>_<noun>`` predicates in ``<domain>/permissions.py``; views
call ``require(...)`` with them and templates call the same predicates to hide what cannot be done.
The foundation knows no domain: a user's roles speak through ``user.business_scope()`` and
``user.administers_every_org()``, an org unit's subtree through ``unit.contains(...)`` and
``unit.subtree_ids()``, and a refusal is announced on ``core.signals.audit`` for the audit domain to write.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from eduplatform.core.db import SoftDeleteMixin
from eduplatform.core.errors import NotFound, PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit


class _AllOrgs:
    """Administrative scope of the system and security administrators: every org unit."""

    def __repr__(self) -> str:
        return "ALL_ORGS"


ALL_ORGS = _AllOrgs()


def _authenticated(user) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def org_scope(user):
    """The org unit whose business records the user may see (their subtree), or None.

    三员分立 (等保2.0): the system, security and audit administrators run the platform and read no
    business records — no "admin sees all" here. Their reach over accounts and org units is
    ``admin_scope``.
    """
    return user.business_scope() if _authenticated(user) else None


def admin_scope(user):
    """The org units whose accounts and structure the user administers: ALL_ORGS for the system
    and security administrators, else the business scope (a school admin manages their school)."""
    if _authenticated(user) and user.administers_every_org():
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


def scope_condition(user, org_column, *, admin: bool = False):
    """A WHERE clause: ``org_column`` names a unit in the user's scope (see ``visible_to``)."""
    scope = admin_scope(user) if admin else org_scope(user)
    if scope is ALL_ORGS:
        return sa.true()
    if scope is None:
        return sa.false()
    return org_column.in_(scope.subtree_ids())


def visible_to(user, query, *, org_column, admin: bool = False, where=None, also=()):
    """Restrict a select to the rows ``user`` may see: those whose unit (``org_column``) lies in the
    user's scope and that meet ``where``, and those that meet one of ``also`` whatever their unit
    (e.g. the user's own rows).

    The scope is the business scope — the user's bureau or school and everything below it; none for
    the three administrators (三员分立) and the public — or, with ``admin=True``, the accounts and
    units the user administers (every unit for the system and security administrators).
    """
    in_scope_rows = scope_condition(user, org_column, admin=admin)
    if where is not None:
        in_scope_rows = sa.and_(in_scope_rows, where)
    return query.where(sa.or_(in_scope_rows, *also))


def get_visible_or_404(model, ident, user, *, can, action: str, missing: str, hide: bool = False,
                       message: str | None = None):
    """The ``model`` row ``ident`` if ``can(user, row)``.

    A missing or soft-deleted row answers 404 (``missing``). A row the user may not see is an
    audited refusal, 403 — or, with ``hide=True``, the same 404 as a missing row, so that ids
    cannot be probed (the rule for objects reached through a parent, e.g. a school's class).
    """
    found = db.session.get(model, ident)
    if found is None or (isinstance(found, SoftDeleteMixin) and found.is_deleted):
        raise NotFound(missing)
    allowed = can(user, found)
    if hide and not allowed:
        raise NotFound(missing)
    require(allowed, action=action, actor=user, obj=found, message=message)
    return found


def require(allowed: bool, *, action: str, actor=None, obj=None, message: str | None = None) -> None:
    """Refuse the request with 403 unless ``allowed``; a refusal is an audited security event."""
    if allowed:
        return
    actor = actor if actor is not None else current_user
    actor = actor if _authenticated(actor) else None
    # The object is the entry's object (the log names it by its label and title); the attempted
    # action is an identifier, kept in the data and shown as such.
    summary = "拒绝访问"
    try:
        # The entry must outlive the refused request: nothing else of it is kept.
        db.session.rollback()
        audit("security", "permission.denied", summary, actor=actor, obj=obj, data={"action": action})
        db.session.commit()
    except OperationalError:
        # The database could not take the entry (SQLite: the writer lock stayed busy past the busy
        # timeout). The refusal still answers 403, never 500, and the event goes to the error log.
        db.session.rollback()
        current_app.logger.exception("审计记录写入失败（permission.denied）：%s，操作人 %s", summary,
                                     getattr(actor, "username", None))
    raise PermissionDenied(message or "没有权限执行此操作")

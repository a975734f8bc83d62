"""Who may see and manage which accounts."""

from __future__ import annotations

from eduplatform.accounts.models import Role, User
from eduplatform.core.permissions import ALL_ORGS, admin_scope, in_admin_scope
from eduplatform.orgs.models import OrgUnit

#: Roles each managing role may grant through the web UI and the API. The three administrator
#: roles (三员) are granted only with the `create-user` CLI on the server itself, so that no one
#: web account can create the auditor that is meant to watch it.
GRANTABLE_ROLES = {
    Role.SYSADMIN: frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.SCHOOL_ADMIN, Role.TEACHER,
                              Role.STUDENT, Role.PUBLIC}),
    Role.BUREAU_LEADER: frozenset({Role.BUREAU_STAFF, Role.SCHOOL_ADMIN}),
    Role.BUREAU_STAFF: frozenset({Role.BUREAU_STAFF, Role.SCHOOL_ADMIN}),
    Role.SCHOOL_ADMIN: frozenset({Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT}),
}

USER_MANAGER_ROLES = frozenset(GRANTABLE_ROLES)


def grantable_roles(actor: User) -> frozenset[Role]:
    granted: set[Role] = set()
    for role in actor.roles:
        granted |= GRANTABLE_ROLES.get(role, frozenset())
    return frozenset(granted)


def can_list_users(actor: User) -> bool:
    return actor.has_role(*USER_MANAGER_ROLES, Role.SECADMIN)


def can_view_user(actor: User, user: User) -> bool:
    if actor.id == user.id:
        return True
    if not can_list_users(actor):
        return False
    if admin_scope(actor) is ALL_ORGS:
        return True
    return user.org is not None and in_admin_scope(actor, user.org)


def can_create_user(actor: User, roles: set[Role], org: OrgUnit | None) -> bool:
    """The actor may grant every requested role, in an org within their scope."""
    if not roles or not roles <= grantable_roles(actor):
        return False
    if org is None:
        return roles == {Role.PUBLIC} and actor.has_role(Role.SYSADMIN)
    return in_admin_scope(actor, org)


def can_manage_user(actor: User, user: User) -> bool:
    """Deactivate/reactivate: the actor could have created this user."""
    if actor.id == user.id or user.roles & {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}:
        return False
    return can_create_user(actor, set(user.roles), user.org)


def can_unlock_user(actor: User, user: User) -> bool:
    """Unlocking and password resets are the security administrator's (三员分立)."""
    return actor.has_role(Role.SECADMIN) and actor.id != user.id


def can_reset_password(actor: User, user: User) -> bool:
    return can_unlock_user(actor, user)



def can_manage_locks(actor: User) -> bool:
    """See and lift login locks (accounts and addresses): the security administrator's."""
    return bool(getattr(actor, "is_authenticated", False)) and actor.has_role(Role.SECADMIN)

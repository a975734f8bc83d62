"""Who may see and change the org tree."""

from eduplatform.accounts.models import Role
from eduplatform.core.permissions import admin_scope


def can_view_org_tree(user) -> bool:
    return admin_scope(user) is not None


def can_create_org(user, parent) -> bool:
    """Org units are system configuration: the system administrator's."""
    return user.has_role(Role.SYSADMIN)

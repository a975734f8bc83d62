"""Who may see and change the org tree.

The roles are named by their codes (accounts' ``Role`` is a string enum, so ``"sysadmin"`` is
``Role.SYSADMIN``): orgs lies below accounts and imports nothing of it.
"""

from eduplatform.core.permissions import admin_scope

#: accounts' ``Role.SYSADMIN``
SYSADMIN = "sysadmin"


def can_view_org_tree(user) -> bool:
    return admin_scope(user) is not None


def can_create_org(user, parent) -> bool:
    """Org units are system configuration: the system administrator's."""
    return user.has_role(SYSADMIN)

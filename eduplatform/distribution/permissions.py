"""Who may curate channels, push them, and watch deliveries: bureau staff and leaders, within their
subtree (``core.permissions``); school administrators see their own school's deliveries."""

from __future__ import annotations

from eduplatform.accounts.models import Role
from eduplatform.core.permissions import in_scope


def _bureau_user(user) -> bool:
    root = getattr(user, "scope_root", None) if getattr(user, "is_authenticated", False) else None
    return bool(root is not None and root.is_bureau and user.has_role(Role.BUREAU_STAFF, Role.BUREAU_LEADER))


def can_manage_distribution(user) -> bool:
    """Curate channels, push them, issue node tokens, chase schools."""
    return _bureau_user(user)


def can_view_distribution(user) -> bool:
    return _bureau_user(user) or bool(getattr(user, "is_authenticated", False)
                                      and user.has_role(Role.SCHOOL_ADMIN))


def can_edit_channel(user, channel) -> bool:
    return _bureau_user(user) and in_scope(user, channel.org)


def can_view_channel(user, channel) -> bool:
    return can_view_distribution(user) and in_scope(user, channel.org)


def can_view_push(user, push) -> bool:
    return _bureau_user(user) and (in_scope(user, push.target_org) or in_scope(user, push.channel.org))


def can_issue_token(user, school) -> bool:
    return _bureau_user(user) and in_scope(user, school)

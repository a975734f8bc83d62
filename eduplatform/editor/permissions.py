"""Who may put pictures into rich text."""

from __future__ import annotations

from eduplatform.accounts.models import Role


def can_upload_image(user) -> bool:
    """A signed-in, active account with a role that writes rich text somewhere (course texts, 答疑,
    作业, portal articles). A 公众用户 or a 家长 (plain-text messages only) has no such field: the platform is no picture host for them."""
    if not (getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return bool(user.roles - {Role.PUBLIC, Role.PARENT})

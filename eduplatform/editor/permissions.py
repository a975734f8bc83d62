"""Who may put pictures into rich text."""

from __future__ import annotations


def can_upload_image(user) -> bool:
    """Any signed-in, active account: every rich-text field a user can reach is one they may write
    (course texts, 答疑, portal articles); the field's own form still decides what is saved."""
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))

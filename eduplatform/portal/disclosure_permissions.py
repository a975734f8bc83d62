"""Who may do what with 依申请公开 requests (the public side needs code + secret, not a login)."""

from __future__ import annotations

from eduplatform.accounts.models import Role


def _bureau_of(user):
    org = getattr(user, "org", None)
    if org is None:
        return None
    org = org.owning_bureau_or_school
    return org if org.is_bureau else None


def can_handle_disclosure(user) -> bool:
    """Bureau staff and leaders handle the requests made to their bureau."""
    return (getattr(user, "is_authenticated", False) and user.has_role(Role.BUREAU_STAFF, Role.BUREAU_LEADER)
            and _bureau_of(user) is not None)


def can_handle_request(user, request) -> bool:
    bureau = _bureau_of(user) if can_handle_disclosure(user) else None
    return bureau is not None and request is not None and request.org_id == bureau.id


def can_approve_extension(user, request) -> bool:
    """The head of the disclosure office: a leader of the answering bureau (Art. 33 ¶2)."""
    return can_handle_request(user, request) and user.has_role(Role.BUREAU_LEADER)

"""Who may do what with 依申请公开 requests (the public side needs code + secret, not a login)."""

from __future__ import annotations

from eduplatform.accounts.models import Role
from eduplatform.portal.permissions import answers_for, answers_the_public


def can_handle_disclosure(user) -> bool:
    """Bureau staff and leaders handle the requests made to their bureau."""
    return answers_the_public(user)


def can_handle_request(user, request) -> bool:
    return request is not None and answers_for(user, request.org_id)


def can_approve_extension(user, request) -> bool:
    """The head of the disclosure office: a leader of the answering bureau (Art. 33 ¶2)."""
    return can_handle_request(user, request) and user.has_role(Role.BUREAU_LEADER)

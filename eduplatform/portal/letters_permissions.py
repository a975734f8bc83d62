"""Who may handle 领导信箱 cases (the writer needs code + secret, not a login; 12345 a token)."""

from __future__ import annotations

from eduplatform.accounts.models import Role
from eduplatform.portal.permissions import answers_for, answers_the_public


def can_handle_letters(user) -> bool:
    """Bureau staff and leaders see the cases written to their bureau (a 科室's staff work for it)."""
    return answers_the_public(user)


def can_handle_letter(user, letter) -> bool:
    return letter is not None and answers_for(user, letter.org_id)


def office_of(bureau):
    """The 信箱 office: the bureau's 办公室 (as 公文 finds it), or the bureau itself if it has none."""
    from eduplatform.orgs.models import OrgType

    return next((c for c in bureau.children if c.type == OrgType.DEPARTMENT and c.name.endswith("办公室")), bureau)


def is_letter_office(user, letter) -> bool:
    """Staff of the office (or, in a bureau without one, of the bureau and its departments)."""
    if not (can_handle_letter(user, letter) and user.has_role(Role.BUREAU_STAFF)):
        return False
    office = office_of(letter.org)
    return office.id == letter.org_id or user.org_id == office.id


def can_publish_letter(user, letter) -> bool:
    """Publishing in 互动交流 is the office's, never a department's."""
    return is_letter_office(user, letter)

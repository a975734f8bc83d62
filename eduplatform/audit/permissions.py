"""三员分立: only the audit administrator reads the audit log, and nobody can change it."""

from eduplatform.accounts.models import Role


def can_read_audit(user) -> bool:
    return user.has_role(Role.AUDITOR)

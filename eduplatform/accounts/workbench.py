"""The system and security administrators' workbench card: the accounts they administer, the
locked ones (and throttled addresses), those disabled and those yet to change their password."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts import lockout, permissions
from eduplatform.accounts.models import Role, User
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.permissions import visible_to

LIMIT = 5


def administers_accounts(user) -> bool:
    return user.has_role(Role.SYSADMIN, Role.SECADMIN)


def accounts_overview(user) -> dict:
    users = visible_to(user, sa.select(User.id), org_column=User.org_id, admin=True).subquery()

    def count(*where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
            User.id.in_(sa.select(users.c.id)), *where)) or 0

    now = utcnow()
    data = {"total": count(), "disabled": count(User.is_active_account.is_(False)),
            "must_change": count(User.must_change_password.is_(True), User.is_active_account.is_(True)),
            "locked_count": count(User.locked_until > now), "locks": None, "addresses": 0}
    if permissions.can_manage_locks(user):
        accounts, addresses = lockout.current_locks(now)
        data["locks"], data["addresses"] = accounts[:LIMIT], len(addresses)
    return data

"""Who a step belongs to: org selectors on the org tree, pools (a role at a unit), and matching a
user against them. A unit's pool includes the users of its departments (科室 act for their bureau);
a department's pool is its own users only."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import Role, User, UserRole
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit


def resolve_org(selector: str, instance, *, label: str = "") -> OrgUnit | None:
    """The unit a selector names for ``instance``; None only for ``none``. Raises when it cannot."""
    org = instance.org
    if selector == "none":
        return None
    if selector == "subject":
        found = org
    elif selector == "subject_school":
        found = org if org.type == OrgType.SCHOOL else None
    elif selector == "subject_district":
        found = org.nearest(OrgType.DISTRICT_BUREAU)
    elif selector == "subject_bureau":
        found = (org.owning_bureau_or_school if org.type == OrgType.DEPARTMENT else org).nearest(
            OrgType.DISTRICT_BUREAU, OrgType.CITY_BUREAU)
    elif selector == "city":
        found = org.nearest(OrgType.CITY_BUREAU)
    elif selector == "starter_org":
        starter = instance.started_by
        found = starter.scope_root if starter is not None else None
    elif selector.startswith("field:"):
        value = (instance.data or {}).get(selector[6:])
        found = db.session.get(OrgUnit, value) if isinstance(value, int) else None
    else:  # definitions are checked at load; this is a programming error
        raise ValueError(selector)
    if found is None:
        raise ValidationFailed(f"无法确定{label or '办理'}单位：{org.name} 没有对应的「{selector}」",
                               code="no_assignee")
    return found


def resolve_orgs(selector: str, instance) -> list[OrgUnit]:
    ids = (instance.data or {}).get(selector[6:]) or []
    units = db.session.scalars(db.select(OrgUnit).where(OrgUnit.id.in_(ids))).all()
    return sorted(units, key=lambda u: ids.index(u.id))


def pool_org_ids(user: User) -> list[int]:
    """The units whose pools this user belongs to: their own, and their bureau's for a department."""
    if user.org is None:
        return []
    ids = [user.org.id]
    if user.org.type == OrgType.DEPARTMENT and user.org.parent_id:
        ids.append(user.org.parent_id)
    return ids


def in_pool(user: User, role: str | None, org_id: int | None, *, and_above: bool = False) -> bool:
    """``user`` holds ``role`` at the unit (or, with ``and_above``, at a unit above it)."""
    if not role or not getattr(user, "is_authenticated", False):
        return False
    if not user.has_role(Role(role)):
        return False
    if org_id is None:
        return True
    mine = pool_org_ids(user)
    if org_id in mine:
        return True
    if and_above:
        org = db.session.get(OrgUnit, org_id)
        return org is not None and any(f"/{i}/" in org.path for i in mine)
    return False


def pool_paths(user: User) -> list[str]:
    """Materialised paths of the units whose pools ``user`` belongs to (for subtree queries)."""
    if user.org is None:
        return []
    units = [user.org]
    if user.org.type == OrgType.DEPARTMENT and user.org.parent is not None:
        units.append(user.org.parent)
    return [u.path for u in units if u.path]


def pool_users(role: str, org_id: int | None) -> list[User]:
    """Active users in a pool (to notify them; units above an ``and_above`` pool are not notified)."""
    query = (db.select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role(role), User.is_active_account.is_(True)))
    if org_id is not None:
        departments = db.select(OrgUnit.id).where(OrgUnit.parent_id == org_id,
                                                  OrgUnit.type == OrgType.DEPARTMENT)
        query = query.where(sa.or_(User.org_id == org_id, User.org_id.in_(departments)))
    return list(db.session.scalars(query.order_by(User.id)))

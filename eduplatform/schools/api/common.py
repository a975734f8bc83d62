"""Helpers shared by the schools API modules."""

from __future__ import annotations

from flask_login import current_user

from eduplatform.core.permissions import require
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools import permissions, services


def school_for(code: str, predicate, action: str) -> OrgUnit:
    """The school named by ``code`` if ``predicate(current_user, school)`` holds, else 403 (audited)."""
    school = services.get_school(code)
    require(predicate(current_user, school), action=action, obj=school)
    return school


def personal_view(school: OrgUnit) -> str:
    """The output view of a teacher's or student's record: unmasked only for who may see personal data."""
    return "full" if permissions.can_see_personal_data(current_user, school) else "list"



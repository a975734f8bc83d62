"""Shared by the school pages: resolve the school with a permission check, save a form."""

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


def page_context(school: OrgUnit) -> dict:
    """What every school page's header and tabs need."""
    return {
        "school": school,
        "can_manage": permissions.can_manage_school(current_user, school),
        "can_view_roster": permissions.can_view_roster(current_user, school),
        "can_view_indicators": permissions.can_view_indicators(current_user, school),
    }


def save_form(save):
    """Run ``save()`` (validation + service) for a posted form: commit and return (result, {}), or roll
    back, flash the Chinese message and return (None, field errors) so the form shows them."""
    from flask import flash

    from eduplatform.core.errors import ValidationFailed
    from eduplatform.core.extensions import db

    try:
        result = save()
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return None, exc.fields
    db.session.commit()
    return result, {}

"""Shared by the school pages: resolve the school with a permission check, read forms."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from eduplatform.core.permissions import require
from eduplatform.orgs.models import OrgUnit
from eduplatform.schools import permissions, services
from eduplatform.schools.schemas import load_input


def school_for(code: str, predicate, action: str) -> OrgUnit:
    """The school named by ``code`` if ``predicate(current_user, school)`` holds, else 403 (audited)."""
    school = services.get_school(code)
    require(predicate(current_user, school), action=action, obj=school)
    return school


def form_input(schema, *, lists: tuple[str, ...] = (), bools: tuple[str, ...] = (), skip=()) -> dict:
    """Load the posted form with a marshmallow schema; empty fields count as not given."""
    data: dict = {}
    for key in request.form:
        if key == "csrf_token" or key in skip:
            continue
        if key in lists:
            data[key] = [v for v in request.form.getlist(key) if v.strip()]
        elif key in bools:
            continue
        else:
            value = request.form.get(key, "").strip()
            data[key] = value if value != "" else None
    for key in lists:
        data.setdefault(key, [])
    for key in bools:
        data[key] = request.form.get(key) in ("1", "on", "true", "y")
    return load_input(schema, data)


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

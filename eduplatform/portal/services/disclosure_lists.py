"""依申请公开: the staff's lists and dashboard, and what the pages and the API show of a request."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.portal.models.disclosure import DisclosureRequest
from eduplatform.portal.services.disclosure import PROCESS
from eduplatform.portal.services.disclosure_clock import (
    calendar,
    correction_deadline,
    today_local,
    working_days_left,
)


def staff_bureau(user) -> OrgUnit | None:
    """The bureau a staff member answers for (a 科室's staff act for their bureau)."""
    org = getattr(user, "org", None)
    if org is None:
        return None
    org = org.owning_bureau_or_school
    return org if org.is_bureau else None


def requests_query(bureau: OrgUnit, *, state: str | None = None, q: str | None = None,
                   applicant_type: str | None = None, overdue_on: date | None = None, due_by: date | None = None):
    query = sa.select(DisclosureRequest).where(DisclosureRequest.org_id == bureau.id)
    if state:
        query = query.where(DisclosureRequest.state == state)
    if applicant_type:
        query = query.where(DisclosureRequest.applicant_type == applicant_type)
    if q:
        like = f"%{q.strip()[:60]}%"
        query = query.where(sa.or_(DisclosureRequest.tracking_code.ilike(like), DisclosureRequest.name.ilike(like),
                                   DisclosureRequest.description.ilike(like)))
    open_states = ("review", "handling", "extension_review")
    if overdue_on is not None:
        query = query.where(DisclosureRequest.state.in_(open_states), DisclosureRequest.due_on < overdue_on)
    if due_by is not None:
        query = query.where(DisclosureRequest.state.in_(open_states), DisclosureRequest.due_on <= due_by)
    return query.order_by(DisclosureRequest.due_on.is_(None), DisclosureRequest.due_on, DisclosureRequest.id.desc())


def dashboard(bureau: OrgUnit, today: date | None = None) -> dict:
    """Overdue, and due within 3 working days (today included)."""
    today = today or today_local()
    soon = calendar().add_working_days(today, 3)
    overdue = db.session.scalars(requests_query(bureau, overdue_on=today)).all()
    due_soon = db.session.scalars(requests_query(bureau, due_by=soon).where(
        DisclosureRequest.due_on >= today)).all()
    paused = db.session.scalars(requests_query(bureau, state="consulting")).all()
    return {"today": today, "soon": soon, "overdue": overdue, "due_soon": due_soon, "paused": paused}


def available_actions(request, user) -> list[dict]:
    instance = workflow.instance_for(request, PROCESS)
    if instance is None:
        return []
    found = []
    for a in workflow.available_transitions(instance, user):
        key = a.transition.key
        if key == "request_correction" and (request.correction_requested_on or today_local() > correction_deadline(request)):
            continue
        if key == "request_extension" and request.extension_days:
            continue
        found.append({"key": key, "label": a.transition.label, "version": a.version})
    return found


def public_status(request) -> dict:
    pause = request.open_pause
    return {"tracking_code": request.tracking_code, "state": request.state,
            "state_label": "计时暂停（征求第三方意见）" if pause else request.state_label,
            "received_on": request.received_on, "due_on": None if pause else request.due_on, "paused": pause is not None,
            "correction_notice": request.correction_notice if request.state == "correction" else "",
            "answer_type": request.answer_type, "answer_label": request.answer_label,
            "letter_number": request.letter_number,
            "timeline": [{"day": e.day, "kind": e.kind, "text": e.text} for e in request.entries if e.public]}


def staff_view(request, user) -> dict:
    values = {c: getattr(request, c) for c in (
        "id", "tracking_code", "org_id", "state", "state_label", "applicant_type", "applicant_label", "org_kind",
        "name", "id_type", "id_number", "phone", "email", "address", "description", "doc_title", "doc_number",
        "provide_format", "obtain_method", "channel", "received_on", "clock_start_on", "due_on",
        "correction_requested_on", "correction_notice", "correction_received_on", "extension_days", "answer_type",
        "answer_label", "answer_fields", "answered_on", "letter_number")}
    values["org_name"] = request.org.name
    values["working_days_left"] = working_days_left(request)
    values["pauses"] = list(request.pauses)
    values["timeline"] = [{"day": e.day, "kind": e.kind, "text": e.text} for e in request.entries]
    values["actions"] = available_actions(request, user)
    return values

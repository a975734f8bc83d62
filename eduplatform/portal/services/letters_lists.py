"""领导信箱: the staff's lists (and the overdue list), the to-dos, what the pages show of a case."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.portal.models.letters import Letter
from eduplatform.portal.services.disclosure_clock import today_local, working_days_to
from eduplatform.portal.services.letters import PROCESS


def staff_bureau(user) -> OrgUnit | None:
    org = getattr(user, "org", None)
    if org is None:
        return None
    org = org.owning_bureau_or_school
    return org if org.is_bureau else None


def letters_query(bureau: OrgUnit, *, state: str | None = None, kind: str | None = None,
                  channel: str | None = None, q: str | None = None, overdue_on: date | None = None,
                  department_id: int | None = None):
    query = sa.select(Letter).where(Letter.org_id == bureau.id)
    if state:
        query = query.where(Letter.state == state)
    if kind:
        query = query.where(Letter.kind == kind)
    if channel:
        query = query.where(Letter.channel == channel)
    if department_id:
        query = query.where(Letter.department_id == department_id)
    if q:
        like = f"%{q.strip()[:60]}%"
        query = query.where(sa.or_(Letter.tracking_code.ilike(like), Letter.title.ilike(like),
                                   Letter.name.ilike(like), Letter.hotline_order_no.ilike(like)))
    if overdue_on is not None:
        query = query.where(Letter.state.in_(("triage", "handling")), Letter.due_on < overdue_on)
    return query.order_by(Letter.state.in_(("closed", "merged")), Letter.due_on, Letter.id.desc())


def working_days_left(letter: Letter, today: date | None = None) -> int | None:
    """Working days to the due day (0: due today; negative: overdue by that many); None once answered."""
    if not letter.is_open:
        return None
    return working_days_to(letter.due_on, today)


def overdue_count(bureau: OrgUnit) -> int:
    query = letters_query(bureau, overdue_on=today_local()).order_by(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def available_actions(letter: Letter, user) -> list[dict]:
    instance = workflow.instance_for(letter, PROCESS)
    if instance is None:
        return []
    return [{"key": a.transition.key, "label": a.transition.label, "version": a.version}
            for a in workflow.available_transitions(instance, user)]


def public_status(letter: Letter) -> dict:
    """What the writer sees: their own case, its steps (the public ones), the reply."""
    answered = letter.answered
    return {"tracking_code": letter.tracking_code, "state_label": letter.public_state_label,
            "kind": letter.kind, "title": letter.title, "content": letter.content,
            "received_on": letter.received_on, "due_on": letter.due_on,
            "merged_into": letter.merged_into.tracking_code if letter.merged_into else None,
            "reply": answered.reply if answered else "", "replied_on": answered.replied_on if answered else None,
            "department": answered.department.name if answered and answered.department else "",
            "rating": letter.rating, "rating_label": letter.rating_label, "may_rate": answered is not None
            and letter.rating is None, "consent_publish": letter.consent_publish,
            "published": letter.published_at is not None,
            "timeline": [{"at": e.at, "text": e.text} for e in letter.entries if e.public]}


def workbench_overview(user) -> dict | None:
    """Counts for the 工作台 card: waiting to be routed, in handling, overdue (the user's bureau)."""
    bureau = staff_bureau(user)
    if bureau is None:
        return None
    counts = dict(db.session.execute(sa.select(Letter.state, sa.func.count(Letter.id)).where(
        Letter.org_id == bureau.id, Letter.state.in_(("triage", "handling", "replied"))).group_by(Letter.state)).all())
    return {"triage": counts.get("triage", 0), "handling": counts.get("handling", 0),
            "replied": counts.get("replied", 0), "overdue": overdue_count(bureau)}

"""督办: the 公文 steps of a unit that are overdue or due soon, by the department holding them.

The engine keeps the due dates (working days, shortened by 紧急程度), sends the reminders before a
step is due and escalates an overdue one as each definition says (``remind``, ``escalate``). This is
the office's and the leaders' view over all of it: every open 公文 step of their bureau (or school),
grouped by the 科室 whose pool or member holds it, most overdue first; 催办 from the list goes
through the engine (``workflow.chase``: allowed to the step's ``chase_by`` lane, e.g. the office).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.accounts.models import Role
from eduplatform.core.db import utcnow
from eduplatform.core.errors import PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.documents.models import Document
from eduplatform.documents.services import access, exchange
from eduplatform.orgs.models import OrgType, OrgUnit

#: "due soon": within this many hours (the engine's reminders work in working days; this is a view)
SOON_HOURS = 24


@dataclass
class Row:
    document: Document
    task: object
    step: str
    holders: str
    overdue_by: timedelta | None  # None: not overdue yet


@dataclass
class Group:
    unit: str
    rows: list[Row] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue_by is not None)


def supervised_unit(user) -> OrgUnit | None:
    """The unit whose 公文 the user supervises: its office (收发员) or a leader; a school's administrator."""
    unit = exchange.clerk_unit(user)
    if unit is not None:
        return unit
    if Role.BUREAU_LEADER in set(user.roles) and user.org_id:
        home = db.session.get(OrgUnit, user.org_id)
        return home.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU) if home is not None else None
    return None


def board(user, *, now: datetime | None = None) -> list[Group]:
    """Open 公文 steps of the user's unit that are overdue or due within ``SOON_HOURS``, per 科室."""
    unit = supervised_unit(user)
    if unit is None:
        raise PermissionDenied("只有办公室（收发员）、局领导或学校管理员可以督办")
    now = now or utcnow()
    units = sa.select(OrgUnit.id).where(OrgUnit.id.in_(unit.subtree_ids()), OrgUnit.type != OrgType.SCHOOL) \
        if unit.type != OrgType.SCHOOL else sa.select(sa.literal(unit.id))
    tasks = db.session.scalars(workflow.open_tasks_query(access.FLOWS, units, overdue_at=now + timedelta(
        hours=SOON_HOURS))).all()
    visible = set(db.session.scalars(access.visible_ids(user))) if tasks else set()
    groups: dict[str, Group] = {}
    for task in tasks:
        instance = task.instance
        if instance.subject_type != Document.__audit_type__ or int(instance.subject_id) not in visible:
            continue  # a classified document outside the supervisor's reach stays unseen
        document = db.session.get(Document, int(instance.subject_id))
        holder_unit = task.candidate_org or (task.assignee.org if task.assignee else None)
        key = holder_unit.name if holder_unit is not None else unit.name
        state = workflow.process_for(instance).states[task.state]
        holders = task.assignee.display_name if task.assignee else (task.candidate_org.name if task.candidate_org
                                                                     else "—")
        overdue_by = now - task.due_at if task.due_at < now else None
        groups.setdefault(key, Group(key)).rows.append(Row(document, task, state.label, holders, overdue_by))
    for group in groups.values():
        group.rows.sort(key=lambda r: r.task.due_at)
    return sorted(groups.values(), key=lambda g: (-g.overdue, g.unit))


def chase(document: Document, *, actor, message: str = "") -> int:
    """催办 the current step of the document's flow (the engine decides who may)."""
    from eduplatform.documents.services import incoming, outgoing

    instance = outgoing.instance_of(document) if document.direction == "out" else incoming.instance_of(document)
    if instance is None or not instance.is_active:
        raise PermissionDenied("该公文没有进行中的流程")
    return workflow.chase(instance, actor, message)

"""resource review on the process engine: move the review steps into process instances, drop the table

The resource library's review used to keep its own steps (``resource_review_steps``); it now runs
on the business-process engine as the ``resource_review`` process, version 2. Every resource's
steps become process instances (one per round of review, since a published resource with a new
file is reviewed again) with their event flow (事件流), done tasks (the reviewers' 已办) and, for
a review still running, the open task of its current step with the due date, reminder and
escalation times the definition gives — so reviewers find it in their 待办 and `workflow-tick`
takes care of it. A published resource that got a new file (a draft again) gets a new round waiting
for its owner, as it would now. Drafts never submitted and resources that arrived published
without steps (offline packages) get none: a review starts when the owner submits. The definition's text is stored
as it was at this revision (below), as the engine stores every version it runs.

Downgrade writes the steps back from the event flow and removes these instances.

Revision ID: 5be0c4a2d9e1
Revises: b320cf25c16a
Create Date: 2026-11-25 14:30:00.000000

"""
import hashlib
from datetime import UTC, date, datetime, time, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5be0c4a2d9e1'
down_revision = 'b320cf25c16a'
branch_labels = None
depends_on = None

PROCESS, VERSION, NAME = "resource_review", 2, "教学资源审核"
SUBJECT = "resource"
LABELS = {"draft": "草稿", "submitted": "待学校审核", "district_review": "待区县审核", "published": "已发布",
          "returned": "已退回"}
TRANSITION_LABELS = {"submit": "提交审核", "approve_school": "学校审核通过", "approve_district": "区县审核通过",
                     "return": "退回", "revise": "更换文件后转为草稿"}
#: (role, working days due, remind days before, escalate days after) of the two review steps.
REVIEW_STEPS = {"submitted": ("school_admin", 3, 1, 2), "district_review": ("bureau_staff", 5, 1, 3)}
OWNER_STATES = ("draft", "returned")

steps_t = sa.table("resource_review_steps", sa.column("id", sa.Integer), sa.column("resource_id", sa.Integer),
                   sa.column("action", sa.String), sa.column("from_state", sa.String),
                   sa.column("to_state", sa.String), sa.column("actor_id", sa.Integer),
                   sa.column("reason", sa.Text), sa.column("created_at", sa.DateTime))
resources_t = sa.table("resources", sa.column("id", sa.Integer), sa.column("title", sa.String),
                       sa.column("state", sa.String), sa.column("owner_id", sa.Integer),
                       sa.column("org_id", sa.Integer), sa.column("created_at", sa.DateTime),
                       sa.column("updated_at", sa.DateTime))
orgs_t = sa.table("org_units", sa.column("id", sa.Integer), sa.column("type", sa.String),
                  sa.column("path", sa.String))
users_t = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String))
calendar_t = sa.table("calendar_days", sa.column("day", sa.Date), sa.column("kind", sa.String))
definitions_t = sa.table("process_definitions", sa.column("id", sa.Integer), sa.column("key", sa.String),
                         sa.column("version", sa.Integer), sa.column("name", sa.String),
                         sa.column("checksum", sa.String), sa.column("source", sa.Text),
                         sa.column("created_at", sa.DateTime))
_meta = sa.MetaData()  # tables written in bulk need their primary key known (RETURNING in order)
instances_t = sa.Table("process_instances", _meta, sa.Column("id", sa.Integer, primary_key=True),
                       sa.Column("definition_id", sa.Integer),
                       sa.Column("process_key", sa.String), sa.Column("subject_type", sa.String),
                       sa.Column("subject_id", sa.String), sa.Column("org_id", sa.Integer),
                       sa.Column("title", sa.String), sa.Column("state", sa.String),
                       sa.Column("status", sa.String), sa.Column("data", sa.JSON),
                       sa.Column("version", sa.Integer), sa.Column("started_by_id", sa.Integer),
                       sa.Column("started_at", sa.DateTime), sa.Column("completed_at", sa.DateTime),
                       sa.Column("entry", sa.Integer), sa.Column("counters", sa.JSON))
tasks_t = sa.Table("workflow_tasks", _meta, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("instance_id", sa.Integer),
                   sa.Column("state", sa.String), sa.Column("entry", sa.Integer),
                   sa.Column("assignee_id", sa.Integer), sa.Column("candidate_role", sa.String),
                   sa.Column("candidate_org_id", sa.Integer), sa.Column("candidate_above", sa.Boolean),
                   sa.Column("excluded_user_id", sa.Integer), sa.Column("status", sa.String),
                   sa.Column("outcome", sa.String), sa.Column("comment", sa.Text),
                   sa.Column("created_at", sa.DateTime), sa.Column("due_at", sa.DateTime),
                   sa.Column("remind_at", sa.DateTime), sa.Column("escalate_at", sa.DateTime),
                   sa.Column("completed_at", sa.DateTime), sa.Column("completed_by_id", sa.Integer),
                   sa.Column("version", sa.Integer))
events_t = sa.table("workflow_events", sa.column("id", sa.Integer), sa.column("instance_id", sa.Integer),
                    sa.column("created_at", sa.DateTime), sa.column("kind", sa.String),
                    sa.column("transition", sa.String), sa.column("from_state", sa.String),
                    sa.column("to_state", sa.String), sa.column("actor_id", sa.Integer),
                    sa.column("actor_name", sa.String), sa.column("task_id", sa.Integer),
                    sa.column("reason", sa.Text), sa.column("changes", sa.JSON), sa.column("summary", sa.String))
notices_t = sa.table("workflow_notices", sa.column("instance_id", sa.Integer))


# --- working days, frozen as the engine counted them at this revision (workflow/calendar.py) -----

CST = timezone(timedelta(hours=8))  # Asia/Shanghai has had no daylight saving time since 1991


class _Calendar:
    def __init__(self, exceptions):
        self.exceptions = exceptions  # {date: "holiday" | "workday"}

    def working(self, day: date) -> bool:
        kind = self.exceptions.get(day)
        return kind == "workday" if kind is not None else day.weekday() < 5

    def add(self, day: date, n: int) -> date:
        if n == 0:
            while not self.working(day):
                day += timedelta(days=1)
            return day
        while n:
            day += timedelta(days=1)
            n -= self.working(day)
        return day

    def subtract(self, day: date, n: int) -> date:
        while n:
            day -= timedelta(days=1)
            n -= self.working(day)
        return day

    @staticmethod
    def _local(value: datetime) -> date:
        return value.replace(tzinfo=UTC).astimezone(CST).date()

    @staticmethod
    def _utc(day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=CST).astimezone(UTC).replace(tzinfo=None)

    def times(self, arrived: datetime, due_days: int, remind_before: int, escalate_after: int):
        due = self._utc(self.add(self._local(arrived), due_days), time(23, 59, 59))
        remind = self._utc(self.subtract(self._local(due), remind_before), time(9, 0))
        escalate = self._utc(self.add(self._local(due), escalate_after), time(23, 59, 59))
        return due, remind, escalate


def _reviewing_bureau(org_id, orgs):
    """The nearest bureau at or above the unit (the district step's pool)."""
    _, path = orgs[org_id]
    for unit_id in reversed([int(p) for p in path.strip("/").split("/") if p]):
        if unit_id in orgs and orgs[unit_id][0] in ("district_bureau", "city_bureau"):
            return unit_id
    return org_id


# --- upgrade -----------------------------------------------------------------------------------

class _Instance:
    """One review round being rebuilt: its events and tasks, written when complete."""

    def __init__(self, resource, started_at):
        self.resource = resource
        self.state, self.entry, self.arrived = "draft", 1, started_at
        self.started_at, self.completed_at = started_at, None
        self.events, self.tasks, self.counters = [], [], {}
        self.events.append(dict(kind="started", transition=None, from_state=None, to_state="draft",
                                actor_id=resource.owner_id, reason=None, created_at=started_at,
                                summary=f"发起「{NAME}」：{resource.title}"[:500]))

    @property
    def done(self) -> bool:
        return self.state == "published"

    def move(self, key, to_state, actor_id, reason, at, kind="transition", summary=None):
        from_state = self.state
        if kind == "transition":
            self.tasks.append(self._task(from_state, status="done", outcome=key, comment=reason,
                                         completed_at=at, completed_by_id=actor_id))
            self.counters[key] = self.counters.get(key, 0) + 1
            summary = f"{LABELS[from_state]} →「{TRANSITION_LABELS[key]}」→ {LABELS[to_state]}"
        self.events.append(dict(kind=kind, transition=key, from_state=from_state, to_state=to_state,
                                actor_id=actor_id, reason=reason, created_at=at, summary=summary[:500],
                                task=len(self.tasks) - 1 if kind == "transition" else None))
        self.state, self.arrived = to_state, at
        self.entry += 1
        if to_state == "published":
            self.completed_at = at

    def _task(self, state, **values):
        r = self.resource
        task = dict(state=state, entry=self.entry, created_at=self.arrived, assignee_id=None, candidate_role=None,
                    candidate_org_id=None, candidate_above=False, excluded_user_id=None, due_at=None,
                    remind_at=None, escalate_at=None, outcome=None, comment=None, completed_at=None,
                    completed_by_id=None, version=1)
        if state in OWNER_STATES:
            task["assignee_id"] = r.owner_id
        else:
            role, due, remind, escalate = REVIEW_STEPS[state]
            task.update(candidate_role=role, excluded_user_id=r.owner_id,
                        candidate_org_id=r.org_id if state == "submitted" else r.bureau_id,
                        candidate_above=state == "district_review")
            task["due_at"], task["remind_at"], task["escalate_at"] = r.calendar.times(self.arrived, due, remind,
                                                                                      escalate)
        task.update(values)
        return task

    def row(self, definition_id) -> dict:
        r = self.resource
        if not self.done:
            self.tasks.append(self._task(self.state, status="open"))
        return dict(definition_id=definition_id, process_key=PROCESS, subject_type=SUBJECT, subject_id=str(r.id),
                    org_id=r.org_id, title=(r.title or "")[:255], state=self.state,
                    status="completed" if self.done else "active",
                    data={"title": r.title, "uploader_unit": "学校" if r.org_type == "school" else "教育局"},
                    version=1 + len(self.events), started_by_id=r.owner_id, started_at=self.started_at,
                    completed_at=self.completed_at, entry=self.entry, counters=self.counters)


def _write(conn, reviews: list[_Instance], definition_id, usernames) -> None:
    """Insert a batch of rebuilt reviews in three statements: instances, their tasks, their events."""
    if not reviews:
        return
    ids = conn.execute(instances_t.insert().returning(instances_t.c.id, sort_by_parameter_order=True),
                       [review.row(definition_id) for review in reviews]).scalars().all()
    tasks = [{**t, "instance_id": iid} for review, iid in zip(reviews, ids, strict=True) for t in review.tasks]
    task_ids = iter(conn.execute(tasks_t.insert().returning(tasks_t.c.id, sort_by_parameter_order=True),
                                 tasks).scalars().all() if tasks else [])
    events = []
    for review, iid in zip(reviews, ids, strict=True):
        own = [next(task_ids) for _ in review.tasks]
        for e in review.events:
            index = e.get("task")
            events.append({**{k: v for k, v in e.items() if k != "task"}, "instance_id": iid, "changes": {},
                           "actor_name": usernames.get(e["actor_id"]),
                           "task_id": own[index] if index is not None else None})
    conn.execute(events_t.insert(), events)


def _rebuild(resource, steps) -> list[_Instance]:
    """The review rounds of one resource, from its steps and its current state."""
    rounds, current = [], None
    for step in steps:
        if current is None or current.done:
            current = _Instance(resource, step.created_at)
            rounds.append(current)
        if current.state == "returned" and step.from_state == "draft":
            # A new file sent a returned resource back to draft; no step was written for that.
            current.move("revise", "draft", resource.owner_id, None, step.created_at)
        elif current.state != step.from_state:
            current.move(None, step.from_state, None, None, step.created_at, kind="migrated",
                         summary=f"数据迁移：审核记录中缺少到「{LABELS.get(step.from_state, step.from_state)}」的步骤")
        key = {"approve_school": "approve_school", "approve_district": "approve_district",
               "submit": "submit", "return": "return"}[step.action]
        current.move(key, step.to_state, step.actor_id, step.reason, step.created_at)
    state = resource.state
    since = (resource.updated_at or resource.created_at) if steps else resource.created_at
    if current is None and state == "draft":
        return rounds  # never submitted: its review starts when its owner submits it
    if current is None or current.done:
        if state == "published":
            return rounds  # published without a running review (offline packages, or just approved)
        current = _Instance(resource, since)
        rounds.append(current)
    if current.state == "returned" and state == "draft":
        current.move("revise", "draft", resource.owner_id, None, since)
    elif current.state != state:
        current.move(None, state, None, None, since, kind="migrated",
                     summary=f"数据迁移：按资源当前状态校正为「{LABELS.get(state, state)}」")
    return rounds


class _Resource:
    def __init__(self, row, orgs, calendar):
        self.id, self.title, self.state, self.owner_id, self.org_id = row.id, row.title, row.state, row.owner_id, \
            row.org_id
        self.created_at, self.updated_at = row.created_at, row.updated_at
        self.org_type = orgs[row.org_id][0] if row.org_id in orgs else "school"
        self.bureau_id = _reviewing_bureau(row.org_id, orgs) if row.org_id in orgs else row.org_id
        self.calendar = calendar


def upgrade():
    conn = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    definition_id = conn.scalar(sa.select(definitions_t.c.id).where(definitions_t.c.key == PROCESS,
                                                                    definitions_t.c.version == VERSION))
    if definition_id is None:
        definition_id = conn.execute(definitions_t.insert().values(
            key=PROCESS, version=VERSION, name=NAME, checksum=hashlib.sha256(SOURCE.encode()).hexdigest(),
            source=SOURCE, created_at=now).returning(definitions_t.c.id)).scalar_one()
    orgs = {row.id: (row.type, row.path or "") for row in conn.execute(sa.select(orgs_t))}
    usernames = dict(conn.execute(sa.select(users_t.c.id, users_t.c.username)).all())
    calendar = _Calendar({row.day: row.kind for row in conn.execute(sa.select(calendar_t))})
    steps = {}
    for step in conn.execute(sa.select(steps_t).order_by(steps_t.c.id)):
        steps.setdefault(step.resource_id, []).append(step)
    batch = []
    for row in conn.execute(sa.select(resources_t).order_by(resources_t.c.id)).all():
        batch += _rebuild(_Resource(row, orgs, calendar), steps.get(row.id, []))
        if len(batch) >= 500:
            _write(conn, batch, definition_id, usernames)
            batch = []
    _write(conn, batch, definition_id, usernames)

    with op.batch_alter_table('resource_review_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_review_steps_resource_id'))
    op.drop_table('resource_review_steps')


# --- downgrade ---------------------------------------------------------------------------------

def downgrade():
    op.create_table('resource_review_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.Enum('draft', 'submitted', 'district_review', 'published', 'returned', name='reviewstate', native_enum=False, length=32), nullable=False),
    sa.Column('to_state', sa.Enum('draft', 'submitted', 'district_review', 'published', 'returned', name='reviewstate', native_enum=False, length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_resource_review_steps_actor_id_users')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_review_steps_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_review_steps'))
    )
    with op.batch_alter_table('resource_review_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_review_steps_resource_id'), ['resource_id'], unique=False)

    conn = op.get_bind()
    instances = sa.select(instances_t.c.id).where(instances_t.c.process_key == PROCESS,
                                                  instances_t.c.subject_type == SUBJECT)
    owners = dict(conn.execute(sa.select(resources_t.c.id, resources_t.c.owner_id)).all())
    rows = conn.execute(
        sa.select(events_t, instances_t.c.subject_id).join(instances_t, instances_t.c.id == events_t.c.instance_id)
        .where(events_t.c.instance_id.in_(instances), events_t.c.kind == "transition",
               events_t.c.transition.in_(("submit", "approve_school", "approve_district", "return")))
        .order_by(events_t.c.id)).all()
    for e in rows:
        resource_id = int(e.subject_id)
        if resource_id not in owners or e.from_state not in LABELS or e.to_state not in LABELS:
            continue
        conn.execute(steps_t.insert().values(
            resource_id=resource_id, action=e.transition, from_state=e.from_state, to_state=e.to_state,
            actor_id=e.actor_id or owners[resource_id], reason=e.reason, created_at=e.created_at))
    ids = [row[0] for row in conn.execute(instances)]
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        conn.execute(notices_t.delete().where(notices_t.c.instance_id.in_(chunk)))
        conn.execute(sa.text("DELETE FROM workflow_notices WHERE task_id IN "
                             "(SELECT id FROM workflow_tasks WHERE instance_id IN :ids)")
                     .bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk})
        conn.execute(events_t.delete().where(events_t.c.instance_id.in_(chunk)))
        conn.execute(tasks_t.delete().where(tasks_t.c.instance_id.in_(chunk)))
        conn.execute(instances_t.delete().where(instances_t.c.id.in_(chunk)))
    used = conn.scalar(sa.select(sa.func.count()).select_from(instances_t).where(
        instances_t.c.definition_id.in_(sa.select(definitions_t.c.id).where(
            definitions_t.c.key == PROCESS, definitions_t.c.version == VERSION))))
    if not used:
        conn.execute(definitions_t.delete().where(definitions_t.c.key == PROCESS, definitions_t.c.version == VERSION))


#: The definition exactly as ``eduplatform/resources/processes/resource_review.yaml`` read at this
#: revision (``tests/resources/test_migration.py`` checks it while version 2 is current).
SOURCE = """# 教学资源审核（资源库，issue 5）：上传者提交 → 学校审核 → 区县审核 → 发布；任一审核步骤可退回（须写理由）。
# 状态名与资源的状态列（resources.models.ReviewState）一一对应：资源的状态由 on_transition 钩子跟随本流程。
# Version 1 was the engine's sample (school uploads only, with 撤回/放弃); version 2 is the resource
# library's own review: bureau uploads skip the school step, nobody reviews their own upload, a
# bureau above the reviewing bureau may review too, and a new file sends a returned item back to draft.
key: resource_review
version: 2
name: 教学资源审核
description: >-
  教师等上传的教学资源经本校审核、所在区县教育局审核后发布；教育局上传的资源直接由本局（或上级教育局）审核。
  审核人可退回并说明理由，上传者修改后重新提交；任何人不能审核自己上传的资源。
subject_org_type: [school, district_bureau, city_bureau]

fields:
  title: {label: 资源标题, type: string}
  uploader_unit: {label: 上传单位类型, type: choice, options: [学校, 教育局], help: 教育局上传的资源不经学校审核}

lanes:
  uploader: {label: 上传者, role: teacher, org: subject, description: 资源的上传者（教师、学校管理员或教育局工作人员）}
  school: {label: 学校审核员, role: school_admin, org: subject, description: 上传者所在学校的学校管理员}
  district:
    label: 区县审核员
    role: bureau_staff
    org: subject_bureau
    and_above: true
    description: 学校所在区县教育局（教育局上传的为本局）的工作人员；上级教育局工作人员也可审核
  leader: {label: 教育局领导, role: bureau_leader, org: subject_bureau, description: 审核逾期时督办，并可直接审核}

start: draft

states:
  draft:
    label: 草稿
    lane: uploader
    assignee: {user: starter}
    editable: [title]
  submitted:
    label: 待学校审核
    lane: school
    exclude: starter
    reads: [title]
    due: 3
    remind: {before_working_days: 1}
    escalate: {after_working_days: 2, to: district, reassign: true}
    chase_by: uploader
  district_review:
    label: 待区县审核
    lane: district
    exclude: starter
    reads: [title]
    due: 5
    remind: {before_working_days: 1}
    escalate: {after_working_days: 3, to: leader, reassign: true}
    chase_by: uploader
  returned:
    label: 已退回
    lane: uploader
    assignee: {user: starter}
    editable: [title]
  published:
    label: 已发布
    lane: district
    final: true

transitions:
  - key: submit
    label: 提交审核
    from: [draft, returned]
    requires: [title]
    to:
      - {state: district_review, when: {field: uploader_unit, eq: 教育局}}
      - {state: submitted}
  - {key: approve_school, label: 学校审核通过, from: submitted, to: district_review, reason: optional}
  - {key: approve_district, label: 区县审核通过, from: district_review, to: published, reason: optional}
  - {key: return, label: 退回, from: [submitted, district_review], to: returned, kind: return}
  - {key: revise, label: 更换文件后转为草稿, from: returned, to: draft, reason: optional}
"""

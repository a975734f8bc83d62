"""Running processes: start an instance, say what a user can do now, perform a transition.

Every function here works inside the caller's transaction and never commits: a domain performs a
transition and its own change, then commits once (or the error handler rolls both back). The one
exception is a *refused* action, which rolls back, audits the refusal and commits that entry
(as ``core.permissions.require`` does), then raises 403 / 409 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.memo import per_request
from eduplatform.core.signals import Step, take_step
from eduplatform.orgs.models import OrgUnit
from eduplatform.workflow import assignment, forms, registry
from eduplatform.workflow.calendar import WorkCalendar
from eduplatform.workflow.conditions import evaluate
from eduplatform.workflow.definitions import ProcessDef, State, Transition
from eduplatform.workflow.models import (
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
    WorkflowEvent,
    WorkflowTask,
)
from eduplatform.workflow.notices import notify
from eduplatform.workflow.viewing import register_view_rule

# --- what domains register ---------------------------------------------------------------------

@dataclass
class TransitionEvent:
    """What a hook receives: the instance after the change, and what happened."""

    instance: ProcessInstance
    process: ProcessDef
    kind: str                      # started | transition | signed | read | cancelled
    from_state: str | None
    to_state: str
    actor: object
    transition: Transition | None = None
    reason: str | None = None
    changes: dict = field(default_factory=dict)
    #: a transition's one record (audit entry, notices), which the hooks may reword: core.signals.Step
    step: Step | None = None

    @property
    def moved(self) -> bool:
        """True when the instance changed state (not for one co-signer of several)."""
        return self.from_state != self.to_state or self.kind == "started"

    @property
    def subject(self):
        return load_subject(self.instance)


@dataclass(frozen=True)
class SubjectType:
    loader: Callable[[str], object]
    url: Callable[[object], str] | None = None
    #: what the object is, for to-do lists ("教学资源"); a string or fn(subject) -> str
    label: object = None
    #: fn(subject) -> the deadline the object itself carries, for steps without a due date
    deadline: Callable[[object], object] | None = None


_hooks: dict[str, list[Callable[[TransitionEvent], None]]] = {}
_subjects: dict[str, SubjectType] = {}


def on_transition(process_key: str):
    """Decorator: call ``fn(event)`` in the same transaction after each change of that process.
    Registering the same function again is a no-op: domains register in ``init_app``, once per app."""
    def decorate(fn):
        hooks = _hooks.setdefault(process_key, [])
        if fn not in hooks:
            hooks.append(fn)
        return fn
    return decorate


def remove_hook(process_key: str, fn) -> None:
    if fn in _hooks.get(process_key, []):
        _hooks[process_key].remove(fn)


#: process key → fn(instance, state_key, working_days | None) → working_days | None
_due_policies: dict[str, Callable] = {}


def register_due_policy(process_key: str, fn: Callable) -> None:
    """Let the owning domain adjust a step's due (working days) from its object, e.g. 公文's 紧急程度:
    the definition says the ordinary term; ``fn`` returns the term for this instance (None: no due)."""
    _due_policies[process_key] = fn


def register_subject(subject_type: str, loader: Callable[[str], object],
                     url: Callable[[object], str] | None = None,
                     can_view: Callable[[object, object], bool] | None = None, *,
                     label: object = None, deadline: Callable[[object], object] | None = None) -> None:
    """Tell the engine how to load a business object by id and link to its page (to-do list);
    ``can_view(user, subject)``, if given, decides alone who may see its instances (the engine's pages
    and API then follow the domain's rule, e.g. 密级)."""
    _subjects[subject_type] = SubjectType(loader, url, label, deadline)
    if can_view is not None:
        def rule(user, instance):
            subject = loader(instance.subject_id) if instance.subject_id is not None else None
            return subject is not None and can_view(user, subject)

        register_view_rule(subject_type, rule)


def subject_type_of(obj) -> str:
    return getattr(obj, "__audit_type__", None) or type(obj).__tablename__


def load_subject(instance: ProcessInstance):
    spec = _subjects.get(instance.subject_type or "")
    return spec.loader(instance.subject_id) if spec and instance.subject_id is not None else None


def subject_type(instance: ProcessInstance) -> SubjectType | None:
    return _subjects.get(instance.subject_type or "")


def subject_url(instance: ProcessInstance) -> str | None:
    spec = _subjects.get(instance.subject_type or "")
    if spec is None or spec.url is None:
        return None
    subject = load_subject(instance)
    return spec.url(subject) if subject is not None else None


# --- reading -----------------------------------------------------------------------------------

def process_for(instance: ProcessInstance) -> ProcessDef:
    """The definition version the instance started with."""
    return registry.process_of(instance.definition)


def get_instance(instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound("流程实例不存在")
    return instance


def instance_for(subject, process_key: str | None = None) -> ProcessInstance | None:
    """The newest instance attached to a business object (of one process, if given)."""
    query = db.select(ProcessInstance).where(ProcessInstance.subject_type == subject_type_of(subject),
                                             ProcessInstance.subject_id == str(subject.id))
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    # a page asks several times (its actions, its history, its token): looked up once a request
    return per_request(("workflow.instance_for", subject_type_of(subject), str(subject.id), process_key), lambda: db.session.scalar(query.order_by(ProcessInstance.id.desc()).limit(1)))


def current_tasks(instance: ProcessInstance) -> list[WorkflowTask]:
    """The tasks of the current visit to the current state (open, done and cancelled)."""
    return list(db.session.scalars(db.select(WorkflowTask).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.state == instance.state,
        WorkflowTask.entry == instance.entry).order_by(WorkflowTask.id)))


def events(instance: ProcessInstance) -> list[WorkflowEvent]:
    return list(db.session.scalars(db.select(WorkflowEvent).where(
        WorkflowEvent.instance_id == instance.id).order_by(WorkflowEvent.id)))


def can_act_on_task(user, task: WorkflowTask) -> bool:
    if not task.is_open or not getattr(user, "is_authenticated", False):
        return False
    if task.excluded_user_id is not None and task.excluded_user_id == user.id:
        return False  # 回避: e.g. nobody reviews what they submitted themselves
    if task.assignee_id is not None and task.assignee_id == user.id:
        return True
    return (assignment.in_pool(user, task.candidate_role, task.candidate_org_id, and_above=task.candidate_above)
            or assignment.in_pool(user, task.escalated_role, task.escalated_org_id))


def actor_of(instance: ProcessInstance, state: str):
    """The user who last acted at ``state`` ("the assignee picked at the previous step" is a field)."""
    from eduplatform.accounts.models import User

    actor_id = db.session.scalar(db.select(WorkflowEvent.actor_id).where(
        WorkflowEvent.instance_id == instance.id, WorkflowEvent.from_state == state,
        WorkflowEvent.actor_id.is_not(None),
        WorkflowEvent.kind.in_(("transition", "signed", "read"))).order_by(WorkflowEvent.id.desc()).limit(1))
    return db.session.get(User, actor_id) if actor_id else None


def may_perform_by(user, by: str, instance: ProcessInstance, process: ProcessDef) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if by == "starter":
        return instance.started_by_id == user.id
    if by.startswith("actor_of:"):
        actor = actor_of(instance, by[9:])
        return actor is not None and actor.id == user.id
    lane = process.lanes[by]
    org = assignment.resolve_org(lane.org, instance, label=lane.label)
    return assignment.in_pool(user, lane.role, org.id if org else None)


@dataclass
class Available:
    """One thing a user can do now; send ``version`` back with the action."""

    transition: Transition
    task: WorkflowTask | None
    version: int
    targets: list[str]

    @property
    def reason_required(self) -> bool:
        return self.transition.reason == "required"


def available_transitions(instance: ProcessInstance, user) -> list[Available]:
    if not instance.is_active or not getattr(user, "is_authenticated", False):
        return []
    process = process_for(instance)
    my_tasks = [t for t in current_tasks(instance) if can_act_on_task(user, t)]
    found = []
    for t in process.transitions_from(instance.state):
        if not _allowed_now(t, instance):
            continue
        if t.by is None:
            if my_tasks:
                found.append(Available(t, my_tasks[0], my_tasks[0].version, t.targets))
        elif may_perform_by(user, t.by, instance, process):
            found.append(Available(t, None, instance.version, t.targets))
    return found


def _allowed_now(t: Transition, instance: ProcessInstance) -> bool:
    if t.when is not None and not evaluate(t.when, instance.data or {}):
        return False
    return t.limit is None or (instance.counters or {}).get(t.key, 0) < t.limit


# --- starting ----------------------------------------------------------------------------------

def start(process_key: str, *, org: OrgUnit, actor, subject=None, title: str | None = None,
          data: dict | None = None, version: int | None = None) -> ProcessInstance:
    """Start the newest version of a process for ``subject`` (optional) belonging to ``org``."""
    process = registry.get_process(process_key, version)
    if org is None:
        raise ValidationFailed("流程实例必须属于一个单位", code="no_org")
    if org.type.value not in process.subject_org_types:
        allowed = "、".join(process.subject_org_types)
        raise ValidationFailed(f"「{process.name}」只能用于以下类型的单位：{allowed}", code="wrong_org_type")
    row = registry.stored_row(process)
    now = utcnow()
    instance = ProcessInstance(
        definition=row, process_key=process.key, org=org, state=process.start, entry=1,
        title=(title or (str(subject) if subject is not None else process.name))[:255],
        subject_type=subject_type_of(subject) if subject is not None else None,
        subject_id=str(subject.id) if subject is not None else None,
        started_by_id=getattr(actor, "id", None), started_at=now, data={}, counters={}, version=1)
    db.session.add(instance)
    db.session.flush()
    instance.started_by = actor if getattr(actor, "id", None) else None
    changes = forms.apply(process, instance, data or {}, allowed=list(process.fields), actor=actor)
    calendar = WorkCalendar.load()
    if process.deadline_working_days:
        instance.deadline_at = calendar.due_at(now, process.deadline_working_days)
    _add_event(instance, "started", actor, to_state=process.start, changes=changes,
               summary=f"发起「{process.name}」：{instance.title}")
    _create_tasks(instance, process, process.states[process.start], actor, calendar, now)
    record("workflow", "instance.started", f"发起{process.label}：{instance.title}", actor=actor, obj=instance,
           data={"process": process.key, "version": process.version, "subject": instance.subject_type,
                 "subject_id": instance.subject_id})
    db.session.flush()
    _run_hooks(TransitionEvent(instance, process, "started", None, process.start, actor, changes=changes))
    return instance


# --- performing --------------------------------------------------------------------------------

def perform(instance: ProcessInstance, key: str, *, actor, reason: str | None = None,
            data: dict | None = None, task: WorkflowTask | None = None,
            expected_version: int | None = None) -> ProcessInstance:
    """Perform transition ``key`` as ``actor``, atomically with the caller's own changes.

    ``expected_version`` is the ``version`` the user saw (of ``task``, or of the instance for a
    transition without a task): a stale one is refused with 409, so is a concurrent winner.
    """
    process = process_for(instance)
    state, transition = _state_and_transition(instance, process, key, actor, task)
    task = _task_for(instance, process, transition, actor, task, key)
    _check_rules(instance, process, transition, actor, key)
    _check_version(instance, task, expected_version)
    reason = _checked_reason(transition, reason)
    # Validate the form before taking any lock, then lock, then change.
    values = _checked_values(process, instance, state, transition, data)
    _lock(instance, task, actor)
    now = utcnow()
    changes = forms.store(instance, values)
    _count(instance, key)
    calendar = WorkCalendar.load()
    _apply_clock(instance, process, transition, calendar, now)

    if task is not None:
        _finish_task(task, actor, key, reason, now)
        if state.parallel == "all" and not transition.veto:
            if _one_of_several(instance, process, state, transition, actor, task, reason, changes):
                return instance  # others of the step have yet to act
            transition = _join_outcome(process, state, instance) or transition
    target = _choose_branch(process, transition, instance)
    _move(instance, process, state, target, transition, actor, reason, changes, task, calendar, now)
    return instance


def _state_and_transition(instance, process, key: str, actor, task):
    """The current step and the transition ``key`` out of it; refuses a finished instance, a task
    already done and a transition the step does not have."""
    if not instance.is_active:
        _refuse(instance, actor, key, 409, "finished", "该流程已结束，不能再办理")
    if task is not None and task.instance_id == instance.id and not task.is_open:
        who = task.completed_by.display_name if task.completed_by else "他人"
        raise Conflict(f"该待办已由{who}办理，请刷新后重试", code="task_done")
    state = process.states[instance.state]
    transition = process.transition(instance.state, key)
    if transition is None:
        label = next((t.label for t in process.transitions if t.key == key), key)
        _refuse(instance, actor, key, 409, "not_allowed_in_state",
                f"当前步骤「{state.label}」不能执行「{label}」")
    return state, transition


def _check_rules(instance, process, transition, actor, key: str) -> None:
    """The transition's own rules: its condition on the form, and how often it may be taken."""
    if transition.when is not None and not evaluate(transition.when, instance.data or {}):
        _refuse(instance, actor, key, 409, "condition_unmet",
                f"「{transition.label}」的条件不满足：{process.condition_text(transition.when)}")
    if transition.limit is not None and (instance.counters or {}).get(key, 0) >= transition.limit:
        _refuse(instance, actor, key, 409, "limit_reached",
                f"「{transition.label}」最多只能办理 {transition.limit} 次")


def _check_version(instance, task, expected_version: int | None) -> None:
    """What the user saw is still what there is (409 for a stale page)."""
    seen = task.version if task is not None else instance.version
    if expected_version is not None and expected_version != seen:
        raise Conflict("该事项已被他人处理或已变化，请刷新后重试", code="stale_version")


def _checked_reason(transition, reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if transition.reason == "required" and not reason:
        word = "退回" if transition.kind == "return" else f"「{transition.label}」"
        raise ValidationFailed(f"{word}必须填写理由", code="reason_required", fields={"reason": ["请填写理由"]})
    return reason


def _checked_values(process, instance, state, transition, data: dict | None) -> dict:
    """The form values this step may change, validated; refuses when a field the transition
    requires would stay empty."""
    values = forms.validate(process, instance, data or {},
                            allowed=process.editable_fields(state, transition), state=state)
    after = {**(instance.data or {}), **values}
    missing = [n for n in transition.requires if forms.is_empty(after.get(n))]
    if missing:
        labels = "、".join(process.fields[n].label for n in missing)
        raise ValidationFailed(f"请先填写：{labels}", code="required_fields",
                               fields={n: ["此步骤必须填写"] for n in missing})
    return values


def _count(instance, key: str) -> None:
    counters = dict(instance.counters or {})
    counters[key] = counters.get(key, 0) + 1
    instance.counters = counters


def _one_of_several(instance, process, state, transition, actor, task, reason, changes) -> bool:
    """Record one holder's part of a step everyone must take (会签, 传阅); True while others of the
    step still have theirs open, so the instance stays where it is."""
    kind = "read" if state.kind == "circulate" else "signed"
    verb = "已阅" if kind == "read" else transition.label
    _add_event(instance, kind, actor, transition=transition.key, from_state=state.key, to_state=state.key,
               task=task, reason=reason, changes=changes, summary=f"{state.label}：{verb}")
    pending = [t for t in current_tasks(instance) if t.is_open and t.id != task.id]
    if not pending:
        return False
    record("workflow", f"task.{kind}", f"{process.name}·{state.label}：{actor_name(actor)}{verb}",
           actor=actor, obj=instance, data={"task": task.id, "transition": transition.key})
    db.session.flush()
    _run_hooks(TransitionEvent(instance, process, kind, state.key, state.key, actor, transition,
                               reason, changes))
    return True


def chase(instance: ProcessInstance, actor, message: str = "") -> int:
    """催办: remind the current step's holders; allowed to the step's ``chase_by`` lane and starter."""
    process = process_for(instance)
    state = process.states[instance.state]
    allowed = instance.is_active and (instance.started_by_id == getattr(actor, "id", None) or (
        state.chase_by is not None and may_perform_by(actor, state.chase_by, instance, process)))
    if not allowed:
        _refuse(instance, actor, "chase", 403, "forbidden", "只有发起人或本步骤的督办人员可以催办")
    open_tasks = [t for t in current_tasks(instance) if t.is_open]
    users = [u for t in open_tasks for u in task_users(t)]
    title = f"催办：{process.name}·{state.label}：{instance.title}"
    notify(users, "chase", title, body=message, instance=instance)
    _add_event(instance, "chased", actor, from_state=state.key, to_state=state.key, reason=message or None,
               summary=f"催办「{state.label}」（{len(open_tasks)} 项待办）")
    record("workflow", "instance.chased", title, actor=actor, obj=instance, data={"message": message})
    db.session.flush()
    return len(users)


def cancel(instance: ProcessInstance, actor, reason: str) -> None:
    """End an instance early (e.g. its business object was withdrawn or deleted)."""
    if not (reason or "").strip():
        raise ValidationFailed("撤销流程必须填写理由", code="reason_required", fields={"reason": ["请填写理由"]})
    if not instance.is_active:
        raise Conflict("该流程已结束")
    process = process_for(instance)
    _lock(instance, None, actor)
    now = utcnow()
    for t in current_tasks(instance):
        if t.is_open:
            t.status = TaskStatus.CANCELLED
    from_state = instance.state
    instance.status = InstanceStatus.CANCELLED
    instance.completed_at = now
    _add_event(instance, "cancelled", actor, from_state=from_state, to_state=from_state, reason=reason,
               summary="流程已撤销")
    record("workflow", "instance.cancelled", f"撤销{process.label}：{instance.title}", actor=actor,
           obj=instance, data={"reason": reason})
    db.session.flush()
    _run_hooks(TransitionEvent(instance, process, "cancelled", from_state, from_state, actor, reason=reason))


# --- internals ---------------------------------------------------------------------------------

def actor_name(actor) -> str:
    return getattr(actor, "display_name", None) or getattr(actor, "username", None) or "系统"


def _task_for(instance, process, transition, actor, task, key) -> WorkflowTask | None:
    if task is not None:
        if task.instance_id != instance.id or task.state != instance.state or task.entry != instance.entry:
            _refuse(instance, actor, key, 409, "task_not_current", "该待办不属于当前步骤，请刷新后重试")
        if not task.is_open:
            raise Conflict("该待办已被他人办理，请刷新后重试", code="task_done")
    if transition.by is not None:
        if not may_perform_by(actor, transition.by, instance, process):
            _refuse(instance, actor, key, 403, "forbidden", f"您不能在此步骤执行「{transition.label}」")
        return task if task is not None and can_act_on_task(actor, task) else None
    if task is None:
        mine = [t for t in current_tasks(instance) if can_act_on_task(actor, t)]
        if not mine:
            done = any(t.completed_by_id == getattr(actor, "id", None) for t in current_tasks(instance))
            if done:
                raise Conflict("您已办理过此步骤", code="task_done")
            _refuse_if_excluded(instance, process, actor, key,
                                [t for t in current_tasks(instance) if t.is_open])
            _refuse(instance, actor, key, 403, "forbidden",
                    f"您不是「{process.states[instance.state].label}」的办理人，不能执行「{transition.label}」")
        return mine[0]
    if not can_act_on_task(actor, task):
        _refuse_if_excluded(instance, process, actor, key, [task])
        _refuse(instance, actor, key, 403, "forbidden", "您不是该待办的办理人")
    return task


def _refuse_if_excluded(instance, process, actor, key, tasks) -> None:
    if any(t.excluded_user_id is not None and t.excluded_user_id == getattr(actor, "id", None) for t in tasks):
        _refuse(instance, actor, key, 403, "excluded",
                f"按回避规定，您不能办理「{process.states[instance.state].label}」（例如不能审核自己提交的事项）")


def _lock(instance: ProcessInstance, task: WorkflowTask | None, actor) -> None:
    """Conditional UPDATEs: exactly one of two concurrent actions on an instance or task gets through."""
    try:
        won = db.session.execute(
            sa.update(ProcessInstance).where(ProcessInstance.id == instance.id,
                                             ProcessInstance.version == instance.version)
            .values(version=ProcessInstance.version + 1).execution_options(synchronize_session=False)
        ).rowcount == 1
        if won and task is not None:
            won = db.session.execute(
                sa.update(WorkflowTask).where(WorkflowTask.id == task.id, WorkflowTask.version == task.version,
                                              WorkflowTask.status == TaskStatus.OPEN)
                .values(version=WorkflowTask.version + 1).execution_options(synchronize_session=False)
            ).rowcount == 1
    except OperationalError as exc:  # SQLite: another writer committed after this one read
        if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
            raise
        won = False
    if not won:
        raise Conflict("该事项刚刚已被他人处理，请刷新后重试", code="concurrent_update")
    set_committed_value(instance, "version", instance.version + 1)
    if task is not None:
        set_committed_value(task, "version", task.version + 1)


def _refuse(instance, actor, key, status, code, message):
    """Roll back, audit the refused action, commit that entry, raise."""
    db.session.rollback()
    record("workflow", "transition.refused", f"拒绝办理：{message}", actor=actor,
           object_type="process_instance", object_id=instance.id, data={"transition": key, "code": code})
    db.session.commit()
    raise PermissionDenied(message, code=code) if status == 403 else Conflict(message, code=code)


def _finish_task(task: WorkflowTask, actor, key: str, reason: str | None, now: datetime) -> None:
    task.status = TaskStatus.DONE
    task.outcome = key
    task.comment = reason
    task.completed_at = now
    task.completed_by_id = getattr(actor, "id", None)


def _join_outcome(process: ProcessDef, state: State, instance) -> Transition | None:
    """会签 complete: the first transition (in definition order) any participant chose."""
    chosen = {t.outcome for t in current_tasks(instance) if t.status == TaskStatus.DONE}
    return next((t for t in process.transitions_from(state.key) if t.key in chosen), None)


def _choose_branch(process: ProcessDef, transition: Transition, instance) -> str:
    for branch in transition.branches:
        if branch.when is None or evaluate(branch.when, instance.data or {}):
            return branch.state
    raise ValidationFailed(f"「{transition.label}」没有满足条件的去向，请检查填写的内容", code="no_branch")


def _apply_clock(instance, process, transition, calendar: WorkCalendar, now) -> None:
    if transition.clock is None:
        return
    if transition.clock == "stop":
        instance.deadline_at = None
    elif transition.clock == "restart":
        instance.deadline_at = calendar.due_at(now, process.deadline_working_days)
    else:
        base = instance.deadline_at or now
        instance.deadline_at = calendar.extend(base, transition.clock["extend_working_days"])
    instance.deadline_notified_at = None


def _move(instance, process, state, target, transition, actor, reason, changes, task, calendar, now):
    for t in current_tasks(instance):
        if t.is_open and (task is None or t.id != task.id):
            t.status = TaskStatus.CANCELLED
    target_state = process.states[target]
    instance.state = target
    instance.entry += 1
    summary = f"{state.label} →「{transition.label}」→ {target_state.label}"
    _add_event(instance, "transition", actor, transition=transition.key, from_state=state.key,
               to_state=target, task=task, reason=reason, changes=changes, summary=summary)
    # the step is recorded (audit) and told (notices) once, after the hooks: see core.signals.Step
    step = Step("workflow", "instance.transition", f"{process.name}：{instance.title}：{summary}", actor=actor,
                obj=instance, data={"transition": transition.key, "from": state.key, "to": target,
                                    "reason": reason, "changes": changes})
    starter = instance.started_by
    if target_state.final:
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = now
        step.notices.append(partial(notify, [starter], "completed",
                                    f"已办结：{process.name}·{instance.title}（{target_state.label}）",
                                    instance=instance))
    else:
        if transition.kind == "return" and starter is not None and starter.id != getattr(actor, "id", None):
            step.notices.append(partial(notify, [starter], "returned", f"被退回：{process.name}·{instance.title}",
                                        body=reason or "", instance=instance))
        _create_tasks(instance, process, target_state, actor, calendar, now, step=step)
    db.session.flush()
    _run_hooks(TransitionEvent(instance, process, "transition", state.key, target, actor, transition,
                               reason, changes, step=step))
    take_step(step)


def _create_tasks(instance, process: ProcessDef, state: State, actor, calendar, now,
                  step: Step | None = None) -> list[WorkflowTask]:
    who = process.assignee_of(state)
    rule = next((r for r in state.due if r.when is None or evaluate(r.when, instance.data or {})), None)
    days = rule.working_days if rule else None
    if instance.process_key in _due_policies:
        days = _due_policies[instance.process_key](instance, state.key, days)
    due = calendar.due_at(now, days) if days is not None else None
    remind = calendar.remind_at(due, state.remind_before) if due and state.remind_before is not None else None
    escalate = None
    if due and state.escalate is not None:
        escalate = calendar.extend(due, state.escalate.after_working_days) \
            if state.escalate.after_working_days else due
    excluded = _resolve_user(state.exclude, instance, process, state, required=False) if state.exclude else None
    base = {"instance_id": instance.id, "state": state.key, "entry": instance.entry, "due_at": due,
            "remind_at": remind, "escalate_at": escalate, "created_at": now,
            "excluded_user_id": excluded.id if excluded is not None else None}
    tasks = []
    if who.user:
        user = _resolve_user(who.user, instance, process, state)
        tasks.append(WorkflowTask(assignee_id=user.id, **base))
    elif who.users:
        from eduplatform.accounts.models import User

        ids = (instance.data or {}).get(who.users[6:]) or []
        users = db.session.scalars(db.select(User).where(User.id.in_(ids))).all()
        tasks += [WorkflowTask(assignee_id=u.id, **base) for u in users]
    elif who.orgs:
        tasks += [WorkflowTask(candidate_role=who.role, candidate_org_id=o.id, candidate_above=who.and_above, **base)
                  for o in assignment.resolve_orgs(who.orgs, instance)]
    else:
        org = assignment.resolve_org(who.org, instance, label=f"「{state.label}」的办理")
        tasks.append(WorkflowTask(candidate_role=who.role, candidate_org_id=org.id if org else None,
                                  candidate_above=who.and_above and org is not None, **base))
    if not tasks:
        field_name = (who.users or who.orgs)[6:]
        raise ValidationFailed(f"「{state.label}」没有办理人：请先填写「{process.fields[field_name].label}」",
                               code="no_assignee", fields={field_name: ["请至少选择一个"]})
    db.session.add_all(tasks)
    db.session.flush()
    actor_id = getattr(actor, "id", None)
    for task in tasks:  # whoever's own action made the task needs no notice of it
        tell = partial(notify, [u for u in task_users(task) if u.id != actor_id], "task",
                       f"新待办：{process.name}·{state.label}：{instance.title}", instance=instance, task=task)
        if step is not None:
            step.notices.append(tell)
        else:
            tell()
    return tasks


def _resolve_user(selector: str, instance, process, state, *, required: bool = True):
    from eduplatform.accounts.models import User

    if selector == "starter":
        user = instance.started_by
    elif selector.startswith("actor_of:"):
        user = actor_of(instance, selector[9:])
    else:
        value = (instance.data or {}).get(selector[6:])
        user = db.session.get(User, value) if isinstance(value, int) else None
    if user is None and not required:
        return None
    if user is None:
        hint = f"请先填写「{process.fields[selector[6:]].label}」" if selector.startswith("field:") else selector
        raise ValidationFailed(f"「{state.label}」没有办理人：{hint}", code="no_assignee")
    return user


def task_users(task: WorkflowTask, cache: dict | None = None) -> list:
    """The people a task is waiting for (its assignee, or everyone in its pool).

    ``cache`` (a dict kept by the caller) saves looking the same pool up again in a long run.
    """
    if task.assignee_id is not None:
        return [task.assignee]

    def pool(role, org_id):
        if cache is None:
            return assignment.pool_users(role, org_id)
        if (role, org_id) not in cache:
            cache[(role, org_id)] = assignment.pool_users(role, org_id)
        return cache[(role, org_id)]

    users = list(pool(task.candidate_role, task.candidate_org_id)) if task.candidate_role else []
    if task.escalated_role:
        users += pool(task.escalated_role, task.escalated_org_id)
    return [u for u in users if u.id != task.excluded_user_id]


def _add_event(instance, kind, actor, *, transition=None, from_state=None, to_state=None, task=None,
               reason=None, changes=None, summary="") -> WorkflowEvent:
    event = WorkflowEvent(instance_id=instance.id, kind=kind, transition=transition, from_state=from_state,
                          to_state=to_state, actor_id=getattr(actor, "id", None),
                          actor_name=getattr(actor, "username", None), task_id=getattr(task, "id", None),
                          reason=reason, changes=changes or {}, summary=summary[:500])
    db.session.add(event)
    return event


def _run_hooks(event: TransitionEvent) -> None:
    for hook in _hooks.get(event.process.key, []):
        hook(event)


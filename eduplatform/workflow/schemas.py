"""API shapes: tasks with what can be done on them, instances with their event flow, notices,
calendar days, and the inputs of transitions and calendar edits."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from eduplatform.accounts.models import Role
from eduplatform.core.api import BoundedInteger, Id, one_of
from eduplatform.core.db import utcnow
from eduplatform.workflow import engine
from eduplatform.workflow.models import DayKind


def _process(obj):
    instance = getattr(obj, "instance", obj)
    process = engine.process_for(instance)
    return {"key": process.key, "version": process.version, "name": process.name}


def _state_label(task):
    return engine.process_for(task.instance).states[task.state].label


def _candidate(task):
    if task.candidate_role is None:
        return None
    return {"role": task.candidate_role, "role_label": Role(task.candidate_role).label,
            "org": task.candidate_org.name if task.candidate_org else None}


def available_payload(available: engine.Available, instance) -> dict:
    process = engine.process_for(instance)
    state = process.states[instance.state]
    t = available.transition
    return {
        "key": t.key, "label": t.label, "kind": t.kind, "reason": t.reason,
        "reason_required": available.reason_required,
        "task_id": available.task.id if available.task else None, "version": available.version,
        "to": [process.states[s].label for s in available.targets],
        "editable": [{"name": n, "label": process.fields[n].label, "type": process.fields[n].type,
                      "options": list(process.fields[n].options)} for n in process.editable_fields(state, t)],
        "requires": list(t.requires),
    }


class TaskSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    process = fields.Function(_process)
    title = fields.Function(lambda t: t.instance.title)
    state = fields.String()
    state_label = fields.Function(_state_label)
    status = fields.Function(lambda t: t.status.value)
    assignee = fields.Function(lambda t: t.assignee.username if t.assignee else None)
    candidate = fields.Function(_candidate)
    org = fields.Function(lambda t: t.instance.org.name)
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(lambda t: t.is_overdue(utcnow()))
    completed_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    version = fields.Integer()
    url = fields.Function(lambda t: engine.subject_url(t.instance) or f"/workflow/instances/{t.instance_id}")


class EventSchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    kind = fields.String()
    transition = fields.String(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    actor = fields.String(attribute="actor_name", allow_none=True)
    reason = fields.String(allow_none=True)
    changes = fields.Dict()
    summary = fields.String()


class InstanceSchema(Schema):
    id = fields.Integer()
    process = fields.Function(_process)
    title = fields.String()
    subject_type = fields.String(allow_none=True)
    subject_id = fields.String(allow_none=True)
    org = fields.Function(lambda i: {"code": i.org.code, "name": i.org.name})
    state = fields.String()
    state_label = fields.Function(lambda i: engine.process_for(i).states[i.state].label)
    status = fields.Function(lambda i: i.status.value)
    data = fields.Dict()
    version = fields.Integer()
    started_by = fields.Function(lambda i: i.started_by.username if i.started_by else None)
    started_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    deadline_at = fields.DateTime(allow_none=True)


class NoticeSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    instance_id = fields.Integer(allow_none=True, attribute="object_id")
    task_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class CalendarDaySchema(Schema):
    day = fields.Date()
    kind = fields.Function(lambda d: d.kind.value)
    kind_label = fields.Function(lambda d: d.kind.label)
    name = fields.String()


class TransitionInputSchema(Schema):
    version = fields.Integer(required=True, metadata={"description": "待办（或实例）的 version，用于并发控制"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    data = fields.Dict(load_default=dict, metadata={"description": "本步骤可编辑的表单字段"})


# --- query args ----------------------------------------------------------------------------------

class ProcessVersionArgsSchema(Schema):
    version = BoundedInteger(min=1, load_default=None, metadata={"description": "流程定义版本（默认最新）"})


class TaskListArgsSchema(Schema):
    list = fields.String(load_default="todo", validate=one_of(["todo", "done"]))
    process = fields.String(load_default=None)


class CalendarYearArgsSchema(Schema):
    year = BoundedInteger(min=2000, max=2100, load_default=None)


class WorkingDaysArgsSchema(Schema):
    start = fields.Date(required=True, error_messages={"required": "请提供 start", "invalid": "日期格式应为 YYYY-MM-DD"})
    days = BoundedInteger(min=0, max=365, required=True, error_messages={"required": "请提供 days"})


class ChaseInputSchema(Schema):
    message = fields.String(load_default="", validate=validate.Length(max=500))


class NoticeReadSchema(Schema):
    ids = fields.List(Id(), load_default=None, allow_none=True)


class CalendarDayFormSchema(Schema):
    """The calendar page's form: the day with its kind, the name optional."""

    day = fields.Date(required=True, error_messages={"required": "请填写日期", "invalid": "日期格式应为 YYYY-MM-DD"})
    kind = fields.Enum(DayKind, by_value=True, required=True,
                       error_messages={"required": "请选择类型", "unknown": "请选择类型"})
    name = fields.String(load_default="", validate=validate.Length(max=64))


class CalendarDayInputSchema(Schema):
    kind = fields.Enum(DayKind, by_value=True, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))

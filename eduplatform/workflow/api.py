"""REST API: process definitions and diagrams, the caller's tasks, instances and their transitions,
notices, and the working-day calendar."""

from __future__ import annotations

from datetime import date

from flask import Response, request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_json, make_api_blueprint, paginated
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.workflow import bpmn, engine, modelling, notices, registry, services
from eduplatform.workflow.calendar import WorkCalendar
from eduplatform.workflow.models import WorkflowTask
from eduplatform.workflow.permissions import (
    can_edit_calendar,
    can_view_instance,
    can_view_processes,
    can_view_task,
)
from eduplatform.workflow.schemas import (
    CalendarDayInputSchema,
    CalendarDaySchema,
    CalendarYearArgsSchema,
    ChaseInputSchema,
    EventSchema,
    InstanceSchema,
    NoticeReadSchema,
    NoticeSchema,
    ProcessVersionArgsSchema,
    TaskListArgsSchema,
    TaskSchema,
    TransitionInputSchema,
    WorkingDaysArgsSchema,
    available_payload,
)
from eduplatform.workflow.tasks import done_query, todo_query

bp = make_api_blueprint("workflow_api", __name__)


def _version_arg() -> int | None:
    return load_args(ProcessVersionArgsSchema())["version"]


def _process(key: str):
    require(can_view_processes(current_user), action="process.read")
    return registry.get_process(key, _version_arg())


# --- definitions -------------------------------------------------------------------------------

@bp.get("/processes")
@login_required
def list_processes():
    """Process definitions (newest version of each), with all versions known.
    ---
    get:
      responses:
        200:
          description: "{items: [{key, version, versions, name, description, states, lanes}]}"
    """
    require(can_view_processes(current_user), action="process.list")
    items = []
    for process in registry.latest_processes():
        item = modelling.process_summary(process)
        item["versions"] = registry.versions_of(process.key)
        items.append(item)
    return {"items": items}


@bp.get("/processes/<key>")
@login_required
def get_process(key):
    """One definition: fields, lanes, steps, transitions, and the laid-out diagram (nodes, edges, lanes).
    ---
    get:
      parameters:
        - {in: query, schema: ProcessVersionArgsSchema}
      responses:
        200:
          description: 流程定义与图数据
    """
    process = _process(key)
    steps, rows = modelling.form_matrix(process)
    return {
        **modelling.process_summary(process),
        "fields": [{"name": f.name, "label": f.label, "type": f.type, "options": list(f.options)}
                   for f in process.fields.values()],
        "lanes": [{"key": lane.key, "label": lane.label, "role": lane.role, "org": lane.org}
                  for lane in process.lanes.values()],
        "steps": modelling.describe_steps(process),
        "form_relations": {"steps": [s.key for s in steps],
                           "fields": {f.name: cells for f, cells in rows}},
        "diagram": bpmn.build_diagram(process).as_dict(),
    }


@bp.get("/processes/<key>/bpmn")
@login_required
def export_bpmn(key):
    """The definition as BPMN 2.0 XML with lanes and diagram layout (opens in a BPMN modeller).
    ---
    get:
      parameters:
        - {in: query, schema: ProcessVersionArgsSchema}
      responses:
        200:
          description: BPMN 2.0 XML
          content:
            application/xml: {}
    """
    process = _process(key)
    filename = f"{process.key}-v{process.version}.bpmn"
    return Response(bpmn.to_bpmn(process), mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/processes/division")
@login_required
def division():
    """The division of labour (分工组成树): org levels → posts (roles) → duties in every process.
    ---
    get:
      responses:
        200:
          description: "{items: [{level, label, units, posts: [{role, role_label, lanes, duties}]}]}"
    """
    require(can_view_processes(current_user), action="process.division")
    levels = modelling.division_tree(registry.latest_processes())
    return {"items": [{
        "level": level.key, "label": level.label, "units": level.units,
        "posts": [{"role": p.role, "role_label": p.role_label, "lanes": p.lanes,
                   "duties": [d.__dict__ for d in p.duties]} for p in level.posts.values()],
    } for level in levels]}


# --- tasks -------------------------------------------------------------------------------------

def _task_payload(task: WorkflowTask, *, with_transitions: bool) -> dict:
    body = TaskSchema().dump(task)
    body["transitions"] = []
    if with_transitions:
        body["transitions"] = [available_payload(a, task.instance)
                               for a in engine.available_transitions(task.instance, current_user)
                               if a.task is None or a.task.id == task.id]
    return body


@bp.get("/tasks")
@login_required
def list_tasks():
    """The caller's to-do list (待办, default) or done list (已办), with the transitions available.
    ---
    get:
      parameters:
        - {in: query, schema: TaskListArgsSchema}
        - {name: page, in: query, schema: {type: integer}}
        - {name: per_page, in: query, schema: {type: integer}}
      responses:
        200:
          description: 分页 {items, page, per_page, total, pages}；待办项含 transitions（可执行的操作及其 version）
    """
    args = load_args(TaskListArgsSchema())
    which, process_key = args["list"], args["process"]
    query = (todo_query if which == "todo" else done_query)(current_user, process_key)
    return paginated(query, lambda task: _task_payload(task, with_transitions=which == "todo"))


def _task(task_id: int) -> WorkflowTask:
    task = db.session.get(WorkflowTask, task_id)
    if task is None:
        raise NotFound("待办不存在")
    require(can_view_task(current_user, task), action="task.read", obj=task.instance)
    return task


@bp.get("/tasks/<int:task_id>")
@login_required
def get_task(task_id):
    """One task, with the transitions the caller can perform on it.
    ---
    get:
      responses:
        200:
          description: 待办详情
    """
    task = _task(task_id)
    return _task_payload(task, with_transitions=True)


@bp.post("/tasks/<int:task_id>/transitions/<key>")
@login_required
def perform_task_transition(task_id, key):
    """Perform a transition on a task (send the task's `version`); 409 when someone was first.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: TransitionInputSchema
      responses:
        200:
          description: 办理后的流程实例
        403:
          description: 不是该待办的办理人
        409:
          description: 状态不允许、条件不满足，或已被他人办理（version 过期）
        422:
          description: 缺少理由或表单有误
    """
    task = _task(task_id)
    data = load_json(TransitionInputSchema())
    instance = engine.perform(task.instance, key, actor=current_user, reason=data["reason"], data=data["data"],
                              task=task, expected_version=data["version"])
    db.session.commit()
    return InstanceSchema().dump(instance)


# --- instances ---------------------------------------------------------------------------------

def _instance(instance_id: int):
    instance = engine.get_instance(instance_id)
    require(can_view_instance(current_user, instance), action="instance.read", obj=instance)
    return instance


@bp.get("/instances/<int:instance_id>")
@login_required
def get_instance(instance_id):
    """An instance: its form, its event flow (事件流), open tasks and what the caller can do.
    ---
    get:
      responses:
        200:
          description: 流程实例详情
    """
    instance = _instance(instance_id)
    body = InstanceSchema().dump(instance)
    body["events"] = EventSchema(many=True).dump(engine.events(instance))
    body["tasks"] = TaskSchema(many=True).dump(engine.current_tasks(instance))
    body["transitions"] = [available_payload(a, instance)
                           for a in engine.available_transitions(instance, current_user)]
    return body


@bp.post("/instances/<int:instance_id>/transitions/<key>")
@login_required
def perform_instance_transition(instance_id, key):
    """Perform a transition that needs no task (e.g. the starter's 撤回); send the instance `version`.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: TransitionInputSchema
      responses:
        200:
          description: 办理后的流程实例
    """
    instance = _instance(instance_id)
    data = load_json(TransitionInputSchema())
    available = {a.transition.key: a for a in engine.available_transitions(instance, current_user)}
    task = available[key].task if key in available else None
    engine.perform(instance, key, actor=current_user, reason=data["reason"], data=data["data"], task=task,
                   expected_version=data["version"])
    db.session.commit()
    return InstanceSchema().dump(instance)


@bp.post("/instances/<int:instance_id>/chase")
@login_required
def chase_instance(instance_id):
    """催办: notify the current step's holders (starter, or the step's supervising lane).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ChaseInputSchema
      responses:
        200:
          description: "{notified: n}"
    """
    instance = _instance(instance_id)
    data = load_json(ChaseInputSchema())
    notified = engine.chase(instance, current_user, data["message"])
    db.session.commit()
    return {"notified": notified}


# --- notices -----------------------------------------------------------------------------------

@bp.get("/notices")
@login_required
def list_notices():
    """The caller's notice inbox (通知), newest first; `unread=1` for unread only.
    ---
    get:
      parameters:
        - {name: unread, in: query, schema: {type: integer}}
        - {name: page, in: query, schema: {type: integer}}
      responses:
        200:
          description: 分页 {items, page, per_page, total, pages, unread}
    """
    unread_only = request.args.get("unread") in ("1", "true")
    return paginated(notices.inbox_query(current_user, unread_only=unread_only), NoticeSchema(),
                     unread=notices.unread_count(current_user))


@bp.post("/notices/read")
@login_required
def read_notices():
    """Mark notices read: the given `ids`, or all of the caller's.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: NoticeReadSchema
      responses:
        200:
          description: "{marked: n}"
    """
    data = load_json(NoticeReadSchema())
    marked = notices.mark_read(current_user, data["ids"])
    db.session.commit()
    return {"marked": marked}


# --- calendar ----------------------------------------------------------------------------------

def _date(value: str, name: str = "day") -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", fields={name: ["日期格式应为 YYYY-MM-DD"]}) from None


@bp.get("/calendar")
@login_required
def calendar_list():
    """Holidays and make-up working days (调休) of a year (default: this year).
    ---
    get:
      parameters:
        - {in: query, schema: CalendarYearArgsSchema}
      responses:
        200:
          description: "{year, items: [{day, kind, kind_label, name}]}"
    """
    require(can_view_processes(current_user), action="calendar.read")
    year = load_args(CalendarYearArgsSchema())["year"] or date.today().year
    return {"year": year, "items": CalendarDaySchema(many=True).dump(services.calendar_days(year))}


@bp.get("/calendar/working-days")
@login_required
def working_days():
    """The date `days` working days after `start` (the start day itself not counted).
    ---
    get:
      parameters:
        - {in: query, schema: WorkingDaysArgsSchema}
      responses:
        200:
          description: "{start, days, date}"
    """
    require(can_view_processes(current_user), action="calendar.read")
    args = load_args(WorkingDaysArgsSchema())
    start, days = args["start"], args["days"]
    result = WorkCalendar.load().add_working_days(start, days)
    return {"start": start.isoformat(), "days": days, "date": result.isoformat()}


@bp.put("/calendar/<day>")
@login_required
def calendar_set(day):
    """Set a day as holiday or make-up working day (system administrator).
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: CalendarDayInputSchema
      responses:
        200:
          description: 已保存
    """
    require(can_edit_calendar(current_user), action="calendar.edit")
    data = load_json(CalendarDayInputSchema())
    row = services.set_calendar_day(current_user, _date(day), data["kind"], data["name"])
    db.session.commit()
    return CalendarDaySchema().dump(row)


@bp.delete("/calendar/<day>")
@login_required
def calendar_delete(day):
    """Remove a calendar exception: the day follows the weekday rule again (system administrator).
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    require(can_edit_calendar(current_user), action="calendar.edit")
    services.remove_calendar_day(current_user, _date(day))
    db.session.commit()
    return "", 204

"""HTML pages: 待办/已办, instances (form, actions, event flow, diagram), notices, process models,
the division of labour, and the working-day calendar."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.accounts.models import SOLE_ROLES, Role, User
from eduplatform.core.api import load_args, load_form
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.workflow import bp, bpmn, engine, forms, modelling, notices, registry, services
from eduplatform.workflow.models import DayKind, TaskStatus, WorkflowTask
from eduplatform.workflow.permissions import can_edit_calendar, can_view_instance, can_view_processes
from eduplatform.workflow.schemas import (
    CalendarDayFormSchema,
    CalendarYearArgsSchema,
    ProcessVersionArgsSchema,
)
from eduplatform.workflow.tasks import done_query, todo_query


@bp.app_context_processor
def inject_counts():
    """Counts for the top bar (to-do and unread notices) of the logged-in user."""
    if not getattr(current_user, "is_authenticated", False) or not can_view_processes(current_user):
        return {}
    from eduplatform.workflow.tasks import todo_count

    context = {"wf_todo_count": todo_count(current_user), "wf_unread_count": notices.total_unread(current_user)}
    queue = _todo_position(request.args.get("todo", type=int))
    if queue is not None:
        context["todo_nav"] = queue
    return context


#: how far into the to-do list ``?todo=`` navigation looks (ids only)
QUEUE_LIMIT = 500


def _todo_position(task_id: int | None) -> dict | None:
    """Where an opened to-do stands in the user's list (the order of 待办): its neighbours for 上一件 /
    下一件. None when the page was not opened from the list or the task is no longer the user's."""
    if not task_id:
        return None
    ids = db.session.scalars(todo_query(current_user).with_only_columns(WorkflowTask.id).limit(QUEUE_LIMIT)).all()
    if task_id not in ids:
        return None
    at = ids.index(task_id)
    return {"position": at + 1, "total": len(ids), "task_id": task_id,
            "prev": ids[at - 1] if at > 0 else None, "next": ids[at + 1] if at + 1 < len(ids) else None}


def _with_todo(url: str, task_id: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}todo={task_id}"


@bp.after_app_request
def continue_the_queue(response):
    """A form sent from a page opened from the to-do list carries ``todo`` (and ``todo_next``, added
    by the page's script). Once the action has closed that to-do, the domain's redirect goes on to
    the next one instead of back to the object; while it is still open, the queue bar stays."""
    # only the pages' plain forms: a multipart upload's body was streamed by its view, not parsed
    if (request.method != "POST" or response.status_code not in (302, 303)
            or request.mimetype != "application/x-www-form-urlencoded"):
        return response
    task_id = request.form.get("todo", type=int)
    if not task_id or not getattr(current_user, "is_authenticated", False):
        return response
    task = db.session.get(WorkflowTask, task_id)
    if task is None:
        return response
    db.session.refresh(task)  # the action committed: read the task as it is now
    location = response.headers.get("Location", "")
    if task.is_open:
        if "todo=" not in location:
            response.headers["Location"] = _with_todo(location, task_id)
        return response
    next_id = request.form.get("todo_next", type=int)
    queue = _todo_position(next_id) if next_id else None
    response.headers["Location"] = (url_for("workflow.task_detail", task_id=next_id) if queue is not None
                                     else url_for("workflow.task_list"))
    return response


# --- to-do and done ----------------------------------------------------------------------------

@bp.get("/tasks")
@login_required
def task_list():
    which = request.args.get("list", "todo")
    if which not in ("todo", "done"):
        which = "todo"
    query = (todo_query if which == "todo" else done_query)(current_user)
    page = db.paginate(query, per_page=20, error_out=False)
    rows = [(t, engine.process_for(t.instance), engine.subject_url(t.instance)) for t in page.items]
    return render_template("workflow/tasks.html", which=which, page=page, rows=rows)


@bp.get("/tasks/<int:task_id>")
@login_required
def task_detail(task_id):
    task = db.session.get(WorkflowTask, task_id)
    if task is None:
        raise NotFound("待办不存在")
    require(can_view_instance(current_user, task.instance), action="task.read", obj=task.instance)
    # The thing under review is where the reviewer works: the object's own page (file preview,
    # the school's data …) with its actions; the process page for objects that have none.
    url = (engine.subject_url(task.instance) if task.is_open else None) or \
        url_for("workflow.instance_detail", instance_id=task.instance_id)
    return redirect(_with_todo(url, task.id) if task.is_open else url)


# --- instances ---------------------------------------------------------------------------------

def _instance(instance_id: int):
    instance = engine.get_instance(instance_id)
    require(can_view_instance(current_user, instance), action="instance.read", obj=instance)
    return instance


def _choices(process, instance, name: str) -> list[tuple[int, str]]:
    """What a unit or person field may pick from: the instance's own bureau or school."""
    f = process.fields[name]
    home = instance.org.owning_bureau_or_school
    if f.type in ("org", "orgs"):
        query = db.select(OrgUnit).where(OrgUnit.path.startswith(home.path)).order_by(OrgUnit.code)
        if f.org_type == OrgType.DEPARTMENT.value:
            query = db.select(OrgUnit).where(OrgUnit.parent_id == home.id,
                                             OrgUnit.type == OrgType.DEPARTMENT).order_by(OrgUnit.code)
        elif f.org_type:
            query = query.where(OrgUnit.type == OrgType(f.org_type))
        return [(u.id, u.name) for u in db.session.scalars(query)]
    units = db.select(OrgUnit.id).where(sa.or_(OrgUnit.id == home.id, sa.and_(
        OrgUnit.parent_id == home.id, OrgUnit.type == OrgType.DEPARTMENT)))
    users = db.session.scalars(db.select(User).where(User.org_id.in_(units), User.is_active_account.is_(True))
                               .order_by(User.org_id, User.id))
    return [(u.id, f"{u.display_name}（{u.org.name}）") for u in users if not u.roles & SOLE_ROLES]


@bp.get("/workflow/instances/<int:instance_id>")
@login_required
def instance_detail(instance_id):
    instance = _instance(instance_id)
    if notices.mark_read(current_user, instance_id=instance.id):
        db.session.commit()  # opening the item reads its notices
    process = engine.process_for(instance)
    state = process.states[instance.state]
    available = engine.available_transitions(instance, current_user)
    choices = {name: _choices(process, instance, name) for a in available
               for name in process.editable_fields(state, a.transition)
               if process.fields[name].type in ("org", "orgs", "user", "users")}
    values = {name: forms.display(process, name, value) for name, value in (instance.data or {}).items()}
    tasks = engine.current_tasks(instance)
    may_chase = instance.is_active and any(t.is_open for t in tasks) and (
        instance.started_by_id == current_user.id or (
            state.chase_by is not None and engine.may_perform_by(current_user, state.chase_by, instance, process)))
    current = bpmn.node_id(instance.state, state.final)
    flow = engine.events(instance)
    changes = {e.id: [(process.fields[n].label if n in process.fields else n,
                       _short(forms.display(process, n, pair[1]))) for n, pair in e.changes.items()]
               for e in flow if e.changes}
    task_actions = [a for a in available if a.task is not None]
    action_fields = []
    for a in task_actions:
        action_fields += [n for n in process.editable_fields(state, a.transition) if n not in action_fields]
    return render_template("workflow/instance.html", instance=instance, process=process, state=state,
                           task_actions=task_actions, free_actions=[a for a in available if a.task is None],
                           action_fields=action_fields, role_label=lambda r: Role(r).label, choices=choices, values=values, tasks=tasks,
                           events=flow, changes=changes, may_chase=may_chase, current_node=current,
                           subject_url=engine.subject_url(instance), TaskStatus=TaskStatus)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _form_data(process, state, transition) -> dict:
    data = {}
    for name in process.editable_fields(state, transition):
        f = process.fields[name]
        if f.type in ("orgs", "users"):
            if f"{name}__present" in request.form:
                data[name] = [int(v) for v in request.form.getlist(name) if v.isdigit()]
        elif f.type == "boolean":
            if f"{name}__present" in request.form:
                data[name] = name in request.form
        elif name in request.form:
            data[name] = request.form.get(name, "").strip()
    return data


@bp.post("/workflow/instances/<int:instance_id>/transitions/<key>")
@login_required
def instance_transition(instance_id, key):
    instance = _instance(instance_id)
    process = engine.process_for(instance)
    state = process.states[instance.state]
    transition = process.transition(instance.state, key)
    task_id = request.form.get("task_id", "")
    task = db.session.get(WorkflowTask, int(task_id)) if task_id.isdigit() else None
    version = request.form.get("version", "")
    data = _form_data(process, state, transition) if transition else {}
    engine.perform(instance, key, actor=current_user, reason=request.form.get("reason"), data=data, task=task,
                   expected_version=int(version) if version.isdigit() else None)
    db.session.commit()
    flash(f"已办理：{transition.label}", "success")
    return redirect(url_for("workflow.instance_detail", instance_id=instance.id))


@bp.post("/workflow/instances/<int:instance_id>/chase")
@login_required
def instance_chase(instance_id):
    instance = _instance(instance_id)
    notified = engine.chase(instance, current_user, request.form.get("message", "").strip()[:500])
    db.session.commit()
    flash(f"已催办，通知了 {notified} 人", "success")
    return redirect(url_for("workflow.instance_detail", instance_id=instance.id))


# --- process models ----------------------------------------------------------------------------

def _require_models():
    require(can_view_processes(current_user), action="process.read")


@bp.get("/processes")
@login_required
def process_list():
    _require_models()
    items = [(p, registry.versions_of(p.key)) for p in registry.latest_processes()]
    return render_template("workflow/processes.html", items=items)


def _version() -> int | None:
    try:
        return load_args(ProcessVersionArgsSchema())["version"]
    except ValidationFailed:
        return None  # a page shows the newest version rather than an error


@bp.get("/processes/<key>")
@login_required
def process_detail(key):
    _require_models()
    process = registry.get_process(key, _version())
    steps, rows = modelling.form_matrix(process)
    return render_template("workflow/process.html", process=process, steps=modelling.describe_steps(process),
                           matrix_steps=steps, matrix_rows=rows, versions=registry.versions_of(key),
                           lanes=process.lanes.values(), role_label=lambda r: Role(r).label,
                           org_label=modelling.org_label)


@bp.get("/processes/<key>.bpmn")
@login_required
def process_bpmn(key):
    _require_models()
    process = registry.get_process(key, _version())
    return Response(bpmn.to_bpmn(process), mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={process.key}-v{process.version}.bpmn"})


@bp.get("/processes/<key>/diagram.bpmn")
@login_required
def process_diagram_source(key):
    """The same XML inline, for the page's viewer."""
    _require_models()
    return Response(bpmn.to_bpmn(registry.get_process(key, _version())), mimetype="application/xml")


@bp.get("/workflow/instances/<int:instance_id>/diagram.bpmn")
@login_required
def instance_diagram_source(instance_id):
    instance = _instance(instance_id)
    return Response(bpmn.to_bpmn(engine.process_for(instance)), mimetype="application/xml")


@bp.get("/processes/division")
@login_required
def division_tree():
    _require_models()
    return render_template("workflow/division.html", levels=modelling.division_tree(registry.latest_processes()))


# --- calendar ----------------------------------------------------------------------------------

@bp.get("/workflow/calendar")
@login_required
def calendar_page():
    require(can_edit_calendar(current_user), action="calendar.read")
    try:
        year = load_args(CalendarYearArgsSchema())["year"] or date.today().year
    except ValidationFailed:
        year = date.today().year
    days = services.calendar_days(year)
    return render_template("workflow/calendar.html", year=year, days=days, kinds=list(DayKind))


@bp.post("/workflow/calendar")
@login_required
def calendar_save():
    require(can_edit_calendar(current_user), action="calendar.edit")
    data = load_form(CalendarDayFormSchema())
    day, kind = data["day"], data["kind"]
    services.set_calendar_day(current_user, day, kind, data["name"])
    db.session.commit()
    flash(f"已保存：{day.isoformat()} {kind.label}", "success")
    return redirect(url_for("workflow.calendar_page", year=day.year))


@bp.post("/workflow/calendar/<day>/delete")
@login_required
def calendar_remove(day):
    require(can_edit_calendar(current_user), action="calendar.edit")
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise NotFound("日期无效") from None
    services.remove_calendar_day(current_user, parsed)
    db.session.commit()
    flash(f"已删除 {parsed.isoformat()}，该日按周一至周五规则计算", "success")
    return redirect(url_for("workflow.calendar_page", year=parsed.year))

"""Process definitions: YAML → checked, immutable Python objects.

The structure is validated with marshmallow (unknown keys are typos and are refused); the meaning
(roles, states, fields, lanes, selectors, reachability) is checked after, and every problem is
reported at once with where it is, in Chinese. A definition that loads is one the engine can run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from eduplatform.accounts.models import SOLE_ROLES, Role
from eduplatform.core.messages import translate_message
from eduplatform.orgs.models import OrgType
from eduplatform.workflow.conditions import check_condition, describe

FIELD_TYPES = ("string", "text", "integer", "date", "boolean", "choice", "org", "orgs", "user", "users")
#: Org selectors: which unit, relative to the instance's org (the subject's) or its form.
ORG_SELECTORS = {
    "subject": "业务对象所属单位",
    "subject_school": "业务对象所在学校",
    "subject_district": "业务对象所在区县教育局",
    "subject_bureau": "业务对象所属（最近一级）教育局",
    "city": "市教育局",
    "starter_org": "发起人所在单位",
    "none": "不限单位",
}
#: User selectors: who personally, for assignees and for ``by`` on transitions.
USER_SELECTORS = ("starter",)
KEY_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"
KEY_MESSAGE = "格式不正确（小写字母开头，仅含小写字母、数字和下划线）"

class DefinitionError(ValueError):
    """A definition that cannot run; ``problems`` lists every reason, each naming where it is."""

    def __init__(self, name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"流程定义 {name} 有误：\n" + "\n".join(f"  - {p}" for p in problems))


# --- the parsed shape --------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    type: str
    options: tuple = ()
    org_type: str | None = None
    help: str = ""


@dataclass(frozen=True)
class Assignee:
    """Who works at a step: a pool (role at org), a fan-out of pools (role at each org of a field),
    one user, or a fan-out of users."""

    role: str | None = None
    org: str | None = None       # selector: one unit → one pooled task
    orgs: str | None = None      # "field:x" → one pooled task per unit (会签 by units)
    user: str | None = None      # "starter" | "field:x" | "actor_of:state"
    users: str | None = None     # "field:x" → one task per user (传阅, 会签 by people)
    and_above: bool = False      # the same role at any unit above the pool's unit may act too (上级代办)

    @property
    def fans_out(self) -> bool:
        return bool(self.orgs or self.users)

    def describe(self, process: ProcessDef) -> str:
        if self.user or self.users:
            sel = self.user or self.users
            if sel == "starter":
                return "发起人"
            if sel.startswith("field:"):
                return f"「{process.fields[sel[6:]].label}」中选定的人员"
            return f"「{process.states[sel[9:]].label}」的办理人"
        role = Role(self.role).label
        above = "（上级单位的同岗位人员也可办理）" if self.and_above else ""
        if self.orgs:
            return f"「{process.fields[self.orgs[6:]].label}」各单位的{role}{above}"
        if self.org and self.org.startswith("field:"):
            return f"「{process.fields[self.org[6:]].label}」的{role}{above}"
        return f"{ORG_SELECTORS.get(self.org or 'none', self.org)}的{role}{above}"


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    role: str
    org: str
    description: str = ""
    #: Users holding ``role`` at a unit above ``org`` may act at this lane's steps too (上级代办).
    and_above: bool = False


@dataclass(frozen=True)
class DueRule:
    working_days: int
    when: dict | None = None


@dataclass(frozen=True)
class Escalation:
    after_working_days: int
    to: str  # lane key
    reassign: bool = False


@dataclass(frozen=True)
class State:
    key: str
    label: str
    lane: str | None
    assignee: Assignee | None
    parallel: str | None = None        # "all" (会签) | "any" (抢办)
    kind: str = "task"                 # "task" | "circulate" (传阅)
    editable: tuple = ()
    reads: tuple = ()
    due: tuple = ()                    # DueRule…, first matching wins
    remind_before: int | None = None   # working days before due
    escalate: Escalation | None = None
    chase_by: str | None = None        # lane key allowed to 催办 here
    final: bool = False
    description: str = ""
    exclude: str | None = None         # "starter" | "actor_of:<state>": may not act here (回避)


@dataclass(frozen=True)
class Branch:
    state: str
    when: dict | None = None


@dataclass(frozen=True)
class Transition:
    key: str
    label: str
    sources: tuple
    branches: tuple                    # Branch…, first matching wins (an exclusive gateway)
    kind: str = "forward"              # forward | return | withdraw
    reason: str = "none"               # required | optional | none
    by: str | None = None              # None: the step's task holder; "starter"; a lane key
    requires: tuple = ()
    editable: tuple = ()
    when: dict | None = None
    limit: int | None = None
    clock: Any = None                  # "restart" | "stop" | {"extend_working_days": n}
    veto: bool = False

    @property
    def targets(self) -> list[str]:
        return [b.state for b in self.branches]


@dataclass
class ProcessDef:
    key: str
    version: int
    name: str
    description: str
    subject_org_types: tuple
    fields: dict[str, FieldDef]
    lanes: dict[str, Lane]
    states: dict[str, State]
    transitions: list[Transition]
    start: str
    deadline_working_days: int | None
    source: str
    checksum: str
    origin: str = ""
    _from: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for t in self.transitions:
            for s in t.sources:
                self._from.setdefault(s, []).append(t)

    @property
    def label(self) -> str:
        return f"{self.name}（v{self.version}）"

    def transitions_from(self, state: str) -> list[Transition]:
        return list(self._from.get(state, []))

    def transition(self, state: str, key: str) -> Transition | None:
        return next((t for t in self._from.get(state, []) if t.key == key), None)

    def lane_of(self, state: State) -> Lane | None:
        return self.lanes.get(state.lane) if state.lane else None

    def assignee_of(self, state: State) -> Assignee:
        if state.assignee is not None:
            return state.assignee
        lane = self.lanes[state.lane]
        return Assignee(role=lane.role, org=lane.org, and_above=lane.and_above)

    def editable_fields(self, state: State, transition: Transition | None = None) -> list[str]:
        names = list(state.editable)
        if transition is not None:
            names += [n for n in transition.editable if n not in names]
        return names

    def read_fields(self, state: State) -> list[str]:
        """Fields shown at a step: as declared, or every field written at a step that can come before it."""
        if state.reads:
            return list(state.reads)
        before = self.predecessors(state.key)
        written = {n for key in before for n in self.states[key].editable}
        written |= {n for t in self.transitions if set(t.sources) & before for n in t.editable}
        return [n for n in self.fields if n in written and n not in state.editable]

    def predecessors(self, key: str) -> set[str]:
        """States from which ``key`` can be reached."""
        found, todo = set(), [key]
        while todo:
            target = todo.pop()
            for t in self.transitions:
                if target in t.targets:
                    for src in t.sources:
                        if src not in found:
                            found.add(src)
                            todo.append(src)
        return found

    def condition_text(self, cond: dict | None) -> str:
        return describe(cond, self.fields)


# --- structure (marshmallow) -------------------------------------------------------------------

class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _FieldSchema(_Strict):
    label = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    options = fields.List(fields.String())
    org_type = fields.String(validate=validate.OneOf([t.value for t in OrgType]))
    help = fields.String()


class _AssigneeSchema(_Strict):
    role = fields.String()
    org = fields.String()
    orgs = fields.String()
    user = fields.String()
    users = fields.String()
    and_above = fields.Boolean()


class _LaneSchema(_Strict):
    label = fields.String(required=True)
    role = fields.String(required=True)
    org = fields.String(required=True)
    description = fields.String()
    and_above = fields.Boolean(load_default=False)


class _DueSchema(_Strict):
    working_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    when = fields.Raw()


class _EscalateSchema(_Strict):
    after_working_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    to = fields.String(required=True)
    reassign = fields.Boolean(load_default=False)


class _RemindSchema(_Strict):
    before_working_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class _StateSchema(_Strict):
    label = fields.String(required=True)
    description = fields.String()
    lane = fields.String()
    assignee = fields.Nested(_AssigneeSchema)
    parallel = fields.String(validate=validate.OneOf(["all", "any"]))
    kind = fields.String(load_default="task", validate=validate.OneOf(["task", "circulate"]))
    editable = fields.List(fields.String(), load_default=list)
    reads = fields.List(fields.String(), load_default=list)
    due = fields.Raw()
    remind = fields.Nested(_RemindSchema)
    escalate = fields.Nested(_EscalateSchema)
    chase_by = fields.String()
    final = fields.Boolean(load_default=False)
    exclude = fields.String()


class _BranchSchema(_Strict):
    state = fields.String(required=True)
    when = fields.Raw()


class _TransitionSchema(_Strict):
    key = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE))
    label = fields.String(required=True)
    from_ = fields.Raw(required=True, data_key="from")
    to = fields.Raw(required=True)
    kind = fields.String(load_default="forward", validate=validate.OneOf(["forward", "return", "withdraw"]))
    reason = fields.String(validate=validate.OneOf(["required", "optional", "none"]))
    by = fields.String()
    requires = fields.List(fields.String(), load_default=list)
    editable = fields.List(fields.String(), load_default=list)
    when = fields.Raw()
    limit = fields.Integer(strict=True, validate=validate.Range(min=1))
    clock = fields.Raw()
    veto = fields.Boolean(load_default=False)


class _DeadlineSchema(_Strict):
    working_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class _ProcessSchema(_Strict):
    key = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN, error=KEY_MESSAGE))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    name = fields.String(required=True)
    description = fields.String(load_default="")
    subject_org_type = fields.Raw()
    deadline = fields.Nested(_DeadlineSchema)
    fields_ = fields.Dict(keys=fields.String(), values=fields.Nested(_FieldSchema), data_key="fields",
                          load_default=dict)
    lanes = fields.Dict(keys=fields.String(), values=fields.Nested(_LaneSchema), required=True)
    start = fields.String(required=True)
    states = fields.Dict(keys=fields.String(), values=fields.Nested(_StateSchema), required=True)
    transitions = fields.List(fields.Nested(_TransitionSchema), required=True)


def _flatten(messages, path="") -> list[str]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            key = "" if key == "value" else str(key)  # Dict values report under "value"
            sub = f"{path}.{key}" if path and key else (key or path)
            out += _flatten(value, sub)
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{path}：{translate_message(m)}" for m in messages]
    if isinstance(messages, list):
        return [p for m in messages for p in _flatten(m, path)]
    return [f"{path}：{messages}"]


# --- loading -----------------------------------------------------------------------------------

def load_definition(source: str, origin: str = "") -> ProcessDef:
    """Parse and check one definition; raise DefinitionError listing every problem."""
    name = origin or "(文本)"
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise DefinitionError(name, [f"YAML 格式错误：{exc}"]) from exc
    if not isinstance(raw, dict):
        raise DefinitionError(name, ["顶层须为映射（key、version、states、transitions …）"])
    name = f"{raw.get('key', name)}（v{raw.get('version', '?')}）"
    try:
        data = _ProcessSchema().load(raw)
    except ValidationError as exc:
        raise DefinitionError(name, _flatten(exc.messages)) from exc
    problems: list[str] = []
    process = _build(data, source, origin, problems)
    if process is not None:
        problems += _check(process)
    if problems:
        raise DefinitionError(name, problems)
    return process


def _build(data: dict, source: str, origin: str, problems: list[str]) -> ProcessDef | None:
    field_defs = {
        n: FieldDef(name=n, label=f["label"], type=f["type"], options=tuple(f.get("options", ())),
                    org_type=f.get("org_type"), help=f.get("help", ""))
        for n, f in data["fields_"].items()
    }
    lanes = {k: Lane(key=k, label=v["label"], role=v["role"], org=v["org"],
                     description=v.get("description", ""), and_above=v["and_above"])
             for k, v in data["lanes"].items()}
    states = {}
    for key, s in data["states"].items():
        due = _due_rules(s.get("due"), f"states.{key}.due", problems)
        esc = s.get("escalate")
        states[key] = State(
            key=key, label=s["label"], lane=s.get("lane"),
            assignee=Assignee(**s["assignee"]) if s.get("assignee") else None,
            parallel=s.get("parallel"), kind=s["kind"], editable=tuple(s["editable"]),
            reads=tuple(s["reads"]), due=due,
            remind_before=s["remind"]["before_working_days"] if s.get("remind") else None,
            escalate=Escalation(**esc) if esc else None, chase_by=s.get("chase_by"),
            final=s["final"], description=s.get("description", ""), exclude=s.get("exclude"))
    transitions = []
    for i, t in enumerate(data["transitions"]):
        where = f"transitions[{i}]（{t['key']}）"
        sources = t["from_"] if isinstance(t["from_"], list) else [t["from_"]]
        if not all(isinstance(s, str) for s in sources):
            problems.append(f"{where}.from：须为状态名或状态名列表")
            continue
        branches = _branches(t["to"], where, problems)
        reason = t.get("reason") or ("required" if t["kind"] == "return" else "none")
        transitions.append(Transition(
            key=t["key"], label=t["label"], sources=tuple(sources), branches=branches, kind=t["kind"],
            reason=reason, by=t.get("by"), requires=tuple(t["requires"]), editable=tuple(t["editable"]),
            when=t.get("when"), limit=t.get("limit"), clock=t.get("clock"), veto=t["veto"]))
        if t["kind"] == "return" and t.get("reason") in ("optional", "none"):
            problems.append(f"{where}：退回必须填写理由，reason 不能设为 {t['reason']}")
    org_types = data.get("subject_org_type") or [t.value for t in OrgType if t != OrgType.DEPARTMENT]
    org_types = org_types if isinstance(org_types, list) else [org_types]
    bad_types = [t for t in org_types if t not in {o.value for o in OrgType}]
    if bad_types:
        problems.append(f"subject_org_type：未知的单位类型「{bad_types[0]}」")
    return ProcessDef(
        key=data["key"], version=data["version"], name=data["name"], description=data["description"],
        subject_org_types=tuple(org_types), fields=field_defs, lanes=lanes, states=states,
        transitions=transitions, start=data["start"],
        deadline_working_days=data["deadline"]["working_days"] if data.get("deadline") else None,
        source=source, checksum=hashlib.sha256(source.encode()).hexdigest(), origin=origin)


def _due_rules(raw, where: str, problems: list[str]) -> tuple:
    if raw is None:
        return ()
    if isinstance(raw, bool) or not isinstance(raw, (int, list)):
        problems.append(f"{where}：须为工作日数，或 [{{working_days, when}}, …] 列表")
        return ()
    if isinstance(raw, int):
        if raw < 1:
            problems.append(f"{where}：工作日数须 ≥ 1")
        return (DueRule(raw),)
    rules = []
    for i, item in enumerate(raw):
        try:
            rule = _DueSchema().load(item)
        except ValidationError as exc:
            problems += _flatten(exc.messages, f"{where}[{i}]")
            continue
        rules.append(DueRule(rule["working_days"], rule.get("when")))
    return tuple(rules)


def _branches(raw, where: str, problems: list[str]) -> tuple:
    if isinstance(raw, str):
        return (Branch(raw),)
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}.to：须为状态名，或 [{{state, when}}, …] 分支列表")
        return ()
    branches = []
    for i, item in enumerate(raw):
        try:
            b = _BranchSchema().load(item)
        except ValidationError as exc:
            problems += _flatten(exc.messages, f"{where}.to[{i}]")
            continue
        branches.append(Branch(b["state"], b.get("when")))
    return tuple(branches)


# --- meaning ------------------------------------------------------------------------------------
# Each check below covers one family of rules and appends its problems, in the order a reader
# meets them in the file: fields, lanes, start and end, each state, each transition, reachability.

_ROLES = {r.value for r in Role}


@dataclass
class _Review:
    """One definition under check: the problems found so far, and the references every family uses."""

    process: ProcessDef
    problems: list[str] = field(default_factory=list)
    #: (state, transition key) pairs already seen, to find a name used twice from one state.
    seen_transitions: set[tuple[str, str]] = field(default_factory=set)

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def field_ref(self, ref: str, types: tuple, where: str) -> None:
        name, fields_ = ref[6:], self.process.fields
        if name not in fields_:
            self.add(f"{where}：引用了未定义的字段「{name}」")
        elif fields_[name].type not in types:
            self.add(f"{where}：字段「{name}」须为 {' / '.join(types)} 类型，实为 {fields_[name].type}")

    def known_fields(self, names, where: str) -> None:
        for n in names:
            if n not in self.process.fields:
                self.add(f"{where}：引用了未定义的字段「{n}」")

    def condition(self, cond: dict | None, where: str) -> None:
        if cond is not None:
            self.problems += check_condition(cond, self.process.fields, where)

    def role(self, role: str, where: str) -> None:
        if role not in _ROLES:
            self.add(f"{where}：未知的角色「{role}」（可选：{', '.join(sorted(_ROLES))}）")
        elif Role(role) in SOLE_ROLES:
            self.add(f"{where}：{Role(role).label}（三员）不参与业务办理，不能作为办理角色")

    def org(self, sel: str, where: str, *, many: bool = False) -> None:
        if sel.startswith("field:"):
            self.field_ref(sel, ("orgs",) if many else ("org",), where)
        elif many:
            self.add(f"{where}：orgs 须为 field:<字段名>（多个单位）")
        elif sel not in ORG_SELECTORS:
            self.add(f"{where}：未知的单位选择「{sel}」（可选：{', '.join(ORG_SELECTORS)}，或 field:<字段名>）")

    def user(self, sel: str, where: str, *, many: bool = False) -> None:
        if sel.startswith("field:"):
            self.field_ref(sel, ("users",) if many else ("user",), where)
        elif many:
            self.add(f"{where}：users 须为 field:<字段名>（多个人员）")
        elif sel.startswith("actor_of:"):
            if sel[9:] not in self.process.states:
                self.add(f"{where}：actor_of 引用了未定义的状态「{sel[9:]}」")
        elif sel not in USER_SELECTORS:
            self.add(f"{where}：未知的人员选择「{sel}」（可选：starter、actor_of:<状态>、field:<字段名>）")


def _check(process: ProcessDef) -> list[str]:
    review = _Review(process)
    for check in _PROCESS_CHECKS:
        check(review)
    return review.problems


def _check_fields(r: _Review) -> None:
    for name, f in r.process.fields.items():
        if f.type == "choice" and not f.options:
            r.add(f"fields.{name}：choice 类型须列出 options")
        if f.org_type and f.type not in ("org", "orgs"):
            r.add(f"fields.{name}：org_type 只用于 org / orgs 字段")


def _check_lanes(r: _Review) -> None:
    for key, lane in r.process.lanes.items():
        r.role(lane.role, f"lanes.{key}.role")
        r.org(lane.org, f"lanes.{key}.org")
        if lane.and_above and lane.org == "none":
            r.add(f"lanes.{key}.and_above：不限单位（none）的岗位没有上级单位")


def _check_start_and_end(r: _Review) -> None:
    p = r.process
    if p.start not in p.states:
        r.add(f"start：未定义的状态「{p.start}」")
    elif p.states[p.start].final:
        r.add("start：开始状态不能是结束状态")
    if not any(s.final for s in p.states.values()):
        r.add("states：至少需要一个结束状态（final: true）")


def _check_states(r: _Review) -> None:
    for key, state in r.process.states.items():
        for check in _END_STATE_CHECKS if state.final else _STATE_CHECKS:
            check(r, state, f"states.{key}")


def _check_state_lane(r: _Review, s: State, where: str) -> None:
    lanes = r.process.lanes
    if s.lane and s.lane not in lanes:
        r.add(f"{where}.lane：未定义的泳道「{s.lane}」（已定义：{', '.join(lanes)}）")
    elif not s.lane and not s.final:
        r.add(f"{where}：办理状态须指定泳道 lane")


def _check_end_state(r: _Review, s: State, where: str) -> None:
    if s.assignee or s.parallel or s.due or s.editable or s.exclude:
        r.add(f"{where}：结束状态不能有办理人、并行、期限、回避或可编辑字段")


def _check_assignee(r: _Review, s: State, where: str) -> None:
    a = s.assignee
    if a is None:
        return
    where = f"{where}.assignee"
    if len([m for m in ("org", "orgs", "user", "users") if getattr(a, m)]) != 1:
        r.add(f"{where}：须恰好指定 org、orgs、user、users 之一")
    if (a.org or a.orgs) and not a.role:
        r.add(f"{where}：按单位指派时须指定角色 role")
    _check_assignee_refs(r, a, where)
    if a.and_above and not (a.org or a.orgs):
        r.add(f"{where}.and_above：只用于按单位指派（org / orgs）")
    elif a.and_above and a.org == "none":
        r.add(f"{where}.and_above：不限单位（none）没有上级单位")


def _check_assignee_refs(r: _Review, a: Assignee, where: str) -> None:
    if a.role:
        r.role(a.role, f"{where}.role")
    if a.org:
        r.org(a.org, f"{where}.org")
    if a.orgs:
        r.org(a.orgs, f"{where}.orgs", many=True)
    if a.user:
        r.user(a.user, f"{where}.user")
    if a.users:
        r.user(a.users, f"{where}.users", many=True)


def _check_exclusion(r: _Review, s: State, where: str) -> None:
    if s.exclude is None:
        return
    if s.exclude != "starter" and not s.exclude.startswith("actor_of:"):
        r.add(f"{where}.exclude：须为 starter 或 actor_of:<状态>")
    else:
        r.user(s.exclude, f"{where}.exclude")
    if s.assignee is not None and s.assignee.user == s.exclude:
        r.add(f"{where}.exclude：回避的人就是本步骤的办理人，没有人能办理")


def _check_parallel(r: _Review, s: State, where: str) -> None:
    fans_out = s.assignee is not None and s.assignee.fans_out
    if s.parallel and not fans_out:
        r.add(f"{where}：并行（parallel）须配合多人/多单位指派（assignee.users 或 assignee.orgs）")
    if fans_out and not s.parallel:
        r.add(f"{where}：多人/多单位指派须声明 parallel: all（会签）或 any（抢办）")
    if s.kind == "circulate" and s.parallel != "all":
        r.add(f"{where}：传阅（circulate）须为 parallel: all，每人阅后记录")


def _check_state_form(r: _Review, s: State, where: str) -> None:
    r.known_fields(s.editable, f"{where}.editable")
    r.known_fields(s.reads, f"{where}.reads")


def _check_timers(r: _Review, s: State, where: str) -> None:
    for i, rule in enumerate(s.due):
        r.condition(rule.when, f"{where}.due[{i}].when")
    if s.remind_before is not None and not s.due:
        r.add(f"{where}.remind：未设期限（due）时不能设置提醒")
    if s.escalate is not None:
        if not s.due:
            r.add(f"{where}.escalate：未设期限（due）时不能设置逾期督办")
        if s.escalate.to not in r.process.lanes:
            r.add(f"{where}.escalate.to：未定义的泳道「{s.escalate.to}」")
    if s.chase_by and s.chase_by not in r.process.lanes:
        r.add(f"{where}.chase_by：未定义的泳道「{s.chase_by}」")


def _check_way_out(r: _Review, s: State, where: str) -> None:
    if not r.process.transitions_from(s.key):
        r.add(f"{where}：办理状态没有任何流转（transition），流程会停在这里")


def _check_transitions(r: _Review) -> None:
    for i, t in enumerate(r.process.transitions):
        for check in _TRANSITION_CHECKS:
            check(r, t, f"transitions[{i}]（{t.key}）")


def _check_sources(r: _Review, t: Transition, where: str) -> None:
    states = r.process.states
    for src in t.sources:
        if src not in states:
            r.add(f"{where}.from：未定义的状态「{src}」")
        elif states[src].final:
            r.add(f"{where}.from：结束状态「{src}」不能再流转")
        if (src, t.key) in r.seen_transitions:
            r.add(f"{where}：状态「{src}」已有同名流转「{t.key}」")
        r.seen_transitions.add((src, t.key))
        if t.veto and src in states and states[src].parallel != "all":
            r.add(f"{where}：veto 只用于会签（parallel: all）状态的流转")


def _check_gateway(r: _Review, t: Transition, where: str) -> None:
    """The branches are an exclusive gateway: known targets, and only the last may go unconditioned."""
    for j, b in enumerate(t.branches):
        if b.state not in r.process.states:
            r.add(f"{where}.to：未定义的状态「{b.state}」")
        if b.when is not None:
            r.condition(b.when, f"{where}.to[{j}].when")
        elif j < len(t.branches) - 1:
            r.add(f"{where}.to[{j}]：只有最后一个分支可以没有条件（默认分支）")
    r.condition(t.when, f"{where}.when")


def _check_transition_form(r: _Review, t: Transition, where: str) -> None:
    r.known_fields(t.requires, f"{where}.requires")
    r.known_fields(t.editable, f"{where}.editable")


def _check_actor(r: _Review, t: Transition, where: str) -> None:
    by = t.by
    if by is not None and by != "starter" and by not in r.process.lanes and not by.startswith("actor_of:"):
        r.add(f"{where}.by：须为 starter、actor_of:<状态> 或泳道名，「{by}」未定义")
    if by and by.startswith("actor_of:") and by[9:] not in r.process.states:
        r.add(f"{where}.by：actor_of 引用了未定义的状态「{by[9:]}」")


def _check_clock(r: _Review, t: Transition, where: str) -> None:
    if t.clock is None:
        return
    if isinstance(t.clock, dict):
        days = t.clock.get("extend_working_days")
        ok = set(t.clock) == {"extend_working_days"} and isinstance(days, int) and days > 0
    else:
        ok = t.clock in ("restart", "stop")
    if not ok:
        r.add(f"{where}.clock：须为 restart、stop 或 {{extend_working_days: n}}")
    elif r.process.deadline_working_days is None:
        r.add(f"{where}.clock：流程未设整体期限（deadline），不能调整计时")


def _check_reachability(r: _Review) -> None:
    p = r.process
    if p.start not in p.states:
        return
    reachable, todo = {p.start}, [p.start]
    while todo:
        for t in p.transitions_from(todo.pop()):
            for target in t.targets:
                if target in p.states and target not in reachable:
                    reachable.add(target)
                    todo.append(target)
    for key in p.states:
        if key not in reachable:
            r.add(f"states.{key}：从开始状态无法到达")


_PROCESS_CHECKS = (_check_fields, _check_lanes, _check_start_and_end, _check_states, _check_transitions,
                   _check_reachability)
_END_STATE_CHECKS = (_check_state_lane, _check_end_state)
_STATE_CHECKS = (_check_state_lane, _check_assignee, _check_exclusion, _check_parallel, _check_state_form,
                 _check_timers, _check_way_out)
_TRANSITION_CHECKS = (_check_sources, _check_gateway, _check_transition_form, _check_actor, _check_clock)

"""The model pages, generated from the same definitions that run: the division of labour
(分工组成树: org level → post → duties), the form relations of each step (信息表单关系), and the
readable description of steps and transitions."""

from __future__ import annotations

from dataclasses import dataclass, field

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import ORG_TYPE_LABELS, OrgType, OrgUnit
from eduplatform.workflow.bpmn import state_documentation
from eduplatform.workflow.definitions import ORG_SELECTORS, Lane, ProcessDef

LEVEL_ORDER = [OrgType.CITY_BUREAU.value, OrgType.DISTRICT_BUREAU.value, OrgType.SCHOOL.value,
               OrgType.DEPARTMENT.value, "none"]


def lane_org_types(process: ProcessDef, lane: Lane) -> list[str]:
    """Which kinds of unit a lane's post sits in."""
    sel = lane.org
    if sel.startswith("field:"):
        return [process.fields[sel[6:]].org_type or OrgType.DEPARTMENT.value]
    return {
        "subject": list(process.subject_org_types),
        "starter_org": list(process.subject_org_types),
        "subject_school": [OrgType.SCHOOL.value],
        "subject_district": [OrgType.DISTRICT_BUREAU.value],
        "subject_bureau": [OrgType.DISTRICT_BUREAU.value, OrgType.CITY_BUREAU.value],
        "city": [OrgType.CITY_BUREAU.value],
        "none": ["none"],
    }[sel]


def org_label(process: ProcessDef, selector: str) -> str:
    if selector.startswith("field:"):
        return f"「{process.fields[selector[6:]].label}」所选单位"
    return ORG_SELECTORS.get(selector, selector)


@dataclass
class Duty:
    process_key: str
    process_name: str
    state: str | None
    label: str
    kind: str           # 办理 | 会签 | 传阅 | 抢办 | 督办 | 催办 | 发起


@dataclass
class Post:
    role: str
    role_label: str
    lanes: list[str] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)


@dataclass
class Level:
    key: str
    label: str
    units: list[str]
    posts: dict[str, Post] = field(default_factory=dict)


def _duties_of(process: ProcessDef, lane: Lane) -> list[Duty]:
    found = []
    start = process.states[process.start]
    if start.lane == lane.key:
        found.append(Duty(process.key, process.name, start.key, f"发起「{process.name}」", "发起"))
    for state in process.states.values():
        if state.final:
            continue
        if state.lane == lane.key:
            kind = {"all": "传阅" if state.kind == "circulate" else "会签", "any": "抢办"}.get(state.parallel or "", "办理")
            found.append(Duty(process.key, process.name, state.key, state.label, kind))
        if state.escalate and state.escalate.to == lane.key:
            found.append(Duty(process.key, process.name, state.key, f"{state.label}逾期督办", "督办"))
        if state.chase_by == lane.key:
            found.append(Duty(process.key, process.name, state.key, f"{state.label}催办", "催办"))
    return found


def division_tree(processes: list[ProcessDef]) -> list[Level]:
    """Org levels → posts (role at that level) → duties across every process."""
    units_by_type: dict[str, list[str]] = {}
    for unit in db.session.scalars(db.select(OrgUnit).where(OrgUnit.is_active.is_(True)).order_by(OrgUnit.code)):
        units_by_type.setdefault(unit.type.value, []).append(unit.name)
    levels: dict[str, Level] = {}
    for process in processes:
        for lane in process.lanes.values():
            duties = _duties_of(process, lane)
            if not duties:
                continue
            for org_type in lane_org_types(process, lane):
                label = ORG_TYPE_LABELS[OrgType(org_type)] if org_type != "none" else ORG_SELECTORS["none"]
                level = levels.setdefault(org_type, Level(org_type, label, units_by_type.get(org_type, [])))
                post = level.posts.setdefault(lane.role, Post(lane.role, Role(lane.role).label))
                if lane.label not in post.lanes:
                    post.lanes.append(lane.label)
                post.duties += [d for d in duties if d not in post.duties]
    return [levels[k] for k in LEVEL_ORDER if k in levels]


def form_matrix(process: ProcessDef) -> tuple[list, list]:
    """(steps, rows): for each field, per step "必填", "写", "读" or ""."""
    steps = [s for s in process.states.values() if not s.final]
    rows = []
    for name, f in process.fields.items():
        cells = []
        for state in steps:
            outgoing = process.transitions_from(state.key)
            if any(name in t.requires for t in outgoing):
                cells.append("必填")
            elif name in state.editable or any(name in t.editable for t in outgoing):
                cells.append("写")
            elif name in process.read_fields(state):
                cells.append("读")
            else:
                cells.append("")
        rows.append((f, cells))
    return steps, rows


def describe_steps(process: ProcessDef) -> list[dict]:
    """Each step with its lane, who acts, deadlines and where it can go."""
    out = []
    for state in process.states.values():
        lane = process.lane_of(state)
        transitions = []
        for t in process.transitions_from(state.key):
            targets = [(process.states[b.state].label, process.condition_text(b.when)) for b in t.branches]
            who = {"starter": "发起人"}.get(t.by or "", process.lanes[t.by].label if t.by in process.lanes else "")
            transitions.append({"key": t.key, "label": t.label, "kind": t.kind, "reason": t.reason,
                                "targets": targets, "by": who, "requires": [process.fields[n].label for n in t.requires],
                                "when": process.condition_text(t.when), "limit": t.limit, "veto": t.veto})
        out.append({"key": state.key, "label": state.label, "final": state.final,
                    "lane": lane.label if lane else "", "doc": state_documentation(process, state.key),
                    "transitions": transitions})
    return out


def process_summary(process: ProcessDef) -> dict:
    return {"key": process.key, "version": process.version, "name": process.name,
            "description": process.description, "states": len(process.states),
            "lanes": [lane.label for lane in process.lanes.values()]}

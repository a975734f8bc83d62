"""Swimlane collaboration diagrams (协作流程图) from a definition: a laid-out graph, and its BPMN 2.0
XML with diagram interchange (DI), so a standard modeller (Camunda Modeler, bpmn.io) opens it as
drawn. The browser renders the same XML with bpmn-js from ``static/vendor/bpmn-js``.

One lane per lane of the definition (a role at an org level); a user task per step (会签 / 传阅 /
抢办 as parallel multi-instance tasks), an end event per final state, an exclusive gateway where a
transition branches on conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from eduplatform.accounts.models import Role
from eduplatform.workflow.definitions import ORG_SELECTORS, ProcessDef

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

SIZES = {"task": (120, 80), "start": (36, 36), "end": (36, 36), "gateway": (50, 50)}
COL_W, ROW_H, POOL_LABEL, LANE_LABEL, LANE_PAD = 170, 110, 30, 30, 15


@dataclass
class Node:
    id: str
    kind: str          # start | task | gateway | end
    name: str
    lane: str
    state: str | None = None
    col: int = 0
    row: int = 0
    x: int = 0
    y: int = 0
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return SIZES[self.kind]


@dataclass
class Edge:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str = ""
    kind: str = "forward"
    transition: str | None = None
    waypoints: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class LaneBox:
    key: str
    name: str
    y: int = 0
    height: int = 0
    nodes: list[str] = field(default_factory=list)


@dataclass
class Diagram:
    process: ProcessDef
    nodes: dict[str, Node]
    edges: list[Edge]
    lanes: list[LaneBox]
    width: int = 0
    height: int = 0

    def as_dict(self) -> dict:
        return {
            "lanes": [{"id": f"Lane_{lane.key}", "key": lane.key, "name": lane.name, "nodes": lane.nodes}
                      for lane in self.lanes],
            "nodes": [{"id": n.id, "kind": n.kind, "name": n.name, "lane": n.lane, "state": n.state,
                       "x": n.x, "y": n.y, "width": n.size[0], "height": n.size[1]} for n in self.nodes.values()],
            "edges": [{"id": e.id, "source": e.source, "target": e.target, "name": e.name,
                       "condition": e.condition, "kind": e.kind, "transition": e.transition}
                      for e in self.edges],
        }


def lane_label(process: ProcessDef, key: str) -> str:
    lane = process.lanes[key]
    return lane.label


def node_id(state: str, final: bool) -> str:
    return f"End_{state}" if final else f"Task_{state}"


def build_diagram(process: ProcessDef) -> Diagram:
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    first = process.states[process.start]
    nodes["StartEvent"] = Node("StartEvent", "start", "开始", first.lane)
    for key, state in process.states.items():
        nid = node_id(key, state.final)
        nodes[nid] = Node(nid, "end" if state.final else "task", state.label, state.lane or "", state=key)

    def connect(source: str, target: str, **kw) -> None:
        edge = Edge(f"Flow_{len(edges) + 1}", source, target, **kw)
        edges.append(edge)
        nodes[source].outgoing.append(edge.id)
        nodes[target].incoming.append(edge.id)

    connect("StartEvent", node_id(process.start, False))
    for t in process.transitions:
        for src in t.sources:
            source = node_id(src, False)
            if len(t.branches) == 1:
                target_state = t.branches[0].state
                connect(source, node_id(target_state, process.states[target_state].final), name=t.label,
                        kind=t.kind, transition=t.key)
                continue
            gid = f"Gateway_{src}_{t.key}"
            nodes[gid] = Node(gid, "gateway", "", process.states[src].lane, state=None)
            connect(source, gid, name=t.label, kind=t.kind, transition=t.key)
            for b in t.branches:
                connect(gid, node_id(b.state, process.states[b.state].final),
                        name=process.condition_text(b.when) if b.when else "否则",
                        condition=process.condition_text(b.when), kind=t.kind, transition=t.key)
    for node in nodes.values():  # an end state without a lane sits with its first predecessor
        if not node.lane:
            first_in = next((e for e in edges if e.target == node.id), None)
            node.lane = nodes[first_in.source].lane if first_in else first.lane
    diagram = Diagram(process, nodes, edges, [])
    _layout(diagram)
    return diagram


def _layout(d: Diagram) -> None:
    nodes, edges = d.nodes, d.edges
    out: dict[str, list[Edge]] = {}
    for e in edges:
        out.setdefault(e.source, []).append(e)
    # Depth-first from the start: an edge to a node on the current path is a back edge (a return).
    back: set[str] = set()
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(nid: str) -> None:
        on_path.add(nid)
        for e in out.get(nid, []):
            if e.target in on_path:
                back.add(e.id)
            elif e.target not in done:
                visit(e.target)
        on_path.discard(nid)
        done.add(nid)

    visit("StartEvent")
    order = _topological(nodes, [e for e in edges if e.id not in back])
    for nid in order:  # longest path from the start decides the column
        for e in out.get(nid, []):
            if e.id not in back:
                nodes[e.target].col = max(nodes[e.target].col, nodes[nid].col + 1)
    lane_keys = [k for k in d.process.lanes if any(n.lane == k for n in nodes.values())]
    rows: dict[tuple[str, int], int] = {}
    for nid in order:
        node = nodes[nid]
        node.row = rows.get((node.lane, node.col), 0)
        rows[(node.lane, node.col)] = node.row + 1
    back_edges = [e for e in edges if e.id in back or nodes[e.target].col <= nodes[e.source].col]
    y = 0
    for i, key in enumerate(lane_keys):
        depth = max([r for (lane, _), r in rows.items() if lane == key] or [1])
        height = depth * ROW_H + 2 * LANE_PAD
        if i == len(lane_keys) - 1:
            height += 12 + 10 * len(back_edges)  # a band at the bottom for the return flows
        box = LaneBox(key, lane_label(d.process, key), y, height,
                      [n.id for n in nodes.values() if n.lane == key])
        d.lanes.append(box)
        y += height
    lane_y = {box.key: box.y for box in d.lanes}
    max_col = max(n.col for n in nodes.values())
    d.width = POOL_LABEL + LANE_LABEL + (max_col + 1) * COL_W + 40
    d.height = y
    for node in nodes.values():
        w, h = node.size
        cx = POOL_LABEL + LANE_LABEL + 20 + node.col * COL_W + SIZES["task"][0] // 2
        cy = lane_y[node.lane] + LANE_PAD + node.row * ROW_H + ROW_H // 2
        node.x, node.y = cx - w // 2, cy - h // 2
    for k, e in enumerate(back_edges):
        e.waypoints = _route_back(nodes[e.source], nodes[e.target], d.height - 10 - 10 * k, 12 + 6 * (k % 4))
    hops = 0
    for e in edges:
        if e.waypoints:
            continue
        s, t = nodes[e.source], nodes[e.target]
        blocked = any(n.lane == s.lane and n.row == s.row and s.col < n.col < t.col and n is not t
                      for n in nodes.values()) and s.lane == t.lane and s.row == t.row
        if blocked:  # hop over the steps in between, along the top of the lane
            e.waypoints = _route_over(s, t, lane_y[s.lane] + LANE_PAD + s.row * ROW_H + 2 + 5 * (hops % 3))
            hops += 1
        else:
            e.waypoints = _route_forward(s, t)


def _topological(nodes: dict[str, Node], edges: list[Edge]) -> list[str]:
    indegree = {nid: 0 for nid in nodes}
    for e in edges:
        indegree[e.target] += 1
    ready = [nid for nid in nodes if indegree[nid] == 0]
    order = []
    while ready:
        nid = ready.pop(0)
        order.append(nid)
        for e in edges:
            if e.source == nid:
                indegree[e.target] -= 1
                if indegree[e.target] == 0:
                    ready.append(e.target)
    return order + [nid for nid in nodes if nid not in order]


def _center(n: Node) -> tuple[int, int]:
    w, h = n.size
    return n.x + w // 2, n.y + h // 2


def _route_forward(s: Node, t: Node) -> list[tuple[int, int]]:
    (_, sy), (_, ty) = _center(s), _center(t)
    start = (s.x + s.size[0], sy)
    end = (t.x, ty)
    if sy == ty:
        return [start, end]
    elbow = t.x - 20
    return [start, (elbow, sy), (elbow, ty), end]


def _route_over(s: Node, t: Node, y: int) -> list[tuple[int, int]]:
    (_, sy), (_, ty) = _center(s), _center(t)
    out_x, in_x = s.x + s.size[0] + 12, t.x - 12
    return [(s.x + s.size[0], sy), (out_x, sy), (out_x, y), (in_x, y), (in_x, ty), (t.x, ty)]


def _route_back(s: Node, t: Node, y_route: int, offset: int) -> list[tuple[int, int]]:
    (_, sy), (_, ty) = _center(s), _center(t)
    out_x = s.x + s.size[0] + offset
    in_x = t.x - offset
    return [(s.x + s.size[0], sy), (out_x, sy), (out_x, y_route), (in_x, y_route), (in_x, ty), (t.x, ty)]


# --- BPMN 2.0 XML ------------------------------------------------------------------------------

def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _documentation(parent, text: str) -> None:
    if text:
        ET.SubElement(parent, _q("bpmn", "documentation")).text = text


def state_documentation(process: ProcessDef, key: str) -> str:
    state = process.states[key]
    parts = []
    if not state.final:
        parts.append(f"办理人：{process.assignee_of(state).describe(process)}")
    if state.exclude:
        who = "发起人" if state.exclude == "starter" else f"「{process.states[state.exclude[9:]].label}」的办理人"
        parts.append(f"回避：{who}不能办理")
    if state.parallel == "all":
        parts.append("传阅：每人阅后记录" if state.kind == "circulate" else "会签：全部办理后流转")
    elif state.parallel == "any":
        parts.append("抢办：任一人办理即流转")
    if state.due:
        parts.append("办理期限：" + "；".join(
            f"{r.working_days} 个工作日" + (f"（{process.condition_text(r.when)}）" if r.when else "")
            for r in state.due))
    if state.escalate:
        parts.append(f"逾期 {state.escalate.after_working_days} 个工作日报{process.lanes[state.escalate.to].label}督办")
    if state.editable:
        parts.append("填写：" + "、".join(process.fields[f].label for f in state.editable))
    return "；".join(parts)


def to_bpmn(process: ProcessDef, diagram: Diagram | None = None) -> str:
    """BPMN 2.0 XML (semantic model + DI) of ``process``."""
    d = diagram or build_diagram(process)
    key = process.key
    root = ET.Element(_q("bpmn", "definitions"), {
        "id": f"Definitions_{key}", "targetNamespace": "https://eduplatform.local/processes",
        "exporter": "eduplatform", "exporterVersion": "1.0"})
    collaboration = ET.SubElement(root, _q("bpmn", "collaboration"), {"id": f"Collaboration_{key}"})
    ET.SubElement(collaboration, _q("bpmn", "participant"), {
        "id": f"Participant_{key}", "name": f"{process.name}（v{process.version}）", "processRef": f"Process_{key}"})
    proc = ET.SubElement(root, _q("bpmn", "process"), {
        "id": f"Process_{key}", "name": process.name, "isExecutable": "false"})
    _documentation(proc, process.description)
    lane_set = ET.SubElement(proc, _q("bpmn", "laneSet"), {"id": f"LaneSet_{key}"})
    for box in d.lanes:
        lane_def = process.lanes[box.key]
        lane = ET.SubElement(lane_set, _q("bpmn", "lane"), {"id": f"Lane_{box.key}", "name": box.name})
        _documentation(lane, f"{ORG_SELECTORS.get(lane_def.org, lane_def.org)}的{Role(lane_def.role).label}"
                       + ("（上级单位的同岗位人员也可办理）" if lane_def.and_above else ""))
        for nid in box.nodes:
            ET.SubElement(lane, _q("bpmn", "flowNodeRef")).text = nid
    tags = {"start": "startEvent", "end": "endEvent", "gateway": "exclusiveGateway", "task": "userTask"}
    for node in d.nodes.values():
        attrs = {"id": node.id}
        if node.name:
            attrs["name"] = node.name
        element = ET.SubElement(proc, _q("bpmn", tags[node.kind]), attrs)
        if node.state:
            _documentation(element, state_documentation(process, node.state))
        for ref in node.incoming:
            ET.SubElement(element, _q("bpmn", "incoming")).text = ref
        for ref in node.outgoing:
            ET.SubElement(element, _q("bpmn", "outgoing")).text = ref
        state = process.states.get(node.state or "")
        if node.kind == "task" and state is not None and state.parallel:
            loop = ET.SubElement(element, _q("bpmn", "multiInstanceLoopCharacteristics"), {"isSequential": "false"})
            if state.parallel == "any":
                cond = ET.SubElement(loop, _q("bpmn", "completionCondition"),
                                     {_q("xsi", "type"): "bpmn:tFormalExpression"})
                cond.text = "${nrOfCompletedInstances >= 1}"
    for e in d.edges:
        attrs = {"id": e.id, "sourceRef": e.source, "targetRef": e.target}
        if e.name:
            attrs["name"] = e.name
        flow = ET.SubElement(proc, _q("bpmn", "sequenceFlow"), attrs)
        if e.kind == "return":
            _documentation(flow, "退回（须填写理由）")
        if e.condition:
            cond = ET.SubElement(flow, _q("bpmn", "conditionExpression"),
                                 {_q("xsi", "type"): "bpmn:tFormalExpression"})
            cond.text = e.condition

    diagram = ET.SubElement(root, _q("bpmndi", "BPMNDiagram"), {"id": f"Diagram_{key}", "name": process.name})
    plane = ET.SubElement(diagram, _q("bpmndi", "BPMNPlane"), {
        "id": f"Plane_{key}", "bpmnElement": f"Collaboration_{key}"})

    def shape(element_id: str, x: int, y: int, w: int, h: int, **extra) -> None:
        s = ET.SubElement(plane, _q("bpmndi", "BPMNShape"), {"id": f"{element_id}_di", "bpmnElement": element_id,
                                                             **extra})
        ET.SubElement(s, _q("dc", "Bounds"), {"x": str(x), "y": str(y), "width": str(w), "height": str(h)})

    shape(f"Participant_{key}", 0, 0, d.width, d.height, isHorizontal="true")
    for box in d.lanes:
        shape(f"Lane_{box.key}", POOL_LABEL, box.y, d.width - POOL_LABEL, box.height, isHorizontal="true")
    for node in d.nodes.values():
        w, h = node.size
        shape(node.id, node.x, node.y, w, h)
    for e in d.edges:
        edge = ET.SubElement(plane, _q("bpmndi", "BPMNEdge"), {"id": f"{e.id}_di", "bpmnElement": e.id})
        for x, y in e.waypoints:
            ET.SubElement(edge, _q("di", "waypoint"), {"x": str(x), "y": str(y)})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def current_node(instance) -> str:
    """The diagram node of the instance's current step (pages mark it on the drawing)."""
    from eduplatform.workflow.engine import process_for

    state = process_for(instance).states[instance.state]
    return node_id(instance.state, state.final)

"""The generated BPMN 2.0: valid against the OMG schema, lanes hold every node, references resolve,
the diagram interchange has a shape or edge for every element."""

from __future__ import annotations

from pathlib import Path

import pytest
import SpiffWorkflow
from lxml import etree

from eduplatform.workflow import registry
from eduplatform.workflow.bpmn import build_diagram, to_bpmn

pytestmark = pytest.mark.nodb

SCHEMA_DIR = Path(SpiffWorkflow.__file__).parent / "bpmn" / "parser" / "schema"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
SHIPPED = ["resource_review", "sample_review", "engine_incoming", "incoming_document", "incoming_document_school",
           "outgoing_document"]


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "BPMN20.xsd")))


@pytest.mark.parametrize("key", SHIPPED)
def test_valid_against_the_bpmn_20_schema(schema, key):
    document = etree.fromstring(to_bpmn(registry.get_process(key)).encode())
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize("key", SHIPPED)
def test_lanes_nodes_and_flows_reference_valid_ids(key):
    process = registry.get_process(key)
    root = etree.fromstring(to_bpmn(process).encode())
    proc = root.find("bpmn:process", NS)
    nodes = {el.get("id"): el for el in proc if el.tag.split("}")[1] in (
        "startEvent", "endEvent", "userTask", "exclusiveGateway")}
    lanes = proc.findall("bpmn:laneSet/bpmn:lane", NS)
    # One lane per role lane of the definition that has work in it, with its Chinese name.
    used = [k for k in process.lanes if any(s.lane == k for s in process.states.values())]
    assert [lane.get("name") for lane in lanes] == [process.lanes[k].label for k in used]
    refs = [ref.text for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(nodes)  # every node in exactly one lane, and nothing else
    flows = proc.findall("bpmn:sequenceFlow", NS)
    for flow in flows:
        assert flow.get("sourceRef") in nodes and flow.get("targetRef") in nodes
    tasks = [el for el in nodes.values() if el.tag.endswith("userTask")]
    assert {t.get("name") for t in tasks} == {s.label for s in process.states.values() if not s.final}
    # Every transition appears as a flow with its label.
    labels = {f.get("name") for f in flows}
    assert {t.label for t in process.transitions} <= labels
    participant = root.find("bpmn:collaboration/bpmn:participant", NS)
    assert participant.get("processRef") == proc.get("id")
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    assert set(nodes) | {lane.get("id") for lane in lanes} | {participant.get("id")} == shapes
    edges = {e.get("bpmnElement") for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    assert edges == {f.get("id") for f in flows}
    for edge in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge"):
        assert len(edge.findall("di:waypoint", NS)) >= 2


def test_parallel_steps_are_multi_instance_and_branches_are_gateways():
    root = etree.fromstring(to_bpmn(registry.get_process("engine_incoming")).encode())
    cosign = root.find(".//bpmn:userTask[@id='Task_cosign']", NS)
    loop = cosign.find("bpmn:multiInstanceLoopCharacteristics", NS)
    assert loop is not None and loop.get("isSequential") == "false"
    gateways = root.findall(".//bpmn:exclusiveGateway", NS)
    assert {g.get("id") for g in gateways} == {"Gateway_handle_submit_handling", "Gateway_cosign_agree"}
    conditions = [c.text for c in root.iter(f"{{{NS['bpmn']}}}conditionExpression")]
    assert "会签科室不为空" in conditions


def test_nodes_sit_inside_their_lanes():
    process = registry.get_process("engine_incoming")
    diagram = build_diagram(process)
    boxes = {lane.key: lane for lane in diagram.lanes}
    for node in diagram.nodes.values():
        lane = boxes[node.lane]
        assert lane.y <= node.y and node.y + node.size[1] <= lane.y + lane.height, node.id
    # Forward steps go left to right.
    assert diagram.nodes["Task_register"].col > diagram.nodes["Task_sign_for"].col
    assert diagram.nodes["Task_reply"].col > diagram.nodes["Task_handle"].col

"""Loading definitions: the shipped ones load; every kind of mistake is refused with where it is."""

from __future__ import annotations

import pytest

from eduplatform.workflow import registry
from eduplatform.workflow.conditions import evaluate
from eduplatform.workflow.definitions import DefinitionError, load_definition

pytestmark = pytest.mark.nodb

GOOD = """
key: leave_request
version: 1
name: 请假审批
subject_org_type: school
fields:
  days: {label: 天数, type: integer}
  kind: {label: 类别, type: choice, options: [事假, 病假]}
  note: {label: 说明, type: text}
lanes:
  teacher: {label: 教师, role: teacher, org: subject}
  head: {label: 校领导, role: school_admin, org: subject}
  district: {label: 区县, role: bureau_staff, org: subject_district}
start: apply
states:
  apply: {label: 申请, lane: teacher, assignee: {user: starter}, editable: [days, kind, note]}
  approve: {label: 学校审批, lane: head, due: 2}
  district_approve: {label: 区县审批, lane: district, due: 3}
  approved: {label: 已批准, lane: head, final: true}
transitions:
  - key: submit
    label: 提交
    from: apply
    requires: [days]
    to:
      - {state: district_approve, when: {field: days, gt: 5}}
      - {state: approve}
  - {key: ok, label: 批准, from: [approve, district_approve], to: approved}
  - {key: back, label: 退回, from: [approve, district_approve], to: apply, kind: return}
"""


def broken(old: str, new: str) -> list[str]:
    assert old in GOOD, old
    with pytest.raises(DefinitionError) as exc:
        load_definition(GOOD.replace(old, new, 1), origin="test.yaml")
    return exc.value.problems


def test_the_shipped_definitions_load():
    keys = {(p.key, p.version) for p in registry.all_processes()}
    assert {("resource_review", 2), ("incoming_document", 2), ("outgoing_document", 3)} <= keys
    assert ("incoming_document_school", 1) in keys
    incoming = registry.get_process("engine_incoming")
    assert incoming.states["cosign"].parallel == "all"
    assert incoming.states["circulate"].kind == "circulate"
    assert incoming.transition("instruct", "back_to_propose").reason == "required"  # returns need reasons


def test_a_good_definition_loads_with_its_parts():
    process = load_definition(GOOD)
    assert process.label == "请假审批（v1）"
    assert [t.key for t in process.transitions_from("approve")] == ["ok", "back"]
    assert process.transition("apply", "submit").targets == ["district_approve", "approve"]
    assert process.read_fields(process.states["approve"]) == ["days", "kind", "note"]


@pytest.mark.parametrize("old, new, message", [
    ("role: school_admin", "role: headmaster", "未知的角色「headmaster」"),
    ("role: school_admin", "role: auditor", "三员"),
    ("org: subject_district", "org: subject_province", "未知的单位选择「subject_province」"),
    ("to: approved}", "to: aproved}", "未定义的状态「aproved」"),
    ("from: [approve, district_approve], to: approved", "from: [approve, nowhere], to: approved",
     "未定义的状态「nowhere」"),
    ("editable: [days, kind, note]", "editable: [days, color]", "未定义的字段「color」"),
    ("requires: [days]", "requires: [length]", "未定义的字段「length」"),
    ("when: {field: days, gt: 5}", "when: {field: weeks, gt: 5}", "未定义的字段「weeks」"),
    ("when: {field: days, gt: 5}", "when: {field: days, bigger: 5}", "未知的比较运算「bigger」"),
    ("when: {field: days, gt: 5}", "when: {field: note, gt: 5}", "只能用于整数或日期字段"),
    ("when: {field: days, gt: 5}", "when: {field: kind, eq: 年假}", "不是字段「kind」的可选值"),
    ("lane: head, due: 2", "lane: boss, due: 2", "未定义的泳道「boss」"),
    ("kind: return}", "kind: return, reason: none}", "退回必须填写理由"),
    ("assignee: {user: starter}", "assignee: {user: boss}", "未知的人员选择「boss」"),
    ("assignee: {user: starter}", "assignee: {users: \"field:note\"}", "须为 users 类型"),
    ("due: 3}", "due: 0}", "工作日数须 ≥ 1"),
    ("due: 3}", "deadline: 3}", "无法识别的字段"),
    (("  - {key: ok, label: 批准, from: [approve, district_approve], to: approved}\n"
      "  - {key: back, label: 退回, from: [approve, district_approve], to: apply, kind: return}\n"),
     "  - {key: ok, label: 批准, from: approve, to: approved}\n", "办理状态没有任何流转"),
    ("      - {state: district_approve, when: {field: days, gt: 5}}\n", "", "无法到达"),
    ("      - {state: district_approve, when: {field: days, gt: 5}}", "      - {state: district_approve}",
     "只有最后一个分支可以没有条件"),
    ("start: apply", "start: approved", "开始状态不能是结束状态"),
    ("version: 1", "version: one", "version：须为整数"),
])
def test_mistakes_are_refused_with_a_clear_message(old, new, message):
    problems = broken(old, new)
    assert any(message in p for p in problems), problems


def test_every_problem_is_listed_at_once():
    source = GOOD.replace("role: school_admin", "role: headmaster").replace("to: approved}", "to: aproved}")
    with pytest.raises(DefinitionError) as exc:
        load_definition(source, origin="leave.yaml")
    text = str(exc.value)
    assert text.startswith("流程定义 leave_request（v1） 有误")
    assert "lanes.head.role" in text and "transitions[1]（ok）.to" in text


def test_yaml_syntax_errors_and_non_mappings_are_refused():
    with pytest.raises(DefinitionError, match="YAML 格式错误"):
        load_definition("key: [unclosed")
    with pytest.raises(DefinitionError, match="顶层须为映射"):
        load_definition("- a list")


def test_parallel_needs_a_fan_out_and_circulation_needs_all():
    problems = broken("approve: {label: 学校审批, lane: head, due: 2}",
                      "approve: {label: 学校审批, lane: head, due: 2, parallel: all}")
    assert any("须配合多人/多单位指派" in p for p in problems)
    problems = broken("approve: {label: 学校审批, lane: head, due: 2}",
                      "approve: {label: 学校审批, lane: head, due: 2, kind: circulate}")
    assert any("传阅" in p for p in problems)


def test_the_same_version_with_other_content_is_refused():
    registry.register_text(GOOD, origin="a.yaml")
    try:
        registry.register_text(GOOD, origin="a.yaml")  # the same text again is fine
        with pytest.raises(DefinitionError, match="请提升 version"):
            registry.register_text(GOOD.replace("name: 请假审批", "name: 请假"), origin="b.yaml")
    finally:
        registry.unregister("leave_request")


def test_conditions_evaluate_without_code():
    data = {"days": 7, "kind": "病假", "tags": ["a"], "on": "2026-10-09"}
    assert evaluate({"field": "days", "gt": 5}, data)
    assert not evaluate({"field": "days", "le": 5}, data)
    assert evaluate({"all": [{"field": "kind", "in": ["病假"]}, {"not": {"field": "days", "eq": 1}}]}, data)
    assert evaluate({"any": [{"field": "missing", "empty": False}, {"field": "tags", "contains": "a"}]}, data)
    assert evaluate({"field": "on", "ge": "2026-10-08"}, data)
    assert not evaluate({"field": "missing", "gt": 1}, data)  # nothing compares with a missing value
    assert evaluate({"field": "missing", "empty": True}, data)


def test_the_readme_example_loads():
    import re
    from pathlib import Path

    import eduplatform.workflow as package

    readme = (Path(package.__file__).parent / "README.md").read_text(encoding="utf-8")
    process = load_definition(re.search(r"```yaml\n(.*?)```", readme, re.DOTALL).group(1))
    assert process.key == "report_review" and process.transition("district_review", "send_back").reason == "required"


@pytest.mark.parametrize("old, new, message", [
    ("kind: {label: 类别, type: choice, options: [事假, 病假]}", "kind: {label: 类别, type: choice}",
     "fields.kind：choice 类型须列出 options"),
    ("note: {label: 说明, type: text}", "note: {label: 说明, type: text, org_type: school}",
     "fields.note：org_type 只用于 org / orgs 字段"),
    ("org: subject_district}", "org: none, and_above: true}", "lanes.district.and_above：不限单位（none）的岗位没有上级单位"),
    ("start: apply", "start: begin", "start：未定义的状态「begin」"),
    ("approved: {label: 已批准, lane: head, final: true}", "approved: {label: 已批准, lane: head}",
     "states：至少需要一个结束状态（final: true）"),
    ("approve: {label: 学校审批, lane: head, due: 2}", "approve: {label: 学校审批, due: 2}",
     "states.approve：办理状态须指定泳道 lane"),
    ("assignee: {user: starter}", "assignee: {user: starter, org: subject, role: teacher}",
     "states.apply.assignee：须恰好指定 org、orgs、user、users 之一"),
    ("assignee: {user: starter}", "assignee: {org: subject}", "states.apply.assignee：按单位指派时须指定角色 role"),
    ("assignee: {user: starter}", "assignee: {org: none, role: teacher, and_above: true}",
     "states.apply.assignee.and_above：不限单位（none）没有上级单位"),
    ("assignee: {user: starter}", "assignee: {orgs: subject, role: teacher}",
     "states.apply.assignee.orgs：orgs 须为 field:<字段名>（多个单位）"),
    ("assignee: {user: starter}", "assignee: {org: \"field:note\", role: teacher}",
     "states.apply.assignee.org：字段「note」须为 org 类型，实为 text"),
    ("assignee: {user: starter}", "assignee: {users: starter}", "states.apply.assignee.users：users 须为 field:<字段名>（多个人员）"),
    ("assignee: {user: starter}", "assignee: {user: \"actor_of:review\"}",
     "states.apply.assignee.user：actor_of 引用了未定义的状态「review」"),
    ("editable: [days, kind, note]}", "editable: [days, kind, note], reads: [color]}", "states.apply.reads：引用了未定义的字段「color」"),
    ("lane: district, due: 3}", "lane: district, due: [{working_days: 3, when: {field: weeks, gt: 1}}]}",
     "states.district_approve.due[0].when"),
    ("lane: head, due: 2}", "lane: head, remind: {before_working_days: 1}}", "states.approve.remind：未设期限（due）时不能设置提醒"),
    ("lane: head, due: 2}", "lane: head, escalate: {after_working_days: 1, to: district}}",
     "states.approve.escalate：未设期限（due）时不能设置逾期督办"),
    ("lane: head, due: 2}", "lane: head, due: 2, escalate: {after_working_days: 1, to: city}}",
     "states.approve.escalate.to：未定义的泳道「city」"),
    ("lane: head, due: 2}", "lane: head, due: 2, chase_by: city}", "states.approve.chase_by：未定义的泳道「city」"),
    ("from: [approve, district_approve], to: approved}", "from: [approve, approved], to: approved}",
     "transitions[1]（ok）.from：结束状态「approved」不能再流转"),
    ("{key: back, label: 退回,", "{key: ok, label: 退回,", "transitions[2]（ok）：状态「approve」已有同名流转「ok」"),
    ("to: approved}", "to: approved, veto: true}", "transitions[1]（ok）：veto 只用于会签（parallel: all）状态的流转"),
    ("to: approved}", "to: approved, by: city}", "transitions[1]（ok）.by：须为 starter、actor_of:<状态> 或泳道名，「city」未定义"),
    ("to: approved}", "to: approved, by: \"actor_of:review\"}", "transitions[1]（ok）.by：actor_of 引用了未定义的状态「review」"),
    ("to: approved}", "to: approved, clock: pause}", "transitions[1]（ok）.clock：须为 restart、stop 或 {extend_working_days: n}"),
    ("to: approved}", "to: approved, clock: {extend_working_days: 0}}", "须为 restart、stop 或 {extend_working_days: n}"),
    ("to: approved}", "to: approved, clock: restart}", "transitions[1]（ok）.clock：流程未设整体期限（deadline），不能调整计时"),
    ("to: approved}", "to: approved, when: {field: weeks, gt: 1}}", "transitions[1]（ok）.when：条件引用了未定义的字段「weeks」"),
    ("to: approved}", "to: approved, editable: [color]}", "transitions[1]（ok）.editable：引用了未定义的字段「color」"),
])
def test_each_rule_names_the_place_it_was_broken(old, new, message):
    problems = broken(old, new)
    assert any(message in p for p in problems), problems


def test_a_clock_adjustment_loads_when_the_process_has_a_deadline():
    source = GOOD.replace("start: apply", "deadline: {working_days: 10}\nstart: apply").replace(
        "to: approved}", "to: approved, clock: {extend_working_days: 5}}")
    assert load_definition(source).transitions[1].clock == {"extend_working_days": 5}


def test_problems_come_in_the_order_of_the_file():
    """Fields, lanes, start, each state in turn, each transition in turn, then reachability."""
    source = (GOOD
              .replace("type: choice, options: [事假, 病假]", "type: choice")
              .replace("role: school_admin", "role: headmaster")
              .replace("assignee: {user: starter}", "assignee: {user: boss}, reads: [color]")
              .replace("lane: head, due: 2}", "lane: head, chase_by: city}")
              .replace("{key: ok, label: 批准, from: [approve, district_approve], to: approved}",
                       "{key: ok, label: 批准, from: [approve, district_approve], to: approved, by: city, clock: stop}")
              .replace("      - {state: district_approve, when: {field: days, gt: 5}}\n", ""))
    with pytest.raises(DefinitionError) as exc:
        load_definition(source)
    assert exc.value.problems == [
        "fields.kind：choice 类型须列出 options",
        ("lanes.head.role：未知的角色「headmaster」（可选：auditor, bureau_leader, bureau_staff, parent, public,"
         " school_admin, secadmin, student, sysadmin, teacher）"),
        "states.apply.assignee.user：未知的人员选择「boss」（可选：starter、actor_of:<状态>、field:<字段名>）",
        "states.apply.reads：引用了未定义的字段「color」",
        "states.approve.chase_by：未定义的泳道「city」",
        "transitions[1]（ok）.by：须为 starter、actor_of:<状态> 或泳道名，「city」未定义",
        "transitions[1]（ok）.clock：流程未设整体期限（deadline），不能调整计时",
        "states.district_approve：从开始状态无法到达",
    ]

"""收文: 会签 (all sign, one objection sends it back), 传阅 (who has read), branches, 抢办 (any)."""

from __future__ import annotations

import pytest

from eduplatform import workflow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.workflow.models import TaskStatus
from eduplatform.workflow.tasks import todo_query


def keys(instance, user):
    return [a.transition.key for a in workflow.available_transitions(instance, user)]


def receive(bureau, tree, *, urgency="普通"):
    instance = workflow.start("engine_incoming", org=tree.city, actor=bureau.clerk,
                              title="关于做好2026年秋季学期开学工作的通知",
                              data={"source_org": "省教育厅", "title": "关于做好2026年秋季学期开学工作的通知",
                                    "doc_number": "某教发〔2026〕31号", "urgency": urgency})
    db.session.commit()
    return instance


def to_handle(instance, bureau, people, *, cosign=(), readers=()):
    workflow.perform(instance, "sign", actor=bureau.clerk)
    workflow.perform(instance, "register", actor=bureau.clerk, data={"registry_number": "收〔2026〕208号"})
    workflow.perform(instance, "pass_check", actor=bureau.clerk)
    workflow.perform(instance, "propose", actor=bureau.clerk, data={
        "proposal": "拟请基础教育处牵头办理", "lead_department": bureau.basic.id,
        "cosign_departments": [d.id for d in cosign]})
    workflow.perform(instance, "instruct", actor=people.leader, data={
        "instruction": "同意，请基础教育处抓紧落实", "readers": [u.id for u in readers]})
    assert instance.state == "handle"
    db.session.commit()


def test_the_lead_department_handles_and_nobody_else(bureau, people, tree):
    instance = receive(bureau, tree)
    to_handle(instance, bureau, people)
    # 主办科室 is a department picked at 拟办: its staff, not the whole bureau's.
    assert keys(instance, people.city_staff) == ["submit_handling", "not_ours"]
    assert keys(instance, bureau.dept2_staff) == []
    assert keys(instance, bureau.clerk) == []
    workflow.perform(instance, "submit_handling", actor=people.city_staff,
                     data={"handling_opinion": "已转发各区县并部署"})
    assert instance.state == "reply"  # no co-signers, no readers: straight to the reply (gateway)
    workflow.perform(instance, "finish", actor=people.city_staff, data={"reply": "已按要求完成部署"})
    assert instance.state == "done" and not instance.is_active


def test_cosign_waits_for_every_department(bureau, people, tree):
    instance = receive(bureau, tree)
    to_handle(instance, bureau, people, cosign=[bureau.office, bureau.dept2])
    workflow.perform(instance, "submit_handling", actor=people.city_staff,
                     data={"handling_opinion": "拟转发并部署"})
    assert instance.state == "cosign"
    tasks = [t for t in workflow.current_tasks(instance) if t.is_open]
    assert {t.candidate_org_id for t in tasks} == {bureau.office.id, bureau.dept2.id}
    assert keys(instance, bureau.clerk) == ["agree", "disagree"]
    assert keys(instance, people.city_staff) == []  # the lead department is not a co-signer

    workflow.perform(instance, "agree", actor=bureau.clerk, reason="同意")
    assert instance.state == "cosign"  # one of two has signed
    assert keys(instance, bureau.clerk) == []
    with pytest.raises(Conflict):
        workflow.perform(instance, "agree", actor=bureau.clerk)
    workflow.perform(instance, "agree", actor=bureau.dept2_staff)
    assert instance.state == "reply"
    kinds = [e.kind for e in workflow.events(instance)][-3:]
    assert kinds == ["signed", "signed", "transition"]
    opinions = {t.completed_by.username: t.comment for t in instance.tasks if t.state == "cosign"}
    assert opinions == {"clerk": "同意", "dept2staff": None}


def test_one_objection_sends_the_draft_back_at_once(bureau, people, tree):
    instance = receive(bureau, tree)
    to_handle(instance, bureau, people, cosign=[bureau.office, bureau.dept2])
    workflow.perform(instance, "submit_handling", actor=people.city_staff, data={"handling_opinion": "拟转发"})
    with pytest.raises(ValidationFailed):
        workflow.perform(instance, "disagree", actor=bureau.dept2_staff)
    workflow.perform(instance, "disagree", actor=bureau.dept2_staff, reason="涉及教师培训安排，需补充")
    assert instance.state == "handle"
    cosign_tasks = [t for t in instance.tasks if t.state == "cosign"]
    assert sorted(t.status.value for t in cosign_tasks) == ["cancelled", "done"]


def test_circulation_records_who_has_read(bureau, people, tree):
    instance = receive(bureau, tree)
    to_handle(instance, bureau, people, readers=[people.leader, bureau.leader2])
    workflow.perform(instance, "submit_handling", actor=people.city_staff, data={"handling_opinion": "已部署"})
    assert instance.state == "circulate"
    assert keys(instance, people.leader) == ["read"] and keys(instance, people.city_staff) == []
    workflow.perform(instance, "read", actor=bureau.leader2)
    readers = {t.assignee.username: t.completed_at is not None for t in workflow.current_tasks(instance)}
    assert readers == {"leader1": False, "leader2": True}
    assert [e.kind for e in workflow.events(instance)][-1] == "read"
    workflow.perform(instance, "read", actor=people.leader)
    assert instance.state == "reply"


def test_readers_must_belong_to_the_bureau(bureau, people, tree):
    instance = receive(bureau, tree)
    for step, user in (("sign", bureau.clerk), ("register", bureau.clerk)):
        data = {"registry_number": "收1"} if step == "register" else None
        workflow.perform(instance, step, actor=user, data=data)
    workflow.perform(instance, "pass_check", actor=bureau.clerk)
    with pytest.raises(ValidationFailed) as refused:
        workflow.perform(instance, "propose", actor=bureau.clerk, data={
            "proposal": "拟办", "lead_department": tree.dept_a.id})  # a district's 科室
    assert "不属于" in refused.value.message
    with pytest.raises(ValidationFailed) as wrong_type:
        workflow.perform(instance, "propose", actor=bureau.clerk, data={
            "proposal": "拟办", "lead_department": tree.school_a1.id})
    assert "不是科室" in wrong_type.value.message


def test_urgent_documents_get_shorter_due_dates(bureau, people, tree):
    normal, urgent = receive(bureau, tree), receive(bureau, tree, urgency="特急")
    for instance in (normal, urgent):
        to_handle(instance, bureau, people)
    (normal_task,) = [t for t in normal.tasks if t.state == "handle"]
    (urgent_task,) = [t for t in urgent.tasks if t.state == "handle"]
    assert urgent_task.due_at < normal_task.due_at


def test_todo_lists_pools_and_personal_tasks(bureau, people, tree):
    instance = receive(bureau, tree)
    titles = [t.instance.title for t in db.session.scalars(todo_query(bureau.clerk))]
    assert titles == [instance.title]  # the office pool: every bureau_staff of the city bureau
    assert db.session.scalars(todo_query(people.district_a_staff)).all() == []
    to_handle(instance, bureau, people, readers=[people.leader])
    assert db.session.scalars(todo_query(bureau.clerk)).all() == []
    (task,) = db.session.scalars(todo_query(people.city_staff))
    assert task.state == "handle"


ANY_PROCESS = """
key: test_first_claim
version: 1
name: 抢办测试
subject_org_type: city_bureau
fields:
  teams: {label: 承办科室, type: orgs, org_type: department}
lanes:
  office: {label: 办公室, role: bureau_staff, org: subject}
  teams: {label: 各科室, role: bureau_staff, org: subject}
start: dispatch
states:
  dispatch: {label: 分派, lane: office, editable: [teams]}
  claim:
    label: 抢办
    lane: teams
    assignee: {role: bureau_staff, orgs: "field:teams"}
    parallel: any
  closed: {label: 已办结, lane: teams, final: true}
transitions:
  - {key: dispatch, label: 分派, from: dispatch, to: claim, requires: [teams]}
  - {key: take, label: 我来办, from: claim, to: closed}
"""


def test_first_claimer_wins_and_the_others_tasks_close(bureau, people, tree, throwaway_process):
    throwaway_process(ANY_PROCESS)
    instance = workflow.start("test_first_claim", org=tree.city, actor=bureau.clerk, title="群众来信转办")
    db.session.commit()
    with pytest.raises(ValidationFailed) as empty:
        workflow.perform(instance, "dispatch", actor=bureau.clerk)
    assert "承办科室" in empty.value.message
    workflow.perform(instance, "dispatch", actor=bureau.clerk, data={"teams": [bureau.basic.id, bureau.dept2.id]})
    assert len([t for t in workflow.current_tasks(instance) if t.is_open]) == 2
    workflow.perform(instance, "take", actor=bureau.dept2_staff)
    assert instance.state == "closed"
    claim = sorted((t.candidate_org_id, t.status) for t in instance.tasks if t.state == "claim")
    assert dict(claim) == {bureau.basic.id: TaskStatus.CANCELLED, bureau.dept2.id: TaskStatus.DONE}


def test_readers_are_people_of_the_bureau_itself(bureau, people, tree):
    instance = receive(bureau, tree)
    for step, data in (("sign", None), ("register", {"registry_number": "收2"}), ("pass_check", None),
                       ("propose", {"proposal": "拟办", "lead_department": bureau.basic.id})):
        workflow.perform(instance, step, actor=bureau.clerk, data=data)
    with pytest.raises(ValidationFailed) as refused:
        workflow.perform(instance, "instruct", actor=people.leader, data={
            "instruction": "阅", "readers": [people.teacher_a1.id]})  # a teacher of a school in the city
    assert "不属于示范市教育局" in refused.value.message

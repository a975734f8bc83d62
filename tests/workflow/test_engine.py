"""Running the resource review: who may do what, refusals, forms, hooks, atomicity, versions."""

from __future__ import annotations

import pytest

from eduplatform import workflow
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import AppError, Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.workflow import engine, registry
from eduplatform.workflow.models import ProcessInstance, TaskStatus, WorkflowEvent


def keys(instance, user):
    return [a.transition.key for a in workflow.available_transitions(instance, user)]


def start_review(people, tree, doc):
    instance = workflow.start("sample_review", subject=doc, org=tree.school_a1, actor=people.teacher_a1,
                              data={"title": doc.title, "summary": "人教版九年级上册"})
    db.session.commit()  # a refused action rolls back to here, as a request would
    return instance


def test_the_whole_review_with_status_kept_by_the_hook(people, tree, docs):
    doc = docs()
    instance = start_review(people, tree, doc)
    assert (instance.state, doc.status) == ("draft", "draft")
    assert keys(instance, people.teacher_a1) == ["submit", "abandon"]
    assert keys(instance, people.school_a1_admin) == []

    workflow.perform(instance, "submit", actor=people.teacher_a1)
    assert (instance.state, doc.status) == ("school_review", "school_review")
    assert keys(instance, people.teacher_a1) == ["withdraw"]
    assert keys(instance, people.school_a1_admin) == ["school_approve", "school_return"]
    assert keys(instance, people.school_b1_admin) == []  # another school's administrator

    workflow.perform(instance, "school_approve", actor=people.school_a1_admin,
                     data={"school_opinion": "内容准确，同意推荐"})
    assert instance.state == "district_review"
    # The district bureau above the school: its staff (in a 科室 of it) act, the other district's do not.
    assert keys(instance, people.district_a_staff) == ["district_approve", "district_return"]
    assert keys(instance, people.district_b_staff) == []
    assert keys(instance, people.city_staff) == []

    workflow.perform(instance, "district_approve", actor=people.district_a_staff)
    assert instance.state == "published" and not instance.is_active
    assert doc.status == "published" and doc.published_at is not None
    assert workflow.instance_for(doc) is instance
    flow = [(e.kind, e.from_state, e.to_state, e.actor_name) for e in workflow.events(instance)]
    assert flow == [
        ("started", None, "draft", "a1teacher"),
        ("transition", "draft", "school_review", "a1teacher"),
        ("transition", "school_review", "district_review", "a1admin"),
        ("transition", "district_review", "published", "dastaff"),
    ]
    changes = workflow.events(instance)[2].changes
    assert changes == {"school_opinion": [None, "内容准确，同意推荐"]}
    audited = db.session.scalars(db.select(AuditEntry.kind).where(
        AuditEntry.object_type == "process_instance", AuditEntry.object_id == str(instance.id))).all()
    assert audited.count("instance.transition") == 3 and "instance.started" in audited


def test_returning_requires_a_reason_and_goes_back_to_the_uploader(people, tree, docs):
    instance = start_review(people, tree, docs())
    workflow.perform(instance, "submit", actor=people.teacher_a1)
    with pytest.raises(ValidationFailed) as refused:
        workflow.perform(instance, "school_return", actor=people.school_a1_admin, reason="  ")
    assert "退回必须填写理由" in refused.value.message
    workflow.perform(instance, "school_return", actor=people.school_a1_admin, reason="缺少教学设计说明")
    assert instance.state == "returned"
    assert keys(instance, people.teacher_a1) == ["resubmit", "abandon"]
    event = workflow.events(instance)[-1]
    assert event.reason == "缺少教学设计说明" and event.transition == "school_return"
    # Resubmitting needs the revision note (requires), then reaches the school again with a new task.
    with pytest.raises(ValidationFailed) as missing:
        workflow.perform(instance, "resubmit", actor=people.teacher_a1)
    assert "修改说明" in missing.value.message
    workflow.perform(instance, "resubmit", actor=people.teacher_a1, data={"revision_note": "已补充教学设计"})
    assert instance.state == "school_review"
    open_tasks = [t for t in workflow.current_tasks(instance) if t.is_open]
    assert len(open_tasks) == 1 and open_tasks[0].entry == instance.entry


def test_wrong_user_is_refused_with_403_and_audited(people, tree, docs):
    instance = start_review(people, tree, docs())
    workflow.perform(instance, "submit", actor=people.teacher_a1)
    instance_id = instance.id
    with pytest.raises(PermissionDenied) as refused:
        workflow.perform(instance, "school_approve", actor=people.school_b1_admin)
    assert "不是「学校审核（已提交）」的办理人" in refused.value.message
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "transition.refused")).all()[-1]
    assert entry.actor_name == "b1admin" and entry.object_id == str(instance_id)
    assert entry.data == {"transition": "school_approve", "code": "forbidden"}


def test_transition_not_allowed_in_this_state_is_a_409(people, tree, docs):
    instance = start_review(people, tree, docs())
    with pytest.raises(AppError) as refused:
        workflow.perform(instance, "district_approve", actor=people.district_a_staff)
    assert refused.value.status == 409 and "草稿" in refused.value.message
    assert "不能执行「审核通过并发布」" in refused.value.message
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "transition.refused")).all()[-1]
    assert entry.data == {"transition": "district_approve", "code": "not_allowed_in_state"}
    assert entry.actor_name == "dastaff"
    with pytest.raises(AppError) as unknown:
        workflow.perform(instance, "teleport", actor=people.teacher_a1)
    assert unknown.value.status == 409


def test_only_fields_editable_at_the_step_are_accepted(people, tree, docs):
    instance = start_review(people, tree, docs())
    workflow.perform(instance, "submit", actor=people.teacher_a1)
    with pytest.raises(ValidationFailed) as refused:
        workflow.perform(instance, "school_approve", actor=people.school_a1_admin,
                         data={"district_opinion": "越权填写", "nonsense": 1})
    assert refused.value.fields == {"district_opinion": ["在「学校审核（已提交）」不可编辑"],
                                    "nonsense": ["未知字段"]}
    assert instance.state == "school_review"


def test_withdraw_by_the_starter_uses_the_instance_version(people, tree, docs):
    instance = start_review(people, tree, docs())
    workflow.perform(instance, "submit", actor=people.teacher_a1)
    (withdraw,) = workflow.available_transitions(instance, people.teacher_a1)
    assert withdraw.task is None and withdraw.version == instance.version
    with pytest.raises(Conflict):
        workflow.perform(instance, "withdraw", actor=people.teacher_a1, expected_version=withdraw.version - 1)
    workflow.perform(instance, "withdraw", actor=people.teacher_a1, expected_version=withdraw.version)
    assert instance.state == "draft"
    assert [t.status for t in instance.tasks] == [TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.OPEN]


def test_a_stale_task_version_is_refused(people, tree, docs):
    instance = start_review(people, tree, docs())
    (submit, _) = workflow.available_transitions(instance, people.teacher_a1)
    workflow.perform(instance, "submit", actor=people.teacher_a1, task=submit.task,
                     expected_version=submit.version)
    with pytest.raises(Conflict):  # the same task again (a double click, a second tab)
        workflow.perform(instance, "submit", actor=people.teacher_a1, task=submit.task,
                         expected_version=submit.version)


def test_a_failing_hook_leaves_nothing_half_done(people, tree, docs):
    doc = docs()
    instance = start_review(people, tree, doc)
    db.session.commit()

    @engine.on_transition("sample_review")
    def explode(event):
        if event.to_state == "school_review":
            raise ValidationFailed("资源文件未通过规范检查")

    try:
        with pytest.raises(ValidationFailed):
            workflow.perform(instance, "submit", actor=people.teacher_a1)
        db.session.rollback()
    finally:
        engine.remove_hook("sample_review", explode)
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.state == "draft" and db.session.get(type(doc), doc.id).status == "draft"
    assert len(workflow.events(instance)) == 1


def test_starting_checks_the_org_type(people, tree, docs):
    with pytest.raises(ValidationFailed) as refused:
        workflow.start("sample_review", subject=docs(), org=tree.district_a, actor=people.district_a_staff)
    assert "只能用于" in refused.value.message


def test_running_instances_keep_their_version(people, tree, docs):
    old = start_review(people, tree, docs())
    v1 = registry.get_process("sample_review")
    # Version 99 drops the uploader's 撤回.
    source = v1.source.replace("version: 1", "version: 99").replace(
        "  - {key: withdraw, label: 撤回, from: school_review, to: draft, kind: withdraw, by: starter, "
        "reason: optional}\n", "")
    try:
        v2 = registry.register_text(source, origin="test")
        assert registry.get_process("sample_review") is v2
        new = start_review(people, tree, docs("新课件"))
        for instance in (old, new):
            workflow.perform(instance, "submit", actor=people.teacher_a1)
        assert old.definition.version == 1 and new.definition.version == 99
        assert keys(old, people.teacher_a1) == ["withdraw"]
        assert keys(new, people.teacher_a1) == []
        # Even when version 1 is no longer registered, its stored text keeps the old instance running.
        registry.unregister("sample_review", 1)
        registry._stored.clear()
        workflow.perform(old, "withdraw", actor=people.teacher_a1)
        assert old.state == "draft"
    finally:
        registry.unregister("sample_review")
        registry.register_text(v1.source, origin=v1.origin)


def test_a_changed_file_under_a_used_version_is_refused(people, tree, docs):
    start_review(people, tree, docs())
    v1 = registry.get_process("sample_review")
    changed = v1.source.replace("name: 示例资源审核", "name: 示例资源审核（改）")
    registry.unregister("sample_review", 1)
    try:
        registry.register_text(changed, origin="edited")
        with pytest.raises(AppError) as refused:
            start_review(people, tree, docs("另一份"))
        assert refused.value.code == "definition_changed" and "提升 version" in refused.value.message
    finally:
        registry.unregister("sample_review", 1)
        registry.register_text(v1.source, origin=v1.origin)


def test_events_cannot_be_changed(people, tree, docs):
    instance = start_review(people, tree, docs())
    event = db.session.scalars(db.select(WorkflowEvent).where(WorkflowEvent.instance_id == instance.id)).first()
    event.summary = "篡改"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_cancel_needs_a_reason_and_closes_the_tasks(people, tree, docs):
    instance = start_review(people, tree, docs())
    with pytest.raises(ValidationFailed):
        workflow.cancel(instance, people.teacher_a1, "")
    workflow.cancel(instance, people.teacher_a1, "资源重复上传")
    assert instance.status.value == "cancelled"
    assert all(t.status == TaskStatus.CANCELLED for t in instance.tasks)
    assert keys(instance, people.teacher_a1) == []


PUBLIC = """
key: test_inquiry
version: 1
name: 咨询（测试）
subject_org_type: city_bureau
fields:
  question: {label: 问题, type: text}
  answer: {label: 答复, type: text}
lanes:
  applicant: {label: 申请人, role: public, org: none}
  office: {label: 受理科室, role: bureau_staff, org: subject}
start: asking
states:
  asking: {label: 提出咨询, lane: applicant, assignee: {user: starter}, editable: [question]}
  answering: {label: 答复, lane: office, editable: [answer], due: 3}
  closed: {label: 办结, lane: office, final: true}
transitions:
  - {key: ask, label: 提交, from: asking, to: answering, requires: [question]}
  - {key: answer, label: 答复, from: answering, to: closed, requires: [answer]}
"""


def test_a_public_applicant_without_a_unit_works_in_its_own_lane(people, tree, throwaway_process):
    from eduplatform.workflow.permissions import can_view_instance
    from eduplatform.workflow.tasks import todo_query

    throwaway_process(PUBLIC)
    instance = workflow.start("test_inquiry", org=tree.city, actor=people.citizen, title="学区划分咨询")
    assert [t.state for t in db.session.scalars(todo_query(people.citizen))] == ["asking"]
    workflow.perform(instance, "ask", actor=people.citizen, data={"question": "某小区属于哪个学区？"})
    assert keys(instance, people.city_staff) == ["answer"] and keys(instance, people.citizen) == []
    workflow.perform(instance, "answer", actor=people.city_staff, data={"answer": "属于东湖区实验小学学区"})
    assert instance.state == "closed"
    assert can_view_instance(people.citizen, instance) and not can_view_instance(people.teacher_b1, instance)

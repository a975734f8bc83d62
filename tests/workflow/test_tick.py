"""The cron tick: reminders before the due time, overdue marks, escalation, deadlines; idempotent."""

from __future__ import annotations

from datetime import timedelta

from eduplatform import workflow
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.workflow.tick import run_tick


def inbox(user):
    return [(n.kind, n.title) for n in db.session.scalars(
        db.select(Notice).where(Notice.user_id == user.id).order_by(Notice.id))]


def submitted(people, tree):
    instance = workflow.start("sample_review", org=tree.school_a1, actor=people.teacher_a1, title="分数的意义",
                              data={"title": "分数的意义"})
    workflow.perform(instance, "submit", actor=people.teacher_a1)
    (task,) = [t for t in workflow.current_tasks(instance) if t.is_open]
    return instance, task


def test_new_tasks_reach_the_pool_inbox(people, tree):
    submitted(people, tree)
    assert inbox(people.school_a1_admin) == [("task", "新待办：示例资源审核·学校审核（已提交）：分数的意义")]
    assert inbox(people.school_b1_admin) == []


def test_reminder_overdue_and_escalation_each_once(people, tree):
    instance, task = submitted(people, tree)
    assert task.remind_at < task.due_at < task.escalate_at
    assert run_tick(task.remind_at - timedelta(minutes=1)).reminded == 0

    first = run_tick(task.remind_at)
    assert (first.reminded, first.overdue, first.escalated) == (1, 0, 0)
    assert run_tick(task.remind_at).reminded == 0  # idempotent
    assert inbox(people.school_a1_admin)[-1][0] == "reminder"

    late = run_tick(task.due_at + timedelta(seconds=1))
    assert (late.reminded, late.overdue, late.escalated) == (0, 1, 0)
    assert inbox(people.school_a1_admin)[-1] == ("overdue", "已逾期：示例资源审核·学校审核（已提交）：分数的意义")
    assert task.is_overdue(task.due_at + timedelta(seconds=1)) and not task.is_overdue(task.due_at)

    escalated = run_tick(task.escalate_at)
    assert escalated.escalated == 1 and run_tick(task.escalate_at + timedelta(days=30)).escalated == 0
    # The escalation goes to the district bureau above the school (notify only at this step).
    kinds = [k for k, _ in inbox(people.district_a_staff)]
    assert kinds == ["escalated"] and inbox(people.district_b_staff) == []
    assert [e.kind for e in workflow.events(instance)][-2:] == ["overdue", "escalated"]


def test_escalation_with_reassign_lets_the_leader_act(people, tree, create_user):
    from eduplatform.accounts.models import Role

    district_leader = create_user("dleader", roles=[Role.BUREAU_LEADER], org=tree.district_a)
    instance, _ = submitted(people, tree)
    workflow.perform(instance, "school_approve", actor=people.school_a1_admin)
    (task,) = [t for t in workflow.current_tasks(instance) if t.is_open]
    assert workflow.available_transitions(instance, district_leader) == []
    run_tick(task.escalate_at)
    assert [a.transition.key for a in workflow.available_transitions(instance, district_leader)] == [
        "district_approve", "district_return"]
    workflow.perform(instance, "district_approve", actor=district_leader)
    assert instance.state == "published"


def test_a_finished_task_is_never_chased(people, tree):
    instance, task = submitted(people, tree)
    workflow.perform(instance, "school_approve", actor=people.school_a1_admin)
    run_tick(task.escalate_at + timedelta(days=1))
    db.session.refresh(task)
    assert (task.reminded_at, task.overdue_notified_at, task.escalated_at) == (None, None, None)


def test_the_cli_command_runs_and_is_idempotent(app, people, tree):
    submitted(people, tree)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workflow-tick"])
    assert result.exit_code == 0, result.output
    assert "到期提醒" in result.output and "逾期督办" in result.output


CLOCK = """
key: test_disclosure
version: 1
name: 依申请公开（测试）
subject_org_type: [city_bureau, district_bureau]
deadline: {working_days: 20}
fields:
  answer: {label: 答复, type: text}
lanes:
  office: {label: 信息公开工作机构, role: bureau_staff, org: subject}
start: handling
states:
  handling: {label: 办理, lane: office, editable: [answer]}
  correcting: {label: 待申请人补正, lane: office}
  answered: {label: 已答复, lane: office, final: true}
transitions:
  - {key: ask_correction, label: 一次性告知补正, from: handling, to: correcting, clock: stop, limit: 1, reason: required}
  - {key: corrected, label: 收到补正, from: correcting, to: handling, clock: restart}
  - {key: extend, label: 延期答复, from: handling, to: handling, clock: {extend_working_days: 20}, limit: 1, reason: required}
  - {key: answer, label: 答复, from: handling, to: answered, requires: [answer]}
"""


def test_whole_process_deadline_extension_and_restart(people, tree, throwaway_process):
    from eduplatform.core.errors import Conflict
    from eduplatform.workflow.calendar import WorkCalendar

    throwaway_process(CLOCK)
    instance = workflow.start("test_disclosure", org=tree.city, actor=people.city_staff, title="申请公开学区划分")
    db.session.commit()
    first = instance.deadline_at
    cal = WorkCalendar.load()
    assert first == cal.due_at(instance.started_at, 20)
    workflow.perform(instance, "extend", actor=people.city_staff, reason="需会商相关部门")
    assert instance.deadline_at == cal.extend(first, 20)
    db.session.commit()
    keys = [a.transition.key for a in workflow.available_transitions(instance, people.city_staff)]
    assert "extend" not in keys  # one extension only
    try:
        workflow.perform(instance, "extend", actor=people.city_staff, reason="再延")
    except Conflict as exc:
        assert "最多只能办理 1 次" in exc.message
    workflow.perform(instance, "ask_correction", actor=people.city_staff, reason="申请内容不明确")
    assert instance.deadline_at is None
    workflow.perform(instance, "corrected", actor=people.city_staff)
    assert instance.deadline_at == cal.due_at(workflow.events(instance)[-1].created_at, 20)
    passed = run_tick(instance.deadline_at + timedelta(seconds=1))
    assert passed.deadlines == 1 and run_tick(instance.deadline_at + timedelta(days=1)).deadlines == 0
    assert inbox(people.city_staff)[-1][0] == "deadline"

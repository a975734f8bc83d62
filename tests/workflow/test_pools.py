"""Pools open to the units above (``and_above``, 上级代办) and people excluded from a step
(``exclude``, 回避): loading, the to-do list, who may act, who is notified; and nobody is notified
of a task their own action made."""

from __future__ import annotations

import pytest

from eduplatform import workflow
from eduplatform.core.errors import PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.workflow import engine
from eduplatform.workflow.definitions import DefinitionError, load_definition
from eduplatform.workflow.tasks import todo_query

CHECK = """
key: pool_check
version: 1
name: 上级代办与回避
subject_org_type: [school, district_bureau, city_bureau]
lanes:
  author: {label: 起草人, role: teacher, org: subject}
  reviewer: {label: 审核人, role: bureau_staff, org: subject_bureau, and_above: true}
start: draft
states:
  draft: {label: 起草, lane: author, assignee: {user: starter}}
  review: {label: 审核, lane: reviewer, exclude: starter, due: 2}
  done: {label: 完成, lane: reviewer, final: true}
transitions:
  - {key: send, label: 送审, from: draft, to: review}
  - {key: ok, label: 通过, from: review, to: done}
"""


def _problems(source: str) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        load_definition(source, origin="test.yaml")
    return exc.value.problems


@pytest.mark.nodb
def test_the_new_keys_are_checked_at_load():
    process = load_definition(CHECK)
    assert process.lanes["reviewer"].and_above and process.states["review"].exclude == "starter"
    assert "上级单位的同岗位人员也可办理" in process.assignee_of(process.states["review"]).describe(process)
    bad = CHECK.replace("exclude: starter", "exclude: field:author")
    assert any("exclude：须为 starter 或 actor_of" in p for p in _problems(bad))
    bad = CHECK.replace("exclude: starter", "exclude: actor_of:nowhere")
    assert any("未定义的状态「nowhere」" in p for p in _problems(bad))
    bad = CHECK.replace("draft: {label: 起草, lane: author, assignee: {user: starter}}",
                        "draft: {label: 起草, lane: author, assignee: {user: starter}, exclude: starter}")
    assert any("回避的人就是本步骤的办理人" in p for p in _problems(bad))
    bad = CHECK.replace("{label: 起草, lane: author, assignee: {user: starter}}",
                        "{label: 起草, lane: author, assignee: {user: starter, and_above: true}}")
    assert any("and_above：只用于按单位指派" in p for p in _problems(bad))
    bad = CHECK.replace("done: {label: 完成, lane: reviewer, final: true}",
                        "done: {label: 完成, lane: reviewer, final: true, exclude: starter}")
    assert any("结束状态不能有办理人、并行、期限、回避" in p for p in _problems(bad))


@pytest.fixture
def pool_check(throwaway_process):
    return throwaway_process(CHECK)


def _sent(people, tree, starter, org):
    instance = workflow.start("pool_check", org=org, actor=starter, title="区级教研材料")
    workflow.perform(instance, "send", actor=starter)
    db.session.commit()
    return instance


def _inbox(user) -> list[str]:
    return list(db.session.scalars(db.select(Notice.title).where(Notice.user_id == user.id)))


def _todo_ids(user) -> list[int]:
    return [t.instance_id for t in db.session.scalars(todo_query(user))]


def test_the_units_above_may_act_and_find_it_in_their_todo(pool_check, people, tree, create_user):

    instance = _sent(people, tree, people.teacher_a1, tree.school_a1)
    (task,) = [t for t in engine.current_tasks(instance) if t.is_open]
    assert task.candidate_org_id == tree.district_a.id and task.candidate_above
    # district A (its department included), and the city above it; not district B
    for user, may in ((people.district_a_staff, True), (people.city_staff, True), (people.district_b_staff, False),
                      (people.leader, False)):  # the leader holds another role
        assert engine.can_act_on_task(user, task) is may, user
        assert (instance.id in _todo_ids(user)) is may, user
    # Only the unit's own pool is notified; those above find it in their lists.
    assert any("区级教研材料" in t for t in _inbox(people.district_a_staff))
    assert _inbox(people.city_staff) == []
    workflow.perform(instance, "ok", actor=people.city_staff)
    assert instance.state == "done"


def test_the_starter_is_excluded_even_from_a_pool_they_belong_to(pool_check, people, tree, create_user):
    from eduplatform.accounts.models import Role

    colleague = create_user("dacolleague", roles=[Role.BUREAU_STAFF], org=tree.district_a)
    instance = _sent(people, tree, people.district_a_staff, tree.district_a)
    (task,) = [t for t in engine.current_tasks(instance) if t.is_open]
    assert task.excluded_user_id == people.district_a_staff.id
    assert not engine.can_act_on_task(people.district_a_staff, task)
    assert instance.id not in _todo_ids(people.district_a_staff)
    assert not [t for t in _inbox(people.district_a_staff) if t.startswith("新待办")]  # not notified either
    assert instance.id in _todo_ids(colleague) and instance.id in _todo_ids(people.city_staff)
    assert engine.available_transitions(instance, people.district_a_staff) == []
    with pytest.raises(PermissionDenied) as refused:
        workflow.perform(instance, "ok", actor=people.district_a_staff)
    assert refused.value.code == "excluded" and "回避" in refused.value.message
    instance = db.session.get(type(instance), instance.id)
    assert instance.state == "review"
    workflow.perform(instance, "ok", actor=colleague)
    assert instance.state == "done"


def test_nobody_is_notified_of_a_task_their_own_action_made(pool_check, people, tree):
    workflow.start("pool_check", org=tree.school_a1, actor=people.teacher_a1, title="自己的草稿")
    db.session.flush()
    assert _inbox(people.teacher_a1) == []  # the draft is in the to-do list, no notice about it
    assert len(_todo_ids(people.teacher_a1)) == 1


def test_processes_without_the_additions_keep_their_pools(people, tree):
    """Reporting's review (report_review) names neither ``and_above`` nor ``exclude``: the district
    step stays the district's alone, and its reviewers are notified as before."""
    instance = workflow.start("report_review", org=tree.school_a1, actor=people.school_a1_admin,
                              data={"district_level": True, "city_level": True})
    workflow.perform(instance, "submit", actor=people.school_a1_admin)
    db.session.flush()
    (task,) = [t for t in workflow.current_tasks(instance) if t.is_open]
    assert (task.state, task.candidate_above, task.excluded_user_id) == ("district_review", False, None)
    assert [t.id for t in db.session.scalars(todo_query(people.district_a_staff))] == [task.id]
    for outsider in (people.city_staff, people.district_b_staff, people.school_a1_admin):
        assert task.id not in [t.id for t in db.session.scalars(todo_query(outsider))]
    told = set(db.session.scalars(db.select(Notice.user_id).where(Notice.task_id == task.id)))
    assert people.district_a_staff.id in told and people.school_a1_admin.id not in told

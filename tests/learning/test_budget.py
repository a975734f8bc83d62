"""双减 load control: budgets by grade, the day's total across subjects, the 班主任's approval and return."""

from __future__ import annotations

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.learning import budget, services
from eduplatform.learning.models import Homework, HomeworkStatus, ItemKind, Level
from tests.assertions import count


def test_policy_figures_come_from_the_yaml(junior, tree):
    assert budget.rule_for(tree.school_a2.id, 7).minutes == 90
    assert budget.rule_for(tree.school_a1.id, 3).minutes == 60
    first = budget.rule_for(tree.school_a1.id, 1)
    assert first.minutes == 0 and not first.written_allowed
    assert budget.rule_for(tree.school_b2.id, 10).minutes is None
    assert "2021" in budget.policy_source()


def test_exactly_at_budget_publishes_and_one_minute_more_is_refused(junior, set_homework):
    c = junior.school_class
    maths = set_homework(junior.teachers["数学"], c, "数学", (50,))
    services.publish(junior.teachers["数学"], maths)
    chinese = set_homework(junior.teachers["语文"], c, "语文", (40,))
    services.publish(junior.teachers["语文"], chinese)  # 50 + 40 = 90: exactly the budget
    db.session.commit()
    assert chinese.status == HomeworkStatus.PUBLISHED
    assert budget.day_load(c, services.local_today()).total == 90
    english = set_homework(junior.teachers["数学"], c, "数学", (1,), title="加练")
    with pytest.raises(Conflict) as refused:
        services.publish(junior.teachers["数学"], english)
    assert refused.value.code == "over_budget"
    assert "合计 91 分钟，超过双减预算 90 分钟" in refused.value.message
    db.session.rollback()
    assert db.session.get(Homework, english.id).status == HomeworkStatus.DRAFT


def test_reading_tasks_are_not_written_and_do_not_count(junior, set_homework):
    c = junior.school_class
    h = set_homework(junior.teachers["数学"], c, "数学", (90, 30), kinds=[ItemKind.HANDIN, ItemKind.READING])
    services.publish(junior.teachers["数学"], h)
    assert h.written_minutes == 90 and h.total_minutes == 120
    assert budget.day_load(c, services.local_today()).total == 90


def test_first_grade_gets_no_written_homework_even_with_approval(make_class, tree, set_homework):
    first = make_class(tree.school_a1, grade=1)
    written = set_homework(first.teachers["语文"], first.school_class, "语文", (10,))
    for ask in (False, True):
        with pytest.raises(Conflict) as refused:
            services.publish(first.teachers["语文"], written, ask_head_teacher=ask)
        assert refused.value.code == "no_written_homework" and "不布置书面家庭作业" in refused.value.message
    db.session.rollback()
    assert count(Homework, Homework.status != HomeworkStatus.DRAFT) == 0
    reading = set_homework(first.teachers["语文"], first.school_class, "语文", (15,), kinds=[ItemKind.READING])
    services.publish(first.teachers["语文"], reading)
    assert reading.status == HomeworkStatus.PUBLISHED


def test_groups_count_the_largest_group_not_their_sum(junior, set_homework):
    c, t = junior.school_class, junior.teachers["数学"]
    for level, minutes in ((None, 30), (Level.BASIC, 20), (Level.EXTENSION, 40)):
        services.publish(t, set_homework(t, c, "数学", (minutes,), level=level))
    load = budget.day_load(c, services.local_today())
    assert load.subject_minutes("数学") == 70  # 30 for everyone + the 拓展 group's 40
    assert load.total == 70


def test_school_sets_its_own_budget(junior, people, tree, set_homework):
    budget.set_school_budget(people.school_a1_admin, tree.school_a2, 7, 60)
    assert budget.rule_for(tree.school_a2.id, 7).minutes == 60
    assert db.session.query(AuditEntry).filter_by(kind="budget.set").count() == 1
    with pytest.raises(ValidationFailed):
        budget.set_school_budget(people.school_a1_admin, tree.school_a2, 7, 999)
    h = set_homework(junior.teachers["数学"], junior.school_class, "数学", (70,))
    with pytest.raises(Conflict):
        services.publish(junior.teachers["数学"], h)


def _over(junior, set_homework):
    c = junior.school_class
    services.publish(junior.teachers["语文"], set_homework(junior.teachers["语文"], c, "语文", (60,)))
    maths = set_homework(junior.teachers["数学"], c, "数学", (20, 20))
    services.publish(junior.teachers["数学"], maths, ask_head_teacher=True)
    db.session.commit()
    return maths


def test_head_teacher_approves_and_it_is_published(junior, set_homework):
    from eduplatform import workflow

    maths = _over(junior, set_homework)
    assert maths.status == HomeworkStatus.PENDING
    assert budget.day_load(junior.school_class, services.local_today()).pending == {"数学": 40}
    tasks = db.session.scalars(workflow.todo_query(junior.head)).all()
    assert len(tasks) == 1  # the 班主任's to-do
    with pytest.raises(PermissionDenied):
        services.decide(junior.students[0], maths, approve=True)
    db.session.rollback()
    services.decide(junior.head, maths, approve=True, opinion="本周测验前，同意")
    db.session.commit()
    assert maths.status == HomeworkStatus.PUBLISHED and maths.approved_by_id == junior.head.id
    assert maths.approval_opinion == "本周测验前，同意"
    assert budget.day_load(junior.school_class, services.local_today()).total == 100
    kinds = [e.kind for e in db.session.query(AuditEntry).filter_by(object_type="homework", object_id=str(maths.id))]
    assert {"homework.approval_requested", "homework.approved", "homework.published"} <= set(kinds)


def test_head_teacher_returns_with_opinion_and_teacher_reduces_the_set(junior, set_homework):
    maths = _over(junior, set_homework)
    with pytest.raises(ValidationFailed):
        services.decide(junior.head, maths, approve=False, opinion=" ")
    db.session.rollback()
    services.decide(junior.head, maths, approve=False, opinion="语文已经一小时了，请减到 30 分钟")
    db.session.commit()
    assert maths.status == HomeworkStatus.DRAFT and "30 分钟" in maths.approval_opinion
    services.remove_item(junior.teachers["数学"], maths.items[0])
    services.publish(junior.teachers["数学"], maths)  # 60 + 20 = 80 ≤ 90: no approval needed
    db.session.commit()
    assert maths.status == HomeworkStatus.PUBLISHED


def test_teacher_withdraws_the_request(junior, set_homework):
    maths = _over(junior, set_homework)
    services.withdraw(junior.teachers["数学"], maths)
    db.session.commit()
    assert maths.status == HomeworkStatus.DRAFT
    with pytest.raises(Conflict):
        services.decide(junior.head, maths, approve=True)


def test_without_a_head_teacher_over_budget_cannot_be_sent(make_class, set_homework):
    c = make_class(head="体育")
    services.publish(c.teachers["语文"], set_homework(c.teachers["语文"], c.school_class, "语文", (80,)))
    maths = set_homework(c.teachers["数学"], c.school_class, "数学", (20,))
    with pytest.raises(Conflict) as refused:
        services.publish(c.teachers["数学"], maths, ask_head_teacher=True)
    assert refused.value.code == "no_head_teacher"

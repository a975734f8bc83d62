"""School-year roll-over: preview, promotion, graduation, accounts, audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.schools import provisioning, rollover, services
from eduplatform.schools.models import SchoolClass, StudentStatus


def test_the_preview_lists_promotions_and_graduations_without_changing_anything(world):
    plan = rollover.plan_rollover(world.school)
    assert plan.problems == []
    assert plan.to_year_name == "2026–2027学年"
    assert [(m.school_class.name, m.new_name, m.students) for m in plan.promoted] == [
        ("一年级(1)班", "二年级(1)班", 2), ("一年级(2)班", "二年级(2)班", 0)]
    assert [(m.school_class.name, m.students) for m in plan.graduating] == [("六年级(1)班", 1)]
    assert services.current_year(world.school).start_year == 2025


def test_roll_over_promotes_graduates_and_keeps_last_year_as_a_record(world):
    provisioning.provision_class_accounts(world.people.school_a1_admin, world.class_1_1)
    world.class_1_1.assignments  # noqa: B018 - load before the roll-over
    services.set_assignments(world.teacher, [{"class_id": world.class_1_1.id, "subject": "数学"}])
    db.session.commit()
    rollover.apply_rollover(world.people.school_a1_admin, world.school)
    db.session.commit()
    year = services.current_year(world.school)
    assert year.start_year == 2026
    classes = services.current_classes(world.school)
    assert [c.name for c in classes] == ["二年级(1)班", "二年级(2)班"]
    second_1 = classes[0]
    assert second_1.predecessor_id == world.class_1_1.id
    assert second_1.head_teacher == world.teacher
    assert [s.student_no for s in second_1.students] == ["S0001", "S0002"]
    assert [(a.teacher.name, a.subject) for a in second_1.assignments] == [("王老师", "数学")]
    # last year's classes stay, as a record of that year
    assert db.session.get(SchoolClass, world.class_1_1.id).school_year.start_year == 2025
    graduate = services.student_by_no(world.school, "S0601")
    assert graduate.status == StudentStatus.GRADUATED and graduate.left_on is not None
    assert world.class_6_1.graduated
    assert graduate.user.is_active_account is False
    assert services.student_by_no(world.school, "S0001").user.is_active_account is True
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "year.rolled_over"))
    assert entry.data["graduating_students"] == 1 and entry.actor_name == "a1admin"


def test_last_years_classes_cannot_be_edited(world):
    rollover.apply_rollover(world.people.school_a1_admin, world.school)
    with pytest.raises(Conflict, match="历史记录"):
        services.update_class(world.people.school_a1_admin, world.class_1_1, head_teacher_id=None)


def test_a_school_without_a_year_has_nothing_to_roll_over(tree, people):
    plan = rollover.plan_rollover(tree.school_b1)
    assert plan.problems == ["本校尚未建立学年和班级，无需升级"]
    with pytest.raises(Conflict):
        rollover.apply_rollover(people.school_b1_admin, tree.school_b1)

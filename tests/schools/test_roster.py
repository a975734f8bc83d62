"""Profiles, classes, teachers and students: the rules of the services."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.api import load_input
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import Stage
from eduplatform.schools import provisioning, services
from eduplatform.schools.models import Gender, SchoolType, StudentStatus
from eduplatform.schools.schemas import ProfileInputSchema


def test_profile_edits_are_kept_as_history_and_audited(world):
    admin = world.people.school_a1_admin
    data = load_input(ProfileInputSchema(), {"school_type": "primary", "principal": "赵校长", "classroom_count": 24,
                                             "stages": ["primary", "kindergarten"]})
    services.update_profile(admin, world.school, data)
    services.update_profile(admin, world.school, {"principal": "钱校长"})
    db.session.commit()
    profile = services.profile_for(world.school)
    assert (profile.school_type, profile.principal, profile.classroom_count) == (SchoolType.PRIMARY, "钱校长", 24)
    assert world.school.stages == ["kindergarten", "primary"]
    history = services.profile_revisions(world.school)
    assert history[0].changes == {"principal": ["赵校长", "钱校长"]}
    assert history[1].changes["stages"] == [["primary"], ["kindergarten", "primary"]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.kind == "profile.updated")) == 2


def test_profile_input_is_checked_in_chinese():
    with pytest.raises(ValidationFailed) as refused:
        load_input(ProfileInputSchema(), {"postcode": "12", "principal_phone": "abc", "stages": []})
    assert refused.value.fields["postcode"] == ["邮政编码须为 6 位数字"]
    assert "电话号码格式不正确" in refused.value.fields["principal_phone"][0]
    assert refused.value.fields["stages"] == ["至少选择一个学段"]


def test_one_main_campus(world):
    admin = world.people.school_a1_admin
    first = services.add_campus(admin, world.school, {"name": "本部", "address": "湖滨路1号", "is_main": True})
    second = services.add_campus(admin, world.school, {"name": "东校区", "address": None, "is_main": True})
    db.session.refresh(first)
    assert (first.is_main, second.is_main) == (False, True)
    with pytest.raises(ValidationFailed, match="已存在"):
        services.add_campus(admin, world.school, {"name": "本部", "address": None, "is_main": False})


def test_classes_must_fit_the_school_stages_and_be_unique(world):
    admin = world.people.school_a1_admin
    with pytest.raises(ValidationFailed, match="本校学段没有七年级"):
        services.create_class(admin, world.school, grade=7, number=1)
    with pytest.raises(ValidationFailed, match=r"一年级\(1\)班已存在"):
        services.create_class(admin, world.school, grade=1, number=1)


def test_a_head_teacher_must_teach_at_the_school(world, tree, people):
    stranger = services.create_teacher(people.school_b1_admin, tree.school_b1, {"teacher_no": "B1", "name": "外校"})
    with pytest.raises(ValidationFailed, match="本校在职教师"):
        services.update_class(people.school_a1_admin, world.class_1_2, head_teacher_id=stranger.id)


def test_a_class_with_students_cannot_be_deleted(world):
    with pytest.raises(Conflict):
        services.delete_class(world.people.school_a1_admin, world.class_1_1)
    services.delete_class(world.people.school_a1_admin, world.class_1_2)


def test_numbers_are_unique_per_school_not_per_city(world, tree, people):
    with pytest.raises(ValidationFailed, match="学号 S0001 已存在"):
        services.create_student(people.school_a1_admin, world.school, {
            "student_no": "S0001", "name": "重复", "gender": Gender.MALE, "class_id": world.class_1_1.id})
    year_b = services.ensure_current_year(people.school_b1_admin, tree.school_b1)
    assert year_b is not None
    class_b = services.create_class(people.school_b1_admin, tree.school_b1, grade=1, number=1)
    services.create_student(people.school_b1_admin, tree.school_b1, {
        "student_no": "S0001", "name": "同号", "gender": Gender.MALE, "class_id": class_b.id})


def test_a_student_cannot_join_another_schools_class(world, tree, people):
    services.ensure_current_year(people.school_b1_admin, tree.school_b1)
    class_b = services.create_class(people.school_b1_admin, tree.school_b1, grade=1, number=1)
    with pytest.raises(ValidationFailed, match="本校本学年"):
        services.update_student(people.school_a1_admin, world.student_1, {"class_id": class_b.id})


def test_transfer_out_deactivates_the_account_and_leaves_the_class_list(world):
    admin = world.people.school_a1_admin
    provisioning.provision_class_accounts(admin, world.class_1_1)
    services.set_student_status(admin, world.student_1, StudentStatus.TRANSFERRED)
    db.session.commit()
    assert world.student_1.user.is_active_account is False
    assert [s.student_no for s in world.class_1_1.students] == ["S0002"]
    services.set_student_status(admin, world.student_1, StudentStatus.ENROLLED)
    assert world.student_1.user.is_active_account is True and world.student_1.left_on is None


def test_audit_entries_never_hold_personal_numbers(world):
    services.update_student(world.people.school_a1_admin, world.student_1, {"guardian_phone": "13900002222"})
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "student.updated"))
    assert entry.data == {"guardian_phone": "已修改"}


def test_class_students_lists_only_enrolled_students(world):
    services.set_student_status(world.people.school_a1_admin, world.student_2, StudentStatus.TRANSFERRED)
    students = db.session.scalars(services.class_students(world.class_1_1)).all()
    assert [s.student_no for s in students] == ["S0001"]


def test_provisioning_creates_student_accounts_that_must_change_the_password(world):
    slips = provisioning.provision_class_accounts(world.people.school_a1_admin, world.class_1_1)
    db.session.commit()
    assert [(s.username, bool(s.password)) for s in slips] == [
        (f"s{world.school.code}S0001", True), (f"s{world.school.code}S0002", True)]
    user = world.student_1.user
    assert user.must_change_password and user.org == world.school and [r.value for r in user.roles] == ["student"]
    again = provisioning.provision_class_accounts(world.people.school_a1_admin, world.class_1_1)
    assert [s.password for s in again] == [None, None]  # shown once only
    assert [s.password for s in provisioning.slips_for_class(world.class_1_1)] == [None, None]


def test_teacher_accounts(world):
    slips = provisioning.provision_teacher_accounts(world.people.school_a1_admin, world.school, [world.teacher])
    assert slips[0].password is None  # the fixture teacher already has an account
    newcomer = services.create_teacher(world.people.school_a1_admin, world.school, {"teacher_no": "T9", "name": "新"})
    slips = provisioning.provision_teacher_accounts(world.people.school_a1_admin, world.school, [newcomer])
    assert slips[0].username == f"t{world.school.code}T9" and slips[0].password


def test_stage_change_keeps_grades_consistent(world):
    admin = world.people.school_a1_admin
    services.update_profile(admin, world.school, {"stages": [Stage.PRIMARY]})
    with pytest.raises(ValidationFailed, match="本校学段没有"):  # 七年级 is 初中's
        services.create_class(admin, world.school, grade=7, number=9)
    services.update_profile(admin, world.school, {"stages": [Stage.PRIMARY, Stage.JUNIOR]})
    made = services.create_class(admin, world.school, grade=7, number=9)
    assert sorted(world.school.stages) == ["junior", "primary"]
    assert (made.grade, made.number, made.school_id) == (7, 9, world.school.id)

"""Role rules, including 三员分立 (separation of the three administrators)."""

from __future__ import annotations

import pytest

from eduplatform.accounts import permissions
from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.permissions import ALL_ORGS, admin_scope, in_admin_scope, in_scope, org_scope


@pytest.mark.parametrize("extra", [Role.TEACHER, Role.BUREAU_STAFF, Role.AUDITOR])
def test_security_admin_holds_no_other_role(app, tree, extra):
    with pytest.raises(ValidationFailed, match="三员分立"):
        create_user(None, username="secx", display_name="x", roles={Role.SECADMIN, extra}, org=tree.city,
                    password="Good#Pass2026")


def test_scopes(people, tree):
    # 三员分立: the three administrators see no business records; the system and security
    # administrators administer every unit's accounts and structure.
    for admin in (people.sysadmin, people.secadmin, people.auditor):
        assert org_scope(admin) is None
        assert not in_scope(admin, tree.school_a1)
    assert admin_scope(people.sysadmin) is ALL_ORGS and admin_scope(people.secadmin) is ALL_ORGS
    assert admin_scope(people.auditor) is None
    assert admin_scope(people.school_a1_admin) == tree.school_a1
    assert in_admin_scope(people.sysadmin, tree.school_a1)
    assert org_scope(people.citizen) is None
    assert org_scope(people.city_staff) == tree.city  # a department acts for its bureau
    assert org_scope(people.district_a_staff) == tree.district_a
    assert org_scope(people.teacher_a1) == tree.school_a1
    assert in_scope(people.district_a_staff, tree.school_a2)
    assert not in_scope(people.district_a_staff, tree.school_b1)
    assert not in_scope(people.school_a1_admin, tree.school_a2)
    assert not in_scope(people.school_a1_admin, tree.district_a)


def test_grantable_roles(people):
    assert permissions.grantable_roles(people.teacher_a1) == frozenset()
    assert permissions.grantable_roles(people.school_a1_admin) == {Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT}
    assert Role.AUDITOR not in permissions.grantable_roles(people.sysadmin)
    assert permissions.grantable_roles(people.secadmin) == frozenset()
    assert permissions.grantable_roles(people.auditor) == frozenset()


def test_only_the_security_admin_unlocks_and_resets(people):
    assert permissions.can_unlock_user(people.secadmin, people.teacher_a1)
    assert not permissions.can_unlock_user(people.sysadmin, people.teacher_a1)
    assert not permissions.can_unlock_user(people.school_a1_admin, people.teacher_a1)
    assert not permissions.can_reset_password(people.secadmin, people.secadmin)


def test_managing_users(people):
    assert permissions.can_manage_user(people.school_a1_admin, people.teacher_a1)
    assert not permissions.can_manage_user(people.school_a1_admin, people.teacher_b1)
    assert not permissions.can_manage_user(people.sysadmin, people.auditor)
    assert not permissions.can_manage_user(people.school_a1_admin, people.school_a1_admin)

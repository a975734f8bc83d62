"""家校 fixtures: two 七年级 classes of one school (from the class-homework fixtures), their 班主任 (the
语文 teacher), the school admin, and parents linked to one child each by redeeming a real code."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.families import services
from tests.learning.conftest import junior, make_class, set_homework  # noqa: F401  (fixtures)


@pytest.fixture
def link_parent(create_user):
    """``link_parent(student_profile, username)`` → a parent account linked through a redeemed code."""

    def make(student, username: str, *, issuer=None):
        parent = create_user(username, roles=[Role.PARENT], org=None, display_name=f"{username}家长")
        issuer = issuer or create_user(f"{username}_issuer", roles=[Role.SCHOOL_ADMIN], org=student.school)
        [(_, code)] = services.issue_codes(issuer, [student])
        services.redeem_code(parent, code, relation="母亲")
        db.session.commit()
        return parent

    return make


@pytest.fixture
def families(make_class, tree, create_user, link_parent):  # noqa: F811  (the imported fixture)
    """Class A (3 students; the first linked to ``parent_a``, the second to ``parent_b``), class B of the
    same school (one student, linked to ``parent_c``) and another school's class; the school admin."""
    a = make_class(tree.school_a2)
    b = make_class(tree.school_a2, students=1)
    other = make_class(tree.school_b2, grade=10, students=1)
    admin = create_user("fam_admin", roles=[Role.SCHOOL_ADMIN], org=tree.school_a2)
    other_admin = create_user("fam_admin_b", roles=[Role.SCHOOL_ADMIN], org=tree.school_b2)
    kids_a = list(a.school_class.students)
    parent_a = link_parent(kids_a[0], "parent_a", issuer=admin)
    parent_b = link_parent(kids_a[1], "parent_b", issuer=admin)
    parent_c = link_parent(b.school_class.students[0], "parent_c", issuer=admin)
    return SimpleNamespace(a=a, b=b, other=other, admin=admin, other_admin=other_admin, kids_a=kids_a,
                           parent_a=parent_a, parent_b=parent_b, parent_c=parent_c,
                           kid_b=b.school_class.students[0], kid_other=other.school_class.students[0])

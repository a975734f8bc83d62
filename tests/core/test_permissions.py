"""The foundation's scoping rule and its load-and-check helper, on the org tree of the fixtures."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.accounts.models import User
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import NotFound, PermissionDenied
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, visible_to


def usernames(query) -> set[str]:
    return set(db.session.scalars(query.with_only_columns(User.username)))


def test_visible_to_is_the_subtree_of_the_business_scope(people, tree):
    query = sa.select(User)
    district = usernames(visible_to(people.district_a_staff, query, org_column=User.org_id))
    assert {"dastaff", "a1admin", "a1teacher", "a1student"} <= district
    assert not district & {"b1admin", "b1teacher", "dbstaff", "citystaff", "citizen1"}
    assert usernames(visible_to(people.teacher_a1, query, org_column=User.org_id)) == \
        {"a1admin", "a1teacher", "a1student"}
    # 三员分立: no business records for the three administrators; the public has no unit.
    for outsider in (people.sysadmin, people.secadmin, people.auditor, people.citizen):
        assert usernames(visible_to(outsider, query, org_column=User.org_id)) == set()


def test_visible_to_with_admin_reach_where_and_also(people, tree):
    query = sa.select(User)
    everyone = usernames(query)
    assert usernames(visible_to(people.sysadmin, query, org_column=User.org_id, admin=True)) == everyone
    assert usernames(visible_to(people.auditor, query, org_column=User.org_id, admin=True)) == set()
    assert usernames(visible_to(people.school_a1_admin, query, org_column=User.org_id, admin=True)) == \
        {"a1admin", "a1teacher", "a1student"}
    narrowed = visible_to(people.school_a1_admin, query, org_column=User.org_id, where=User.username != "a1student",
                          also=[User.username == "citizen1"])
    assert usernames(narrowed) == {"a1admin", "a1teacher", "citizen1"}


def test_get_visible_or_404_refuses_with_403_and_audits(people):
    def same_school(user, other):
        return user.org_id == other.org_id

    assert get_visible_or_404(User, people.teacher_a1.id, people.school_a1_admin, can=same_school,
                              action="user.view", missing="用户不存在") == people.teacher_a1
    with pytest.raises(PermissionDenied):
        get_visible_or_404(User, people.teacher_b1.id, people.school_a1_admin, can=same_school,
                           action="user.view", missing="用户不存在")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "permission.denied", AuditEntry.object_id == str(people.teacher_b1.id))) == 1
    with pytest.raises(NotFound, match="用户不存在"):
        get_visible_or_404(User, 10**9, people.school_a1_admin, can=same_school, action="user.view",
                           missing="用户不存在")


def test_get_visible_or_404_hides_what_it_refuses_when_asked(people):
    with pytest.raises(NotFound, match="用户不存在"):
        get_visible_or_404(User, people.teacher_b1.id, people.school_a1_admin, hide=True,
                           can=lambda user, other: user.org_id == other.org_id, action="user.view",
                           missing="用户不存在")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "permission.denied")) == 0

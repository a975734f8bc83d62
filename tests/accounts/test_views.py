"""User administration pages: lists in scope, creation, unlock and reset by the security admin."""

from __future__ import annotations

import re
from datetime import timedelta

from eduplatform.accounts.models import Role, User
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db


def test_school_admin_sees_only_own_school_in_user_list(client, auth, people):
    auth.login(people.school_a1_admin)
    page = client.get("/users").get_data(as_text=True)
    assert "a1teacher" in page and "a1student" in page
    assert "b1teacher" not in page and "dastaff" not in page


def test_user_detail_outside_scope_is_403_page(client, auth, people):
    auth.login(people.school_a1_admin)
    assert client.get(f"/users/{people.teacher_a1.id}").status_code == 200
    response = client.get(f"/users/{people.teacher_b1.id}")
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_teacher_cannot_open_user_admin(client, auth, people):
    auth.login(people.teacher_a1)
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403
    assert "用户管理" not in client.get("/").get_data(as_text=True)


def test_create_user_form_shows_errors_beside_fields_and_then_creates(client, auth, people, tree):
    auth.login(people.school_a1_admin)
    form = client.get("/users/new").get_data(as_text=True)
    assert "教师" in form and "系统管理员" not in form
    bad = client.post("/users/new", data={"username": "a1teacher", "display_name": "重复", "roles": ["teacher"],
                                          "org": tree.school_a1.code})
    assert "用户名已被使用" in bad.get_data(as_text=True)
    good = client.post("/users/new", data={"username": "formteacher", "display_name": "表单老师",
                                           "roles": ["teacher"], "org": tree.school_a1.code})
    assert good.status_code == 302
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert re.search(r"初始密码：\S{8,}", page)
    assert db.session.scalar(db.select(User).where(User.username == "formteacher")).roles == {Role.TEACHER}


def test_create_user_in_another_school_via_form_is_refused(client, auth, people, tree):
    auth.login(people.school_a1_admin)
    response = client.post("/users/new", data={"username": "sneaky", "display_name": "x", "roles": ["teacher"],
                                               "org": tree.school_b1.code})
    # The other school is not even a choice in the form.
    assert response.status_code in (200, 403)
    assert db.session.scalar(db.select(User).where(User.username == "sneaky")) is None


def test_security_admin_unlocks_and_resets(client, auth, people):
    user = people.teacher_a1
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    auth.login(people.secadmin)
    assert "解锁账户" in client.get(f"/users/{user.id}").get_data(as_text=True)
    # A reason is required: without one nothing changes.
    assert client.post(f"/users/{user.id}/unlock").status_code == 302
    db.session.refresh(user)
    assert user.is_locked()
    assert client.post(f"/users/{user.id}/unlock", data={"reason": "本人来电核实"}).status_code == 302
    db.session.refresh(user)
    assert user.locked_until is None
    response = client.post(f"/users/{user.id}/reset-password", follow_redirects=True)
    assert "新初始密码" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.must_change_password is True


def test_system_admin_cannot_unlock(client, auth, people):
    people.teacher_a1.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    auth.login(people.sysadmin)
    assert client.post(f"/users/{people.teacher_a1.id}/unlock").status_code == 403
    db.session.refresh(people.teacher_a1)
    assert people.teacher_a1.locked_until is not None


def test_school_admin_deactivates_a_teacher(client, auth, people):
    auth.login(people.school_a1_admin)
    assert client.post(f"/users/{people.teacher_a1.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(people.teacher_a1)
    assert people.teacher_a1.is_active_account is False
    assert client.post(f"/users/{people.teacher_b1.id}/active", data={"active": "0"}).status_code == 403

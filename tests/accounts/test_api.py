"""The accounts API: tokens, the caller, user lists and creation within scope."""

from __future__ import annotations

from eduplatform.accounts.lockout import FAILURE_MESSAGE
from eduplatform.accounts.models import Role, User
from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from tests.fixtures.factories import PASSWORD


def usernames(body) -> set[str]:
    return {item["username"] for item in body["items"]}


def test_token_for_good_credentials(client, people):
    response = client.post("/api/v1/auth/token", json={"username": "a1teacher", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) > 30 and body["must_change_password"] is False
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == "a1teacher"


def test_token_errors_are_json_with_code_and_message(client, people):
    wrong = client.post("/api/v1/auth/token", json={"username": "a1teacher", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.get_json() == {"error": {"code": "login_failed", "message": FAILURE_MESSAGE}}
    missing = client.post("/api/v1/auth/token", json={"username": "a1teacher"})
    assert missing.status_code == 422
    assert "password" in missing.get_json()["error"]["fields"]
    not_json = client.post("/api/v1/auth/token", data="x", content_type="text/plain")
    assert not_json.status_code == 422
    assert not_json.get_json()["error"]["code"] == "invalid_json"


def test_token_endpoint_counts_towards_lock_out(client, people):
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "a1teacher", "password": "Wrong#Pass1"})
    db.session.refresh(people.teacher_a1)
    assert people.teacher_a1.is_locked()
    # The right password does not get in, and the answer does not say the account is locked.
    locked = client.post("/api/v1/auth/token", json={"username": "a1teacher", "password": PASSWORD})
    assert locked.status_code == 401
    assert locked.get_json() == {"error": {"code": "login_failed", "message": FAILURE_MESSAGE}}


def test_api_without_token_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    bogus = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bogus.status_code == 401


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_initial_password_blocks_the_api_until_changed(client, create_user, tree):
    user = create_user("fresh", roles=[Role.TEACHER], org=tree.school_a1, must_change_password=True)
    token = client.post("/api/v1/auth/token", json={"username": "fresh", "password": PASSWORD}).get_json()
    assert token["must_change_password"] is True
    headers = {"Authorization": f"Bearer {token['token']}"}
    blocked = client.get("/api/v1/orgs", headers=headers)
    assert blocked.status_code == 403
    assert blocked.get_json()["error"]["code"] == "password_change_required"
    weak = client.post("/api/v1/me/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["fields"]
    changed = client.post("/api/v1/me/password", headers=headers,
                          json={"current_password": PASSWORD, "new_password": "Brand#Pass2026"})
    assert changed.status_code == 204
    # The old token ended with the change; a new one works.
    assert client.get("/api/v1/orgs", headers=headers).status_code == 401
    token = client.post("/api/v1/auth/token", json={"username": "fresh", "password": "Brand#Pass2026"}).get_json()
    assert client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {token['token']}"}).status_code == 200
    db.session.refresh(user)
    assert user.must_change_password is False


def test_user_list_is_scoped_to_the_callers_subtree(client, api, people):
    everyone = {u.username for u in db.session.scalars(db.select(User))}
    city = client.get("/api/v1/users?per_page=100", headers=api(people.city_staff)).get_json()
    assert usernames(city) == everyone - {"citizen1"}  # public users belong to no org
    district = client.get("/api/v1/users?per_page=100", headers=api(people.district_a_staff)).get_json()
    assert usernames(district) == {"dastaff", "a1admin", "a1teacher", "a1student"}
    school = client.get("/api/v1/users?per_page=100", headers=api(people.school_a1_admin)).get_json()
    assert usernames(school) == {"a1admin", "a1teacher", "a1student"}
    admin = client.get("/api/v1/users?per_page=100", headers=api(people.sysadmin)).get_json()
    assert usernames(admin) == everyone


def test_teachers_students_and_auditors_cannot_list_users(client, api, people):
    for user in (people.teacher_a1, people.student_a1, people.auditor, people.citizen):
        response = client.get("/api/v1/users", headers=api(user))
        assert response.status_code == 403, user.username
        assert response.get_json()["error"]["code"] == "forbidden"


def test_user_by_id_outside_scope_is_refused_and_audited(client, api, people):
    headers = api(people.school_a1_admin)
    assert client.get(f"/api/v1/users/{people.teacher_a1.id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/users/{people.teacher_b1.id}", headers=headers)
    assert response.status_code == 403
    denied = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "permission.denied")).all()
    assert denied[-1].actor_name == "a1admin"
    assert denied[-1].object_id == str(people.teacher_b1.id)
    assert client.get("/api/v1/users/999999", headers=headers).status_code == 404


def test_user_filters_and_pagination(client, api, people, tree):
    headers = api(people.city_staff)
    by_org = client.get(f"/api/v1/users?org={tree.school_a1.code}", headers=headers).get_json()
    assert usernames(by_org) == {"a1admin", "a1teacher", "a1student"}
    by_role = client.get("/api/v1/users?role=teacher", headers=headers).get_json()
    assert usernames(by_role) == {"a1teacher", "b1teacher"}
    page = client.get("/api/v1/users?per_page=2&page=2", headers=headers).get_json()
    assert page["page"] == 2 and page["per_page"] == 2 and len(page["items"]) == 2
    assert page["pages"] == (page["total"] + 1) // 2
    capped = client.get("/api/v1/users?per_page=5000", headers=headers).get_json()
    assert capped["per_page"] == 100
    bad = client.get("/api/v1/users?page=0", headers=headers)
    assert bad.status_code == 422 and "page" in bad.get_json()["error"]["fields"]
    bad_role = client.get("/api/v1/users?role=wizard", headers=headers)
    assert bad_role.status_code == 422
    unknown_org = client.get("/api/v1/users?org=NOPE", headers=headers)
    assert unknown_org.status_code == 404


def test_personal_data_is_masked_in_lists(client, api, people):
    body = client.get("/api/v1/users?role=teacher", headers=api(people.city_staff)).get_json()
    teacher = next(item for item in body["items"] if item["username"] == "a1teacher")
    assert teacher["phone"] == "138****5678"
    assert teacher["email"] == "t***@example.cn"
    me = client.get("/api/v1/me", headers=api(people.teacher_a1)).get_json()
    assert me["phone"] == "13812345678"


def test_school_admin_creates_a_teacher_in_own_school(client, api, people, tree):
    response = client.post("/api/v1/users", headers=api(people.school_a1_admin), json={
        "username": "newt", "display_name": "新老师", "roles": ["teacher"], "org": tree.school_a1.code})
    assert response.status_code == 201
    body = response.get_json()
    assert body["must_change_password"] is True and len(body["initial_password"]) >= 8
    created = db.session.scalar(db.select(User).where(User.username == "newt"))
    assert created.org_id == tree.school_a1.id and created.roles == {Role.TEACHER}
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.kind == "user.created",
                                                          AuditEntry.object_id == str(created.id)))
    assert entry.actor_name == "a1admin" and entry.ip == "127.0.0.1"
    # The initial password works, and must be changed.
    token = client.post("/api/v1/auth/token", json={"username": "newt", "password": body["initial_password"]})
    assert token.get_json()["must_change_password"] is True


def test_user_creation_outside_scope_or_role_is_refused(client, api, people, tree):
    headers = api(people.school_a1_admin)
    other_school = client.post("/api/v1/users", headers=headers, json={
        "username": "xx1", "display_name": "x", "roles": ["teacher"], "org": tree.school_b1.code})
    assert other_school.status_code == 403
    too_high = client.post("/api/v1/users", headers=headers, json={
        "username": "xx2", "display_name": "x", "roles": ["bureau_staff"], "org": tree.school_a1.code})
    assert too_high.status_code == 403
    admin_roles = client.post("/api/v1/users", headers=api(people.sysadmin), json={
        "username": "xx3", "display_name": "x", "roles": ["auditor"], "org": tree.city.code})
    assert admin_roles.status_code == 403  # the three administrators come from the CLI only
    assert db.session.scalar(db.select(User).where(User.username.in_(["xx1", "xx2", "xx3"]))) is None


def test_user_creation_validation(client, api, people, tree):
    headers = api(people.sysadmin)

    def post(**body):
        base = {"username": "valid.name", "display_name": "某人", "roles": ["teacher"], "org": tree.school_a1.code}
        base.update(body)
        return client.post("/api/v1/users", headers=headers, json=base)

    def refused(field, why, code="invalid", **body):
        response = post(**body)
        assert response.status_code == 422, body
        error = response.get_json()["error"]
        assert error["code"] == code, body
        assert why in str(error["fields"][field]), (body, error)

    refused("username", "用户名须为 3–64 位字母、数字或 _ . -", username="a b")
    refused("roles", "至少选择一个角色", roles=[])
    refused("roles", "取值无效", roles=["wizard"])
    mismatch = post(roles=["teacher"], org=tree.district_a.code)
    assert mismatch.status_code == 422 and "角色与单位类型不符" in str(mismatch.get_json())
    assert mismatch.get_json()["error"]["message"] == "学校管理员、教师、学生须属于学校"
    refused("roles", "角色与单位类型不符", roles=["bureau_staff"], org=tree.school_a1.code)
    refused("org", "单位不存在", org="NOPE")
    refused("password", "密码长度至少 8 位", code="weak_password", password="weak")
    refused("phone", "电话号码格式不正确", phone="abc")
    refused("username", "用户名已被使用", code="duplicate", username="a1teacher")
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.username == "valid.name")) == 0
    created = post()
    assert created.status_code == 201
    assert (created.get_json()["username"], created.get_json()["roles"]) == ("valid.name", ["teacher"])
    stored = db.session.scalar(db.select(User).where(User.username == "valid.name"))
    assert (stored.display_name, stored.org_id, stored.must_change_password) == ("某人", tree.school_a1.id, True)


def test_bureau_staff_create_school_admins_in_subtree(client, api, people, tree):
    headers = api(people.district_a_staff)
    ok = client.post("/api/v1/users", headers=headers, json={
        "username": "a2admin", "display_name": "管理员", "roles": ["school_admin"], "org": tree.school_a2.code})
    assert ok.status_code == 201
    other_district = client.post("/api/v1/users", headers=headers, json={
        "username": "b2admin", "display_name": "管理员", "roles": ["school_admin"], "org": tree.school_b2.code})
    assert other_district.status_code == 403
    created = db.session.scalar(db.select(User).where(User.username == "a2admin"))
    assert created is not None and created.org_id == tree.school_a2.id
    assert db.session.scalar(db.select(User).where(User.username == "b2admin")) is None

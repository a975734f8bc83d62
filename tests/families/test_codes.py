"""Invitation codes: hashed at rest, one-time, expiring, several parents per child; refused codes say why
in Chinese; the public join form (captcha) is rate-limited; the school revokes a link."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eduplatform.accounts.models import Role, User
from eduplatform.audit.models import AuditEntry
from eduplatform.core.captcha import CaptchaChallenge
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.families import services
from eduplatform.families.models import InviteCode, ParentLink
from tests.assertions import count


def _code(issuer, student, **kw):
    [(_, code)] = services.issue_codes(issuer, [student], **kw)
    db.session.commit()
    return code


def test_code_is_kept_only_as_its_hash_and_works_once(families, create_user):
    kid = families.kids_a[2]
    code = _code(families.admin, kid)
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    invite = db.session.scalars(sa.select(InviteCode).order_by(InviteCode.id.desc())).first()
    assert invite.code_hash == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert code.replace("-", "") not in str(db.session.execute(sa.select(InviteCode.__table__)).all())
    mum = create_user("mum", roles=[Role.PARENT], org=None)
    dad = create_user("dad", roles=[Role.PARENT], org=None)
    link = services.redeem_code(mum, code.lower().replace("-", " "), relation="母亲")  # typed loosely
    db.session.commit()
    assert link.student_id == kid.id and invite.used_by_id == mum.id
    with pytest.raises(ValidationFailed, match="该邀请码已被使用，每个邀请码只能使用一次"):
        services.redeem_code(dad, code)
    # several parents per child: the second one gets a code of their own
    services.redeem_code(dad, _code(families.admin, kid), relation="父亲")
    db.session.commit()
    assert count(ParentLink, ParentLink.student_id == kid.id) == 2
    with pytest.raises(Conflict, match="已关联"):
        services.redeem_code(dad, _code(families.admin, kid))


def test_expired_wrong_and_revoked_codes_are_refused_in_chinese(families, create_user):
    kid = families.kids_a[2]
    mum = create_user("mum", roles=[Role.PARENT], org=None)
    expired = _code(families.admin, kid)
    db.session.execute(sa.update(InviteCode).values(expires_at=utcnow() - timedelta(minutes=1)))
    with pytest.raises(ValidationFailed, match="该邀请码已过期，请联系班主任重新领取"):
        services.redeem_code(mum, expired)
    with pytest.raises(ValidationFailed, match="邀请码不正确，请核对账户条上的邀请码"):
        services.redeem_code(mum, "ABCDE-FGHJK")
    with pytest.raises(ValidationFailed, match="邀请码不正确"):
        services.redeem_code(mum, "")
    teacher = families.a.teachers["数学"]
    with pytest.raises(ValidationFailed, match="请使用家长账户"):
        services.redeem_code(teacher, _code(families.admin, kid))
    assert count(ParentLink, ParentLink.student_id == kid.id) == 0


def _captcha(client, path="/families/join"):
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="captcha_token" value="([^"]+)"', page).group(1)
    return {"captcha_token": token,
            "captcha": db.session.scalar(sa.select(CaptchaChallenge.answer).where(CaptchaChallenge.token == token))}


def _register(client, code, username="newparent", **extra):
    return client.post("/families/join", data={
        "code": code, "relation": "父亲", "username": username, "display_name": "王爸爸", "phone": "13900001111",
        "password": "Parent#2026ok", "password2": "Parent#2026ok", **_captcha(client), **extra})


def test_register_with_a_code_makes_a_parent_account_linked_to_the_child(client, auth, families):
    kid = families.kids_a[2]
    wrong = _register(client, "ZZZZZ-ZZZZZ")
    assert wrong.status_code == 422 and "邀请码不正确" in wrong.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.username == "newparent")) is None
    code = _code(families.admin, kid)
    bad_captcha = _register(client, code, captcha="999")
    assert bad_captcha.status_code == 422 and "验证码不正确" in bad_captcha.get_data(as_text=True)
    done = _register(client, code)
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    user = db.session.scalar(sa.select(User).where(User.username == "newparent"))
    assert user.roles == {Role.PARENT} and user.org_id is None and user.business_scope() is None
    again = _register(client, code, username="another")
    assert again.status_code == 422 and "该邀请码已被使用" in again.get_data(as_text=True)
    auth.login("newparent", "Parent#2026ok")
    home = client.get("/families/")
    assert home.status_code == 302 and home.headers["Location"].endswith(f"/families/children/{kid.id}")
    assert kid.name in client.get(f"/families/children/{kid.id}").get_data(as_text=True)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "link.created")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == user.id and kid.name in entry.summary


def test_a_signed_in_parent_links_a_second_child_and_switches(client, auth, families):
    auth.login(families.parent_a)
    code = _code(families.admin, families.kid_b)
    response = client.post("/families/join", data={"code": code, "relation": "母亲"})
    assert response.status_code == 302
    page = client.get(f"/families/children/{families.kid_b.id}").get_data(as_text=True)
    assert 'id="child-switch"' in page and families.kids_a[0].name in page
    assert client.get("/families/").status_code == 200  # two children: the list


def test_join_attempts_are_rate_limited(app, client, families, monkeypatch):
    monkeypatch.setitem(app.config, "FAMILY_JOIN_LIMIT", 3)
    monkeypatch.setitem(app.config, "FAMILY_JOIN_WINDOW", 600)
    codes = [client.post("/families/join", data={"code": f"WRONG{n}"}).status_code for n in range(3)]
    assert codes == [422, 422, 422]
    refused = client.post("/families/join", data={"code": _code(families.admin, families.kids_a[2])})
    assert refused.status_code == 429 and "邀请码尝试过于频繁" in refused.get_data(as_text=True)


def test_the_school_revokes_a_link_and_the_child_is_gone(client, auth, families):
    kid = families.kids_a[0]
    link = db.session.scalar(sa.select(ParentLink).where(ParentLink.parent_id == families.parent_a.id))
    auth.login(families.a.head)  # the 班主任 sees the class's links
    assert families.parent_a.display_name in client.get(f"/families/classes/{families.a.school_class.id}").get_data(as_text=True)
    auth.logout()
    auth.login(families.other_admin)
    assert client.post(f"/families/links/{link.id}/revoke").status_code == 404
    auth.logout()
    auth.login(families.admin)
    assert client.post(f"/families/links/{link.id}/revoke").status_code == 302
    assert db.session.get(ParentLink, link.id).revoked_at is not None
    assert count(AuditEntry, AuditEntry.kind == "link.revoked") == 1
    auth.logout()
    auth.login(families.parent_a)
    assert client.get(f"/families/children/{kid.id}").status_code == 404


def test_slips_print_one_code_per_student_of_the_class(client, auth, families):
    auth.login(families.a.head)
    page = client.post(f"/families/classes/{families.a.school_class.id}/slips", data={"days": "14"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert text.count('class="slip"') == 3 and "/families/join" in text
    for kid in families.kids_a:
        assert kid.name in text
    code = re.search(r'class="slip-code">([A-Z2-9-]+)<', text).group(1)
    assert services.check_code(code).expires_at < utcnow() + timedelta(days=14, minutes=1)
    assert count(AuditEntry, AuditEntry.kind == "codes.issued") >= 1
    one = client.post(f"/families/classes/{families.a.school_class.id}/slips",
                      data={"student_id": str(families.kids_a[1].id)}).get_data(as_text=True)
    assert one.count('class="slip"') == 1 and families.kids_a[1].name in one
    auth.logout()
    auth.login(families.a.teachers["数学"])  # teaches the class but is not its 班主任
    assert client.post(f"/families/classes/{families.a.school_class.id}/slips").status_code == 404

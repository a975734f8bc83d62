"""领导信箱 on the web: the public form (captcha, rate limit, bounded input, attachment through the
inspector), tracking (no enumeration, only one's own case), rating, the staff's pages, publishing."""

from __future__ import annotations

import io
import re
from datetime import datetime

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.captcha import CaptchaChallenge
from eduplatform.core.extensions import db
from eduplatform.portal.models import Letter
from eduplatform.portal.services import disclosure_clock
from eduplatform.portal.services import letters as services
from tests.portal.letters_helpers import LETTER, write

FORM = {k: v for k, v in LETTER.items() if k != "consent_publish"}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _form(client, tree, **changes):
    page = client.get("/portal/letters/write")
    assert page.status_code == 200
    token = re.search(r'name="captcha_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = db.session.scalar(sa.select(CaptchaChallenge.answer).where(CaptchaChallenge.token == token))
    return {**FORM, "org_id": str(tree.city.id), "consent_publish": "true", "captcha_token": token,
            "captcha": answer, **changes}


def _write(client, tree, **changes):
    return client.post("/portal/letters/write", data=_form(client, tree, **changes), content_type="multipart/form-data")


def test_a_written_letter_shows_its_code_and_secret_once(client, tree, mailbox):
    response = _write(client, tree)
    html = response.get_data(as_text=True)
    assert response.status_code == 201, html
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    secret = re.search(r'id="tracking-secret">([^<]+)<', html).group(1)
    letter = db.session.scalar(sa.select(Letter).where(Letter.tracking_code == code))
    assert letter.kind == "complaint" and letter.consent_publish and letter.channel == "online"
    assert letter.secret_hash != secret and secret not in html.split("tracking-secret")[0]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_wrong_captcha_writes_nothing(client, tree, mailbox):
    response = _write(client, tree, captcha="999")
    assert response.status_code == 422 and "验证码不正确" in response.get_data(as_text=True)
    assert _count(Letter) == 0


def test_letters_are_limited_per_client_address(app, client, tree, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "LETTER_WRITE_LIMIT", 2)
    assert _write(client, tree).status_code == 201
    assert _write(client, tree, captcha="999").status_code == 422  # a refused attempt counts too
    third = _write(client, tree)
    assert third.status_code == 429 and "写信过于频繁" in third.get_data(as_text=True)
    assert _count(Letter) == 1
    other = client.post("/portal/letters/write", data=_form(client, tree), environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 201


def test_bad_input_is_refused_in_chinese_and_the_form_keeps_it(client, tree, mailbox):
    response = _write(client, tree, phone="", email="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请至少填写一种联系方式" in html and 'value="学校食堂价格偏高"' in html
    too_long = _write(client, tree, content="很" * 5001)
    assert too_long.status_code == 422 and "5000" in too_long.get_data(as_text=True)
    assert _count(Letter) == 0


def test_an_attachment_goes_through_the_inspector(client, tree, mailbox):
    fake = _form(client, tree)
    fake["attachment"] = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "材料.pdf")  # a picture called pdf
    refused = client.post("/portal/letters/write", data=fake, content_type="multipart/form-data",
                          headers={"Referer": "/portal/letters/write"})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/portal/letters/write")
    with client.session_transaction() as session:
        assert any("与实际内容" in message for _, message in session.pop("_flashes", []))
    assert _count(Letter) == 0
    csv = _form(client, tree)
    csv["attachment"] = (io.BytesIO(b"a,b\n1,2\n"), "资料.csv")
    refused = client.post("/portal/letters/write", data=csv, content_type="multipart/form-data")
    assert refused.status_code == 422 and "附件只能是" in refused.get_data(as_text=True)
    assert _count(Letter) == 0
    good = _form(client, tree)
    good["attachment"] = (io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "材料.pdf")
    accepted = client.post("/portal/letters/write", data=good, content_type="multipart/form-data")
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert db.session.scalar(sa.select(Letter)).attachment.filename == "材料.pdf"


def test_the_writer_sees_only_their_own_case_and_wrong_secrets_look_like_unknown_codes(client, tree, mailbox):
    mine, secret = write(tree, title="我的来信")
    other, _ = write(tree, title="别人的来信", name="李四", content="别人的内容")
    db.session.commit()
    page = client.post("/portal/letters/track", data={"code": mine.tracking_code, "secret": secret})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "我的来信" in html and "别人的" not in html
    wrong = client.post("/portal/letters/track", data={"code": other.tracking_code, "secret": secret})
    unknown = client.post("/portal/letters/track", data={"code": "XX2026ZZZZZZZZ", "secret": secret})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert "查询码或查询密码不正确" in wrong.get_data(as_text=True)


def test_tracking_is_limited_per_address(app, client, tree, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "LETTER_TRACK_LIMIT", 2)
    for _ in range(2):
        assert client.post("/portal/letters/track", data={"code": "XX2026AAAAAAAA", "secret": "x"}).status_code == 404
    refused = client.post("/portal/letters/track", data={"code": "XX2026AAAAAAAA", "secret": "x"})
    assert refused.status_code == 429 and "查询过于频繁" in refused.get_data(as_text=True)


def test_the_staff_route_answer_publish_and_the_writer_rates(client, auth, tree, mailbox):
    letter, secret = write(tree)
    db.session.commit()
    auth.login(mailbox.office_staff)
    listing = client.get("/portal/letters/manage").get_data(as_text=True)
    assert letter.tracking_code in listing and "学校食堂价格偏高" in listing
    case = client.get(f"/portal/letters/manage/{letter.id}").get_data(as_text=True)
    assert 'id="step-route"' in case and "13900001111" in case  # staff see the writer's details
    version = re.search(r'id="step-route".*?name="version" value="(\d+)"', case, re.DOTALL).group(1)
    routed = client.post(f"/portal/letters/manage/{letter.id}/steps/route",
                         data={"department_id": str(tree.city_dept.id), "version": version})
    assert routed.status_code == 302
    assert letter.state == "handling" and letter.department == tree.city_dept
    auth.logout()
    auth.login(mailbox.city_staff)
    case = client.get(f"/portal/letters/manage/{letter.id}").get_data(as_text=True)
    version = re.search(r'id="step-reply".*?name="version" value="(\d+)"', case, re.DOTALL).group(1)
    client.post(f"/portal/letters/manage/{letter.id}/steps/reply",
                data={"reply": "王晓明您好：已核实，价格已调整。如有疑问请拨13900001111。", "version": version})
    assert letter.state == "replied"
    # a department cannot publish; the office can
    assert client.post(f"/portal/letters/manage/{letter.id}/publish").status_code == 403
    auth.logout()
    auth.login(mailbox.office_staff)
    assert client.post(f"/portal/letters/manage/{letter.id}/publish", data={"title": "关于学校食堂价格"}).status_code == 302
    auth.logout()
    public = client.get(f"/portal/letters/public/{letter.id}").get_data(as_text=True)
    assert "关于学校食堂价格" in public and "王**" in public and "139****1111" in public
    assert "王晓明" not in public and "13900001111" not in public and "330102199001011234" not in public
    assert "wangxm@" not in public and "w***@example.cn" in public
    assert f"/portal/letters/public/{letter.id}" in client.get("/portal/letters").get_data(as_text=True)
    rated = client.post("/portal/letters/track/rate", data={"code": letter.tracking_code, "secret": secret,
                                                           "rating": "satisfied"})
    assert rated.status_code == 200 and "您的评价：满意" in rated.get_data(as_text=True)
    assert letter.rating == "satisfied"
    kinds = set(db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.object_type == "leader_letter")))
    assert {"letter.received", "letter.routed", "letter.replied", "letter.published", "letter.rated"} <= kinds


def test_an_unpublished_or_unconsented_letter_is_not_public(client, tree, mailbox):
    letter, _ = write(tree, consent_publish=False)
    db.session.commit()
    assert client.get(f"/portal/letters/public/{letter.id}").status_code == 404


def test_staff_of_another_bureau_and_the_public_see_no_case(client, auth, tree, mailbox):
    letter, _ = write(tree)
    db.session.commit()
    auth.login(mailbox.district_b_staff)
    assert client.get(f"/portal/letters/manage/{letter.id}").status_code == 403
    assert letter.tracking_code not in client.get("/portal/letters/manage").get_data(as_text=True)
    auth.logout()
    auth.login(mailbox.citizen)
    assert client.get("/portal/letters/manage").status_code == 403


def test_the_overdue_filter_lists_late_cases(client, auth, tree, mailbox, monkeypatch):
    # a Wednesday in Beijing: one working day back is the day before
    monkeypatch.setattr(disclosure_clock, "utcnow", lambda: datetime(2026, 12, 2, 2, 0))
    late, _ = write(tree, title="逾期未办的信")
    write(tree, title="按时的信")
    late.due_on = services.calendar().subtract_working_days(services.today_local(), 1)
    db.session.commit()
    auth.login(mailbox.office_staff)
    html = client.get("/portal/letters/manage?overdue=1").get_data(as_text=True)
    assert "逾期未办的信" in html and "按时的信" not in html and "逾期1个工作日" in html
    assert "逾期未答复 1 件" in html


def test_the_office_takes_a_published_letter_down_with_a_reason(client, auth, tree, mailbox):
    from eduplatform.portal.services import letters_publish as publishing

    letter, secret = write(tree)
    services.route(letter, actor=mailbox.office_staff, department_id=tree.city_dept.id)
    services.reply(letter, actor=mailbox.city_staff, text="已处理。")
    publishing.publish(letter, actor=mailbox.office_staff)
    db.session.commit()
    assert client.get(f"/portal/letters/public/{letter.id}").status_code == 200
    auth.login(mailbox.office_staff)
    refused = client.post(f"/portal/letters/manage/{letter.id}/unpublish", data={"reason": ""})
    assert refused.status_code == 302 and letter.published_at is not None
    assert client.post(f"/portal/letters/manage/{letter.id}/unpublish", data={"reason": "来信人电话要求撤下"}).status_code == 302
    auth.logout()
    assert client.get(f"/portal/letters/public/{letter.id}").status_code == 404
    withdrawn = client.post("/portal/letters/track/consent", data={"code": letter.tracking_code, "secret": secret})
    assert "已撤回公开同意" in withdrawn.get_data(as_text=True) and letter.consent_publish is False

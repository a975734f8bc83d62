"""依申请公开 on the web: the public form (captcha, rate limit, bounded input, nothing half-written),
the tracking page (no enumeration), the staff's pages and the API."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.captcha import CaptchaChallenge
from eduplatform.core.extensions import db
from eduplatform.portal.models import DisclosureRequest
from eduplatform.portal.services import disclosure as services
from eduplatform.portal.services import tracking
from tests.portal.disclosure_helpers import letter_request

FORM = {"applicant_type": "organisation", "org_kind": "research", "name": "示范市教育科学研究所",
        "id_type": "统一社会信用代码", "id_number": "12330100MB0000000X", "contact_person": "李老师",
        "phone": "0571-88880000", "email": "", "address": "示范市学院路8号", "postcode": "310000",
        "description": "2025年度本市中小学教师培训经费的使用情况", "doc_title": "", "doc_number": "",
        "provide_format": "email", "obtain_method": "online"}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _form(client, tree, **changes):
    page = client.get("/portal/disclosure/apply")
    assert page.status_code == 200
    token = re.search(r'name="captcha_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = db.session.scalar(sa.select(CaptchaChallenge.answer).where(CaptchaChallenge.token == token))
    return {**FORM, "org_id": str(tree.city.id), "captcha_token": token, "captcha": answer, **changes}


def _apply(client, tree, **changes):
    return client.post("/portal/disclosure/apply", data=_form(client, tree, **changes))


def test_an_online_application_shows_its_code_and_secret_once_and_keeps_only_the_hash(client, tree, people):
    response = _apply(client, tree)
    html = response.get_data(as_text=True)
    assert response.status_code == 201, html
    code = re.search(r'id="tracking-code">([^<]+)<', html).group(1)
    secret = re.search(r'id="tracking-secret">([^<]+)<', html).group(1)
    request = db.session.scalar(sa.select(DisclosureRequest).where(DisclosureRequest.tracking_code == code))
    assert request.name == "示范市教育科学研究所" and request.applicant_label == "法人或其他组织（科研机构）"
    assert request.channel == "online" and request.received_on == services.today_local()
    assert request.secret_hash == tracking.hash_secret(secret) and secret not in request.secret_hash
    assert response.headers["Cache-Control"] == "no-store"
    assert request.state == "review" and request.due_on is not None


def test_a_wrong_captcha_is_refused_and_writes_no_request(client, tree, people):
    before = _count(DisclosureRequest)
    response = _apply(client, tree, captcha="999")
    assert response.status_code == 422
    assert "验证码不正确" in response.get_data(as_text=True)
    assert _count(DisclosureRequest) == before


def test_a_captcha_is_used_once(client, tree, people):
    data = _form(client, tree)
    assert client.post("/portal/disclosure/apply", data=data).status_code == 201
    again = client.post("/portal/disclosure/apply", data=data)
    assert again.status_code == 422 and "验证码已失效" in again.get_data(as_text=True)


def test_a_wrong_answer_burns_the_picture_so_it_cannot_be_tried_again(client, tree, people):
    data = _form(client, tree)
    right = data["captcha"]
    assert client.post("/portal/disclosure/apply", data={**data, "captcha": "999"}).status_code == 422
    retry = client.post("/portal/disclosure/apply", data={**data, "captcha": right})
    assert retry.status_code == 422 and "验证码已失效" in retry.get_data(as_text=True)


def test_the_guide_states_the_2019_time_limits(client):
    html = client.get("/portal/disclosure").get_data(as_text=True)
    assert "20个工作日" in html and "7个工作日" in html and "15个工作日" in html and "15日" not in html


def test_the_captcha_picture_is_a_png_made_here(client):
    page = client.get("/portal/disclosure/apply").get_data(as_text=True)
    src = re.search(r'src="(/portal/disclosure/captcha/[^"]+\.png)"', page).group(1)
    image = client.get(src)
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert client.get("/portal/disclosure/captcha/unknown-token.png").status_code == 404


def test_applications_are_limited_per_client_address(app, client, tree, people):
    app.config["DISCLOSURE_APPLY_LIMIT"] = 2
    try:
        assert _apply(client, tree).status_code == 201
        assert _apply(client, tree, captcha="999").status_code == 422  # a refused attempt counts too
        third = _apply(client, tree)
        assert third.status_code == 429
        assert "提交申请过于频繁" in third.get_data(as_text=True)
        other = client.post("/portal/disclosure/apply", data=_form(client, tree),
                            environ_base={"REMOTE_ADDR": "198.51.100.9"})
        assert other.status_code == 201  # another address has its own count
    finally:
        app.config.pop("DISCLOSURE_APPLY_LIMIT")


def test_bad_input_is_refused_in_chinese_and_nothing_is_half_written(client, tree, people):
    client.get("/portal/")  # a new site's first visit syncs the columns (audited): not part of this count
    requests, entries = _count(DisclosureRequest), _count(AuditEntry)
    response = _apply(client, tree, phone="", address="", email="", obtain_method="pickup")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请至少填写一种联系方式" in html
    assert 'value="示范市教育科学研究所"' in html  # the form keeps what was typed
    assert _count(DisclosureRequest) == requests
    received = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "request.received"))
    assert received == 0 and _count(AuditEntry) == entries
    too_long = _apply(client, tree, description="很" * 4001)
    assert too_long.status_code == 422 and "长度须在 1 到 4000 之间" in too_long.get_data(as_text=True)
    assert _count(DisclosureRequest) == requests


def _tracked(tree, people, **changes):
    request, secret = services.receive_request(
        {**FORM, **changes}, org=tree.city, channel="letter", actor=people.city_staff, received_on=date(2026, 11, 2))
    db.session.commit()
    return request, secret


def test_tracking_with_a_wrong_secret_and_with_an_unknown_code_look_the_same(client, tree, people):
    request, secret = _tracked(tree, people)
    wrong = client.post("/portal/disclosure/track", data={"code": request.tracking_code, "secret": "x" + secret})
    unknown = client.post("/portal/disclosure/track", data={"code": "GK2026ZZZZZZZZ", "secret": secret})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert "查询码或查询密码不正确" in wrong.get_data(as_text=True)
    api_wrong = client.post("/api/v1/disclosure/track", json={"code": request.tracking_code, "secret": "bad"})
    api_unknown = client.post("/api/v1/disclosure/track", json={"code": "GK2026ZZZZZZZZ", "secret": "bad"})
    assert api_wrong.status_code == api_unknown.status_code == 404
    assert api_wrong.get_json() == api_unknown.get_json()


def test_tracking_lookups_are_limited_per_address(app, client, tree, people):
    app.config["DISCLOSURE_TRACK_LIMIT"] = 3
    try:
        for _ in range(3):
            assert client.post("/api/v1/disclosure/track", json={"code": "GK2026AAAAAAAA", "secret": "x"}).status_code == 404
        refused = client.post("/api/v1/disclosure/track", json={"code": "GK2026AAAAAAAA", "secret": "x"})
        assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_requests"
    finally:
        app.config.pop("DISCLOSURE_TRACK_LIMIT")


def test_the_tracking_page_shows_state_due_date_and_the_correction_form(client, tree, people):
    request, secret = _tracked(tree, people)
    services.request_correction(request, actor=people.city_staff, notice="请写明具体年度", today=date(2026, 11, 3))
    db.session.commit()
    page = client.post("/portal/disclosure/track", data={"code": request.tracking_code, "secret": secret})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "待补正" in html and "请写明具体年度" in html and 'action="/portal/disclosure/track/correction"' in html
    assert "收到申请（信函）" in html
    sent = client.post("/portal/disclosure/track/correction",
                       data={"code": request.tracking_code, "secret": secret, "text": "2025年度"})
    assert sent.status_code == 200 and "补正内容已提交" in sent.get_data(as_text=True)
    request = db.session.get(DisclosureRequest, request.id)
    assert request.correction_text == "2025年度" and request.correction_submitted_on == services.today_local()


def test_the_applicant_downloads_the_letter_from_the_tracking_page(client, tree, people):
    request, secret = _tracked(tree, people)
    services.accept(request, actor=people.city_staff)
    services.answer(request, actor=people.city_staff, answer_type="published",
                    fields={"where": "门户网站“财政预决算”栏目"}, today=date(2026, 11, 20))
    db.session.commit()
    page = client.post("/portal/disclosure/track", data={"code": request.tracking_code, "secret": secret})
    assert "公复〔2026〕1号" in page.get_data(as_text=True) and "已主动公开" in page.get_data(as_text=True)
    letter = client.post("/portal/disclosure/track/letter", data={"code": request.tracking_code, "secret": secret})
    assert letter.status_code == 200 and letter.mimetype == "application/pdf" and letter.data.startswith(b"%PDF")
    refused = client.post("/portal/disclosure/track/letter", data={"code": request.tracking_code, "secret": "no"})
    assert refused.status_code == 404 and not refused.data.startswith(b"%PDF")


def test_staff_list_case_and_steps(client, auth, tree, people):
    request = letter_request(tree.city, people.city_staff, services.today_local())
    db.session.commit()
    auth.login(people.city_staff)
    listing = client.get("/portal/disclosure/requests").get_data(as_text=True)
    assert request.tracking_code in listing and "王晓明" in listing and "自然人" in listing
    case = client.get(f"/portal/disclosure/requests/{request.id}").get_data(as_text=True)
    assert 'id="step-accept"' in case and 'id="step-request_correction"' in case
    assert client.post(f"/portal/disclosure/requests/{request.id}/steps/accept").status_code == 302
    missing = client.post(f"/portal/disclosure/requests/{request.id}/steps/answer",
                          data={"answer_type": "not_exist"}, headers={"Referer": "/portal/disclosure/requests"})
    assert missing.status_code == 302
    assert db.session.get(DisclosureRequest, request.id).state == "handling"
    done = client.post(f"/portal/disclosure/requests/{request.id}/steps/answer",
                       data={"answer_type": "not_exist", "search_record": "检索了发文登记簿和档案系统"})
    assert done.status_code == 302
    request = db.session.get(DisclosureRequest, request.id)
    assert request.state == "answered" and request.letter_number.startswith("公复〔")
    letter = client.get(f"/portal/disclosure/requests/{request.id}/letter")
    assert letter.mimetype == "application/pdf"
    assert "登记信函/当面申请" in client.get("/portal/disclosure/requests/new").get_data(as_text=True)
    dashboard = client.get("/portal/disclosure/dashboard")
    assert dashboard.status_code == 200 and "期限看板" in dashboard.get_data(as_text=True)


def test_staff_enter_a_letter_with_its_received_date(client, auth, tree, people):
    auth.login(people.city_staff)
    response = client.post("/portal/disclosure/requests/new", data={
        **FORM, "org_id": str(tree.city.id), "channel": "letter", "received_on": "2026-09-21"})
    assert response.status_code == 201, response.get_data(as_text=True)
    request = db.session.scalar(sa.select(DisclosureRequest).order_by(DisclosureRequest.id.desc()))
    assert request.channel == "letter" and request.entered_by_id == people.city_staff.id
    assert request.due_on == date(2026, 10, 26)  # as counted by hand in test_disclosure_clock


def test_other_bureaus_and_the_public_cannot_open_a_case(client, auth, tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    db.session.commit()
    assert client.get(f"/portal/disclosure/requests/{request.id}").status_code in (302, 401)
    auth.login(people.district_b_staff)
    page = client.get(f"/portal/disclosure/requests/{request.id}")
    assert page.status_code == 403 and "王晓明" not in page.get_data(as_text=True)
    assert request.tracking_code not in client.get("/portal/disclosure/requests").get_data(as_text=True)
    auth.logout()
    auth.login(people.citizen)
    assert client.get("/portal/disclosure/requests").status_code == 403


def test_the_api_answers_with_chinese_errors_and_the_letter_number(client, api, tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    services.accept(request, actor=people.city_staff)
    db.session.commit()
    headers = api(people.city_staff)
    listed = client.get("/api/v1/disclosure/requests", headers=headers).get_json()
    assert [r["tracking_code"] for r in listed["items"]] == [request.tracking_code]
    refused = client.post(f"/api/v1/disclosure/requests/{request.id}/steps/answer", headers=headers,
                          json={"answer_type": "other_law", "law": "《档案法》"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["message"] == "答复类型为「其他法律、行政法规另有规定」时须填写办理渠道"
    done = client.post(f"/api/v1/disclosure/requests/{request.id}/steps/answer", headers=headers,
                       json={"answer_type": "other_law", "law": "《档案法》第二十八条", "channel": "向档案馆申请"})
    assert done.status_code == 200 and done.get_json()["letter_number"] == "公复〔2026〕1号"
    other = client.get(f"/api/v1/disclosure/requests/{request.id}", headers=api(people.district_b_staff))
    assert other.status_code == 403


def test_an_optional_attachment_is_stored_and_served_to_the_bureaus_staff_only(client, auth, tree, people, storage):
    import io

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post("/portal/disclosure/apply", content_type="multipart/form-data",
                           data={**_form(client, tree), "attachment": (io.BytesIO(pdf), "身份证明.pdf")})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    request = db.session.scalar(sa.select(DisclosureRequest).order_by(DisclosureRequest.id.desc()))
    assert request.attachment is not None and request.attachment.filename == "身份证明.pdf"
    auth.login(people.city_staff)
    assert client.get(f"/portal/disclosure/requests/{request.id}/attachment").data == pdf
    auth.logout()
    auth.login(people.district_b_staff)
    assert client.get(f"/portal/disclosure/requests/{request.id}/attachment").status_code == 403


def test_an_attachment_of_another_type_is_refused_and_nothing_is_kept(client, tree, people, storage):
    import io

    before, keys = _count(DisclosureRequest), set(storage.iter_keys())
    response = client.post("/portal/disclosure/apply", content_type="multipart/form-data",
                           data={**_form(client, tree), "attachment": (io.BytesIO(b"a,b\n1,2\n"), "资料.csv")})
    assert response.status_code == 422 and "附件只能是" in response.get_data(as_text=True)
    assert _count(DisclosureRequest) == before and set(storage.iter_keys()) == keys


def test_the_api_enters_a_letter_and_returns_its_secret_once(client, api, tree, people):
    headers = api(people.city_staff)
    response = client.post("/api/v1/disclosure/requests", headers=headers, json={
        **FORM, "org_id": tree.city.id, "channel": "letter", "received_on": "2026-09-21"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["due_on"] == "2026-10-26" and body["tracking_code"].startswith("GK2026")
    request = db.session.get(DisclosureRequest, body["id"])
    assert request.secret_hash == tracking.hash_secret(body["secret"])
    assert "secret" not in client.get(f"/api/v1/disclosure/requests/{request.id}", headers=headers).get_json()
    other = client.post("/api/v1/disclosure/requests", headers=headers, json={
        **FORM, "org_id": tree.district_a.id, "channel": "letter", "received_on": "2026-09-21"})
    assert other.status_code == 403


def test_only_the_office_head_is_offered_the_extension_approval(client, auth, tree, people):
    request = letter_request(tree.city, people.city_staff, services.today_local())
    services.accept(request, actor=people.city_staff)
    services.request_extension(request, actor=people.city_staff, days=10, reason="需要调取档案")
    db.session.commit()
    auth.login(people.city_staff)
    staff_page = client.get(f"/portal/disclosure/requests/{request.id}").get_data(as_text=True)
    assert 'id="step-approve_extension"' not in staff_page
    assert client.post(f"/portal/disclosure/requests/{request.id}/steps/approve_extension").status_code == 403
    auth.logout()
    auth.login(people.leader)
    head_page = client.get(f"/portal/disclosure/requests/{request.id}").get_data(as_text=True)
    assert 'id="step-approve_extension"' in head_page and "需要调取档案" in head_page
    assert client.post(f"/portal/disclosure/requests/{request.id}/steps/approve_extension").status_code == 302
    request = db.session.get(DisclosureRequest, request.id)
    assert request.extension_days == 10 and request.extension_approved_by_id == people.leader.id


def test_captcha_pictures_are_limited_per_address(app, client):
    app.config["DISCLOSURE_CAPTCHA_LIMIT"] = 2
    try:
        assert 'name="captcha_token"' in client.get("/portal/disclosure/apply").get_data(as_text=True)
        assert client.get("/portal/disclosure/apply").status_code == 200
        third = client.get("/portal/disclosure/apply")
        assert third.status_code == 429 and 'name="captcha_token"' not in third.get_data(as_text=True)
        assert "过于频繁" in third.get_data(as_text=True)
    finally:
        app.config.pop("DISCLOSURE_CAPTCHA_LIMIT")


def test_a_person_leaving_the_org_kind_at_its_empty_option_is_received(client, tree, people):
    """A browser sends the 组织类别 select even for a 自然人: its empty option means none."""
    response = _apply(client, tree, applicant_type="person", org_kind="", name="刘晓明", id_type="居民身份证",
                      id_number="339901198805050011")
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    created = db.session.scalars(sa.select(DisclosureRequest).where(DisclosureRequest.name == "刘晓明")).one()
    assert created.org_kind is None and created.applicant_type == "person"


def test_an_organisation_must_still_choose_its_kind(client, tree, people):
    response = _apply(client, tree, org_kind="")
    assert response.status_code == 422 and "法人或其他组织的类别" in response.get_data(as_text=True)

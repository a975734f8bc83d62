"""领导信箱 in the browser: a citizen writes a complaint (captcha, consent); the 办公室 routes it to
基础教育处, which answers; the office publishes it in 互动交流 (masked); the citizen reads the reply
and rates it. axe-core finds no serious or critical WCAG 2.1 A/AA violation on the public pages, in
normal and 适老化 mode."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eduplatform.core.captcha import CaptchaChallenge
from eduplatform.core.extensions import db
from tests.browser.axe import violations as _violations
from tests.browser.conftest import login, logout

NAME, PHONE, ID_NUMBER = "黄志强", "13812349876", "339901198807071234"
TITLE = "孩子学校擅自延长在校时间"
CONTENT = f"我是{NAME}，孩子所在学校要求学生周六到校自习。联系电话{PHONE}，身份证{ID_NUMBER}。"
REPLY = f"{NAME}您好：经核查，该校已停止周六组织学生到校，我处将持续督查。"


@pytest.fixture
def page(browser):
    """As the shared ``page``, in a context where axe-core may be injected (CSP bypassed)."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    found = context.new_page()
    found.set_default_timeout(15_000)
    errors: list[str] = []
    found.on("pageerror", lambda exc: errors.append(str(exc)))
    found.on("response", lambda response: errors.append(f"{response.status} {response.url}")
             if response.status >= 400 and response.request.resource_type != "document" else None)
    yield found
    context.close()
    assert errors == [], f"errors in the page: {errors}"


def _captcha_answer(live_app, page) -> str:
    token = page.get_attribute("input[name=captcha_token]", "value")
    with live_app.app_context():
        answer = db.session.scalar(sa.select(CaptchaChallenge.answer).where(CaptchaChallenge.token == token))
        db.session.remove()
    return answer


def _no_serious_violations(page, name, found):
    bad = _violations(page)
    if bad:
        found[name] = bad


def test_a_complaint_is_written_routed_answered_published_and_rated(page, live_app, live_server):
    base, found = live_server, {}
    page.goto(f"{base}/portal/")
    page.click("header a:text-is('互动交流')")
    page.wait_for_selector("#write-link")
    _no_serious_violations(page, "home", found)
    page.click("#write-link")
    page.select_option("#kind", "complaint")
    page.fill("#name", NAME)
    page.fill("#phone", PHONE)
    page.fill("#id_number", ID_NUMBER)
    page.fill("#title", TITLE)
    page.fill("#content", CONTENT)
    page.check("#consent_publish")
    _no_serious_violations(page, "write", found)
    page.fill("#captcha", _captcha_answer(live_app, page))
    page.click("#write-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    code, secret = page.inner_text("#tracking-code"), page.inner_text("#tracking-secret")
    assert code.startswith("XX") and len(secret) >= 16
    _no_serious_violations(page, "receipt", found)

    login(page, base, "city_office")
    page.click("a.dropdown-toggle:text-is('教育电子政务')")
    page.click("a.dropdown-item:text-is('领导信箱')")
    page.click(f"a:text-is('{code}')")
    page.select_option("#dept-route", label="市教育局基础教育处")
    page.click("#step-route button[type=submit]")
    page.wait_for_selector("text=已分办")
    assert page.inner_text("#department") == "市教育局基础教育处"
    case_url = page.url
    logout(page)

    login(page, base, "city_staff")
    page.goto(case_url)
    page.fill("#reply-text", REPLY)
    page.click("#step-reply button[type=submit]")
    page.wait_for_selector("text=已答复")
    assert page.inner_text("#state") == "已答复"
    assert page.query_selector("#publish") is None  # a department does not publish
    logout(page)

    login(page, base, "city_office")
    page.goto(case_url)
    page.click("#publish button[type=submit]")
    page.wait_for_selector("text=已在“互动交流”公开")
    logout(page)

    # the citizen: the published exchange, masked
    page.goto(f"{base}/portal/letters")
    page.click(f"#published-letters a:text-is('{TITLE}')")
    assert page.inner_text("#public-name") == "黄**"
    content = page.inner_text("#public-content")
    assert content == "我是黄**，孩子所在学校要求学生周六到校自习。联系电话138****9876，身份证339901********1234。"
    assert page.inner_text("#public-reply").startswith("黄**您好：")
    assert NAME not in page.content() and PHONE not in page.content()
    _no_serious_violations(page, "published", found)
    public_url = page.url

    # … reads the reply with code and secret and rates it
    page.goto(f"{base}/portal/letters/track")
    _no_serious_violations(page, "track", found)
    page.fill("#code", code)
    page.fill("#secret", secret)
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#reply")
    assert REPLY in page.inner_text("#reply")
    _no_serious_violations(page, "status", found)
    page.check("#rating-satisfied")
    page.click("section form button[type=submit]")
    page.wait_for_selector("#rating")
    assert page.inner_text("#rating") == "您的评价：满意"
    assert found == {}, found

    # 适老化 mode: the same public pages
    page.goto(f"{base}/portal/care?on=1&next=/portal/letters")
    assert "care-mode" in page.evaluate("document.body.className")
    for name, path in (("home", "/portal/letters"), ("write", "/portal/letters/write"),
                       ("track", "/portal/letters/track"), ("published", public_url.removeprefix(base))):
        page.goto(f"{base}{path}")
        _no_serious_violations(page, f"care:{name}", found)
    page.goto(f"{base}/portal/letters/track")
    page.fill("#code", code)
    page.fill("#secret", secret)
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#rating")
    _no_serious_violations(page, "care:status", found)
    assert found == {}, found

    login(page, base, "city_office")
    page.goto(case_url)
    assert page.inner_text("#rating") == "满意"

"""A citizen's 依申请公开 from start to letter, in the browser.

The citizen finds a policy by the site search and sees that it was amended (效力状态 已修改, with the
link to the revision that replaced it); files a request online (the captcha is read from the live
database, as the page tests do); the office asks for 补正 (条例 第三十条); the citizen corrects on the
tracking page; the office applies for an extension and the office head approves it (第三十三条第二款);
the office answers 部分公开 (第三十六条 with its own fields); the citizen reads the answer and
downloads the numbered letter with the tracking code.

Every public page the citizen sees is checked with axe-core (no serious or critical WCAG 2.1 A/AA
violation) and for sideways scrolling: the journey runs in normal and 适老化 mode at 390 px, and in
normal mode on a desktop.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from tests.browser.axe import violations as _violations
from tests.browser.conftest import login

DESCRIPTION = "2025年度本市中小学教师培训经费的使用情况"
CORRECTION_NOTICE = "请写明所需信息的时间范围（年度）和涉及的区县。"
CORRECTION = "所需信息为2025年1月至12月，全市各区县中小学教师培训经费的预算和决算。"
EXTENSION_REASON = "涉及各区县财务数据，需向各区县教育局汇总核实。"
PROVISION = "全市教师培训经费2025年度决算表，以电子邮件方式提供。"
WITHHELD = "各培训机构的报价明细。"
REASONS = "报价明细涉及第三方商业秘密，依据《政府信息公开条例》第十五条不予公开。"


class Checker:
    """axe-core and the 390 px rule on each public page the citizen sees."""

    def __init__(self, width: int):
        self.width = width
        self.found: dict[str, list] = {}
        self.pages: list[str] = []

    def __call__(self, page, name: str) -> None:
        self.pages.append(name)
        bad = _violations(page)
        if bad:
            self.found[name] = bad
        if self.width <= 390:
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= self.width, f"{name} scrolls sideways at {self.width} px ({overflow} px)"


def _captcha_answer(live_app, token: str) -> str:
    from eduplatform.core.captcha import CaptchaChallenge

    with live_app.app_context():
        answer = db.session.scalar(sa.select(CaptchaChallenge.answer).where(CaptchaChallenge.token == token))
        db.session.remove()
    return answer


def _request_id(live_app, code: str) -> int:
    from eduplatform.portal.models import DisclosureRequest

    with live_app.app_context():
        found = db.session.scalar(sa.select(DisclosureRequest.id).where(DisclosureRequest.tracking_code == code))
        db.session.remove()
    return found


def _track(page, base, code, secret, check, name):
    page.goto(f"{base}/portal/disclosure/track")
    check(page, "查询页")
    page.fill("#code", code)
    page.fill("#secret", secret)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#timeline")
    check(page, name)


def _staff_step(browser, base, username, case_url, step, fill=None):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, base, username)
        page.goto(case_url)
        form = f"#step-{step}"
        page.wait_for_selector(form)
        for selector, value in (fill or {}).items():
            if selector.startswith("select:"):
                page.select_option(selector.removeprefix("select:"), value)
            else:
                page.fill(selector, value)
        page.click(f"{form} button[type=submit]:not([formaction])")
        page.wait_for_selector(".alert-success")
        return page.inner_text("#state"), page.inner_text("#timeline"), page.inner_text("#due")
    finally:
        context.close()


@pytest.mark.parametrize(("care", "width"), [(False, 390), (True, 390), (False, 1280)],
                         ids=["phone", "phone-care", "desktop"])
def test_a_citizen_finds_an_amended_policy_and_gets_a_partial_answer(browser, live_app, live_server, care, width):
    from eduplatform.portal import seed

    base = live_server
    check = Checker(width)
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True,
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # 适老化 mode through its own link (a cookie), then the home page
        page.goto(f"{base}/portal/care?on={1 if care else 0}&next=/portal/")
        assert ("care-mode" in page.evaluate("document.body.className")) is care
        check(page, "首页")

        # the site search finds the policy; the list marks it 已修改
        page.fill("#site-q", "学籍管理")
        page.press("#site-q", "Enter")
        page.wait_for_selector("#search-results")
        check(page, "搜索结果")
        hits = page.evaluate("""() => [...document.querySelectorAll('#search-results > li')].map(li => ({
            title: li.querySelector('a').textContent.trim(), text: li.innerText,
            href: li.querySelector('a').getAttribute('href')}))""")
        old = next((h for h in hits if h["title"] == seed.OLD_POLICY), None)
        assert old is not None, hits
        assert "已修改" in old["text"]
        page.click(f"#search-results a[href='{old['href']}']")
        page.wait_for_selector("#validity-notice")
        check(page, "原政策")
        assert "本文件已修改" in page.inner_text("#validity-notice")
        assert "已修改" in page.inner_text("#meta-validity")
        page.click(f"#validity-notice a:text-is('{seed.NEW_POLICY}')")
        page.wait_for_selector("#replaces-notice")
        check(page, "修订后的政策")
        assert seed.OLD_POLICY in page.inner_text("#replaces-notice")

        # 依申请公开 online, with the captcha
        page.click("header a:text-is('依申请公开')")
        page.wait_for_selector("a:text-is('在线申请')")
        check(page, "依申请公开指南")
        page.click("a:text-is('在线申请')")
        page.wait_for_selector("#captcha")
        check(page, "申请表")
        page.select_option("#applicant_type", "person")
        page.fill("#name", "刘晓明")
        page.fill("#id_type", "居民身份证")
        page.fill("#id_number", "339901198805050011")
        page.fill("#phone", "13900001111")
        page.fill("#address", "示范市东湖区学院路8号")
        page.fill("#description", DESCRIPTION)
        token = page.get_attribute("input[name=captcha_token]", "value")
        page.fill("#captcha", _captcha_answer(live_app, token))
        page.click("main form button[type=submit]")
        page.wait_for_selector("#tracking-code, #form-error")
        assert page.locator("#form-error").count() == 0, page.inner_text("#form-error")
        check(page, "申请回执")
        code, secret = page.inner_text("#tracking-code"), page.inner_text("#tracking-secret")
        assert code.startswith("GK") and len(secret) >= 20
        case_url = f"{base}/portal/disclosure/requests/{_request_id(live_app, code)}"

        # the office asks for 补正 (once, within 7 working days)
        state, timeline, _ = _staff_step(browser, base, "city_staff", case_url, "request_correction",
                                         {"#notice-request_correction": CORRECTION_NOTICE})
        assert state == "待补正" and f"请补正申请：{CORRECTION_NOTICE}" in timeline

        # the citizen reads the notice and corrects on the tracking page
        _track(page, base, code, secret, check, "办理进度（待补正）")
        assert page.inner_text("#correction-notice") == CORRECTION_NOTICE
        assert "待补正" in page.inner_text("#due")
        page.fill("#text", CORRECTION)
        page.click("section[aria-labelledby=corr-title] button[type=submit]")
        page.wait_for_selector("#status-message")
        check(page, "补正已提交")
        assert "补正内容已提交" in page.inner_text("#status-message")

        # the office confirms it (the clock restarts), applies for an extension; the head approves
        state, timeline, _ = _staff_step(browser, base, "city_staff", case_url, "correction_received")
        assert state == "办理中"
        state, _, _ = _staff_step(browser, base, "city_staff", case_url, "request_extension",
                                  {"#days": "10", "#er": EXTENSION_REASON})
        assert state == "延期审批"
        state, timeline, due = _staff_step(browser, base, "leader", case_url, "approve_extension")
        assert state == "办理中" and "已延期10个工作日（王局长 同意）" in due

        # the citizen sees the extension
        _track(page, base, code, secret, check, "办理进度（已延期）")
        assert "经信息公开工作机构负责人同意，答复期限延长10个工作日" in page.inner_text("#timeline")

        # the office answers 部分公开 with its own fields
        state, timeline, _ = _staff_step(browser, base, "city_staff", case_url, "answer", {
            "select:#answer_type": "partial", "#af-provision": PROVISION, "#af-withheld": WITHHELD,
            "#af-reasons": REASONS})
        assert state == "已答复"

        # the citizen reads the answer and the numbered letter with the tracking code
        _track(page, base, code, secret, check, "办理进度（已答复）")
        answer = page.locator("dt:text-is('答复') + dd").inner_text()
        assert answer.startswith("部分公开") and "公复〔" in answer
        letter = page.context.request.post(f"{base}/portal/disclosure/track/letter", form={
            "csrf_token": page.get_attribute("form[action$='/track/letter'] input[name=csrf_token]", "value"),
            "code": code, "secret": secret})
        assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"
        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.body())).pages).replace("\n", "")
        assert "部分公开" in text and WITHHELD.rstrip("。") in text and "行政复议" in text

        assert len(check.pages) == 14, check.pages
        assert check.found == {}, check.found
    finally:
        context.close()
